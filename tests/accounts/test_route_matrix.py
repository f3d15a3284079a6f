"""Every route of the URL configuration, found automatically (a new route is covered without
a change here): anonymous users are sent to sign in (or get 401 from the API) and cannot
change anything; where two-factor sign-in is required, no route answers before the code; no
role makes any parameterless page fail. Public routes are listed here, by name, on purpose."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from aptrack.accounts.models import AuditEvent
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Routes anyone may open without signing in (all others must refuse).
PUBLIC = {
    "web:sign-in", "accounts:password-reset", "accounts:password-reset-sent",
    "accounts:password-reset-confirm", "accounts:password-reset-complete",
    "accounts:invitation", "admin:login", "admin:logout", "web:sign-out", "api:schema",
    "api-schema", "schema",
}
# Routes of signing in that a signed-in, not yet verified user still reaches.
TWO_FACTOR_PAGES = PUBLIC | {"accounts:two-factor", "accounts:two-factor-setup"}
# Tables that a refused request may write: its audit row, the lockout counter, the session.
BOOKKEEPING = {"accounts.AuditEvent", "axes.AccessAttempt", "axes.AccessFailureLog",
               "sessions.Session", "axes.AccessLog"}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes() -> list[tuple[str, str]]:
    """(name, sample path) of every named route; path parameters get sample values."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            route = getattr(p.pattern, "_route", None)
            if route is None:  # a regular expression (the admin's app index): not a sample
                continue
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + route, ns)
            elif isinstance(p, URLPattern) and p.name:
                sample = CONVERTER.sub(lambda m: "1" if m.group(1) == "int" else "x",
                                       prefix + route)
                found.append((f"{namespace}{p.name}", "/" + sample))

    walk(get_resolver().url_patterns, "", "")
    return found


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.label not in BOOKKEEPING and not m._meta.proxy}


def test_the_route_list_covers_every_area(settings):
    names = {name for name, _ in routes()}
    assert {"web:home", "web:sign-in", "accounts:account", "accounts:users"} <= names
    assert any(n.startswith("admin:") for n in names)


def test_anonymous_requests_are_refused_everywhere_but_public_routes(client, people):
    before = row_counts()
    refused = []
    for name, path in routes():
        if name in PUBLIC:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            status = response.status_code
            to_sign_in = status == 302 and ("sign-in" in response["Location"]
                                            or "/admin/login" in response["Location"])
            if not (to_sign_in or status in (401, 403, 404, 405)):
                refused.append((name, method, status))
    assert refused == [], "routes open to anonymous users (declare them PUBLIC or protect them)"
    assert row_counts() == before  # no side effect of any refused request


def test_required_two_factor_guards_every_route(client, people, settings):
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}
    client.post("/sign-in/", {"username": "la_admin", "password": PASSWORD})
    before = row_counts()
    open_routes = []
    for name, path in routes():
        if name in TWO_FACTOR_PAGES or name.startswith("api"):  # the API: user_may_use_api
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if not (response.status_code == 302
                    and "/account/two-factor/" in response["Location"]):
                open_routes.append((name, method, response.status_code))
    assert open_routes == []
    assert row_counts() == before


@pytest.mark.parametrize("role", ["la_officer", "la_admin", "la_safeguarding", "school_dsl",
                                  "school_staff", "provider_manager", "provider_staff"])
def test_no_role_breaks_a_page_and_every_refusal_is_audited(client, people, role):
    client.force_login(people[role])
    for name, path in routes():
        if "x" in path.split("/") or "1" in path.split("/") or name in ("web:sign-out",
                                                                          "admin:logout"):
            continue
        denied_before = AuditEvent.objects.filter(action="access.denied").count()
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404, 405), (name, response.status_code)
        if response.status_code in (403, 404):
            assert AuditEvent.objects.filter(action="access.denied").count() == \
                denied_before + 1, name
