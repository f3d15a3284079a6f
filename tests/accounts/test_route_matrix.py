"""The permission matrix: every named route of the URL configuration (pages, exports, file
downloads, search, the admin and the /api/v1/ endpoints, found from the resolver so a new route
is covered automatically) × every role in ``Role`` × an in-scope and an out-of-scope object,
against the expected status of docs/access.md, with the audit row each answer must write and no
side effect of any refused write.

``SPECS`` declares each route's permission. A route with no entry fails
``test_every_route_declares_its_permission`` (and every other test here) by name: declare it,
after deciding who may use it, in docs/access.md and here.

Expectations are written about **facts of a role** (the kind of its organisation, whether it
writes, whether it is the LA administrator), never about role names alone, so a role added to
``Role`` is checked without a change here; ``KNOWN_ROLES`` then asks the author, by name, to
confirm that docs/access.md says what that role may do.

Statuses: 200 (or 302 where the page sends you on) when allowed; 403 when the role may not use
the page at all (the same answer whatever the object, so it reveals nothing); 404 for any
object outside the user's scope (never 403: the service does not confirm that a record exists).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aptrack.accounts.choices import ROLES_BY_ORGANISATION, OrganisationKind, Role
from aptrack.accounts.models import AuditEvent
from aptrack.accounts.scopes import LA_ROLES, PROVIDER_ROLES, SCHOOL_ROLES, WRITER_ROLES
from tests.accounts import matrix
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Roles whose line in docs/access.md has been checked against this matrix. A new role fails
# test_every_role_is_in_the_matrix until someone checks it and adds it here.
KNOWN_ROLES = {"la_officer", "la_safeguarding", "la_admin", "school_dsl", "school_staff",
               "provider_manager", "provider_staff", "provider_dsl", "post16_staff"}

# ---- facts of a role -------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    role: str
    kind: str  # the kind of organisation the role belongs to
    writer: bool

    @property
    def la(self) -> bool:
        return self.kind == OrganisationKind.LOCAL_AUTHORITY

    @property
    def school(self) -> bool:
        return self.kind == OrganisationKind.SCHOOL

    @property
    def provider(self) -> bool:  # an AP provider (side a: the PRU the learner is placed at)
        return self.kind == OrganisationKind.PROVIDER

    @property
    def post16(self) -> bool:
        return self.kind == OrganisationKind.POST16_PROVIDER


def who(role: str) -> Who:
    kinds = [k for k, roles in ROLES_BY_ORGANISATION.items() if role in roles]
    assert len(kinds) == 1, f"role {role!r} must belong to exactly one organisation kind"
    return Who(role=role, kind=kinds[0], writer=role in WRITER_ROLES)


Rule = Callable[[Who], bool]
ALL: Rule = lambda w: True  # noqa: E731
NOBODY: Rule = lambda w: False  # noqa: E731
LA: Rule = lambda w: w.la  # noqa: E731
SCHOOL: Rule = lambda w: w.school  # noqa: E731
COMMISSIONER: Rule = lambda w: w.la or w.school  # noqa: E731
# Side a's learner is on the roll of the school and placed at the PRU: LA, school and PRU roles
# see them; a post-16 provider has no placement of theirs.
PLACED: Rule = lambda w: w.la or w.school or w.provider  # noqa: E731
LA_ADMIN: Rule = lambda w: w.role == Role.LA_ADMIN  # noqa: E731


@dataclass(frozen=True)
class Spec:
    """Who may GET the route with side a's object (``allowed``: ``ok``; others: ``refused``);
    the object in the URL (``obj``: side b's object is out of scope for the roles in ``out``,
    404 for them); the audit action an allowed GET writes (``read``); fixed URL arguments."""

    allowed: Rule
    ok: int = 200
    refused: int = 404
    obj: str = ""
    out: Rule = ALL
    read: str = ""
    kwargs: dict[str, str] = field(default_factory=dict)
    location: str = ""  # where a 302 must lead (a prefix of the Location)
    writes: Rule | None = None  # who may POST to it with side a's object (default: allowed)

    def may_write(self, w: Who) -> bool:
        return (self.writes or self.allowed)(w)


def S(allowed: Rule, **kw: Any) -> Spec:  # noqa: N802 - reads as a table
    return Spec(allowed, **kw)


PUBLIC_PAGE = S(ALL)  # sign-in pages, open to anyone (signed in or not)


def post_only(writes: Rule, obj: str = "") -> Spec:
    """An action: a GET is not allowed (405) whatever the object; a POST by a role not in
    ``writes``, or about side b's object, is refused and changes nothing."""
    return S(NOBODY, refused=405, obj=obj, writes=writes)


LIST = S(ALL)  # a list: every role gets it, with only the rows of its scope

SPECS: dict[str, Spec] = {
    # -- sign-in and own account (docs/access.md: own account, password, two-factor) --
    "web:sign-in": PUBLIC_PAGE, "web:sign-out": post_only(ALL),  # (a POST signs out)
    "accounts:password-reset": PUBLIC_PAGE, "accounts:password-reset-sent": PUBLIC_PAGE,
    "accounts:password-reset-confirm": PUBLIC_PAGE, "accounts:password-reset-complete":
        PUBLIC_PAGE, "accounts:invitation": PUBLIC_PAGE,
    "accounts:account": S(ALL), "accounts:two-factor": S(ALL),
    "accounts:two-factor-setup": S(ALL), "accounts:recovery-codes": post_only(ALL),
    "accounts:password-change": S(ALL), "accounts:sessions": S(ALL),  # (a POST ends own ones)
    "api-account:tokens": S(ALL), "api-account:revoke": post_only(ALL, "token"),
    # -- administration of the organisation's users, audit, legal holds, subject access --
    "accounts:users": S(LA_ADMIN), "accounts:user-invite": S(LA_ADMIN),
    "accounts:user": S(LA_ADMIN, obj="user"),
    "accounts:audit": S(LA_ADMIN), "accounts:legal-holds": S(LA_ADMIN),
    "accounts:subject-access": S(LA_ADMIN, obj="learner"),
    # -- the web pages --
    "web:home": S(ALL), "web:learners": LIST, "web:providers": LIST,
    "web:learner": S(PLACED, obj="learner", read="learner.view"),
    "web:learner-change": S(lambda w: PLACED(w) and w.writer, obj="learner",
                            read="learner.view"),
    "web:referrals": S(COMMISSIONER),
    "web:placement": S(PLACED, obj="placement", read="placement.view"),
    "web:placement-end": S(lambda w: COMMISSIONER(w) and w.writer, obj="placement",
                           read="placement.view"),
    # a GET asks "cancel?" only of a referred or agreed placement: side a's is active
    "web:placement-action": S(NOBODY, obj="placement", kwargs={"action": "cancel"},
                              writes=lambda w: COMMISSIONER(w) and w.writer),
    "web:provider": S(ALL, obj="establishment", out=NOBODY),  # the directory is shared
    "web:commission": S(COMMISSIONER, ok=302, location="/commission/"),
    "web:commission-check": S(COMMISSIONER, ok=302, location="/commission/"),
    "web:commission-step": S(COMMISSIONER, kwargs={"step": "learner"}),
    # -- attendance --
    "attendance:index": S(ALL), "attendance:alerts": LIST, "attendance:watch": LIST,
    "attendance:registers": S(lambda w: not w.la), "attendance:imports": S(lambda w: not w.la),
    "attendance:review": S(lambda w: not w.la),  # the setting's own marks flagged by imports
    "attendance:import": S(SCHOOL, obj="import"),  # side a's import is the school's
    "attendance:reconcile": S(SCHOOL),
    "attendance:alert": S(PLACED, obj="alert", read="learner.view"),
    "attendance:learner": S(PLACED, obj="learner", read="learner.view"),
    # -- quality (commissioners' records; providers see their own placements' liaison) --
    "quality:providers": S(lambda w: not w.provider, refused=302, location="/quality/providers/"),
    "quality:provider-list": S(lambda w: not w.provider, refused=302,
                               location="/quality/providers/"),
    "quality:provider": S(ALL, obj="establishment", out=lambda w: w.provider),
    "quality:check-new": S(lambda w: not w.provider, refused=403, obj="establishment",
                           out=NOBODY),
    "quality:status": S(LA, refused=403, obj="establishment", out=NOBODY),
    "quality:evidence": S(lambda w: not w.provider, obj="evidence", read="evidence.view"),
    "quality:alerts": S(LA, refused=403),
    "quality:placement": S(PLACED, obj="placement", read="placement_quality.view"),
    "quality:agreement": S(COMMISSIONER, refused=403, obj="placement"),
    "quality:notice": S(COMMISSIONER, refused=403, obj="placement"),
    "quality:notice-pdf": S(PLACED, obj="placement", read="off_site_notice.download"),
    "quality:review-request": S(COMMISSIONER, refused=403, obj="placement"),
    "quality:review-new": S(COMMISSIONER, refused=403, obj="placement"),
    "quality:outcome": S(COMMISSIONER, refused=403, obj="placement"),
    "quality:follow-up": S(COMMISSIONER, refused=403, obj="outcome"),
    "quality:reviews": LIST, "quality:outcomes": S(COMMISSIONER, refused=403),
    "quality:outcomes-export": S(COMMISSIONER, refused=403, read="export"),
    "quality:liaison": S(PLACED, obj="learner", read="liaison.view"),
    "quality:dashboard": S(COMMISSIONER, refused=403),
    # -- exchange (imports and exports of files) --
    "exchange:index": S(ALL),
    "exchange:gias": S(LA_ADMIN, refused=403),
    "exchange:ctf": S(COMMISSIONER, refused=403), "exchange:learners": S(COMMISSIONER,
                                                                          refused=403),
    "exchange:calendar": S(COMMISSIONER, refused=403),
    "exchange:census": S(COMMISSIONER, refused=403),
    "exchange:census-download": S(COMMISSIONER, refused=403, read="export"),
    "exchange:ctf-export": S(PLACED, obj="placement", read="ctf.export"),
    "exchange:export": S(ALL, read="export"),
    # -- sufficiency (the LA's own plan; "code" is the LA's) --
    "sufficiency:index": S(LA, ok=302, location="/sufficiency/"),
    "sufficiency:plan": S(LA, obj="code", read="sufficiency.view"),
    "sufficiency:capacity": S(LA, obj="code"),
    "sufficiency:upload": S(lambda w: w.role in (Role.LA_OFFICER, Role.LA_ADMIN), obj="code"),
    "sufficiency:workbook": S(LA, obj="code", read="sufficiency.export"),
    "sufficiency:report": S(LA, obj="code", read="sufficiency.export"),
    # -- the API (bearer tokens) --
    "api:schema": S(ALL),
    "api:learner-detail": S(PLACED, obj="learner", read="learner.view"),
    "api:learner-attendance": S(PLACED, obj="learner", read="learner.attendance_view"),
    "api:enrolment-detail": S(COMMISSIONER, obj="enrolment"),  # the home school's enrolment
    "api:exclusion-detail": S(COMMISSIONER, obj="exclusion"),  # never to providers
    "api:exclusion-final": post_only(COMMISSIONER, "exclusion"),
    "api:exclusion-reinstate": post_only(COMMISSIONER, "exclusion"),
    "api:placement-detail": S(PLACED, obj="placement"),
    "api:mark-detail": S(PLACED, obj="mark"), "api:alert-detail": S(PLACED, obj="alert"),
    "api:alert-acknowledge": post_only(PLACED, "alert"),
    "api:webhook-detail": S(ALL, obj="webhook"), "api:webhook-deliveries": S(ALL, obj="webhook"),
    "api:establishment-detail": S(ALL, obj="establishment", out=NOBODY),
    "api:site-detail": S(ALL, obj="site", out=NOBODY),
    "api:quality-provider-check-detail": S(ALL, obj="check"),
    "api:quality-provider-status-detail": S(ALL, obj="status", out=NOBODY),
    "api:quality-registration-alert-detail": S(LA, obj="registration_alert"),
    "api:quality-agreement-detail": S(PLACED, obj="agreement"),
    "api:quality-review-detail": S(PLACED, obj="review"),
    "api:quality-review-due": LIST,
    "api:quality-review-request-detail": S(PLACED, obj="review_request"),
    "api:quality-off-site-notice-detail": S(PLACED, obj="notice"),
    "api:quality-liaison-detail": S(PLACED, obj="liaison"),
    # side a's outcome is of a placement that ended over a year ago: out of a provider's window
    "api:quality-outcome-detail": S(COMMISSIONER, obj="outcome"),
    "api:quality-outcome-follow-up": post_only(COMMISSIONER, "outcome"),
    # -- the admin's own sign-in: the service's sign-in replaces it; refused to non-staff --
    "admin:login": S(NOBODY, refused=403),
    "admin:logout": S(NOBODY, refused=302, location="/admin/", writes=ALL),  # signs out
}
# Every list of the API answers each role with the rows of its scope.
LIST_SUFFIX = "-list"
# The Django admin: staff only; no role of the service is staff, so all are sent to its sign-in.
ADMIN = S(NOBODY, refused=302, location="/admin/login/")
# Arguments that are not objects: a token and user id of an e-mailed link, the admin's ids.
PLAIN_ARGS = {"uidb64": "x", "token": "x", "object_id": "1", "id": "1", "content_type_id": "1",
              "app_label": "accounts"}
# Kinds of object that are the user's own (side a: theirs; side b: another user's).
OWN = {"token", "webhook"}
# Tables a refused request may write: its audit row, the lockout counter, the session, the
# API's rate counters and token last-use time.
# the exchange area's log of the files it produced (an allowed export writes it), and the
# unconfirmed authenticator the two-factor set-up page makes to show its QR code, and the
# record of a signed-in session (the page "Where you are signed in") that signing in writes.
BOOKKEEPING = {"accounts.AuditEvent", "axes.AccessAttempt", "axes.AccessFailureLog",
               "axes.AccessLog", "sessions.Session", "exchange.ExchangeLog",
               "otp_totp.TOTPDevice", "accounts.SignedInSession"}


def spec_for(name: str) -> Spec | None:
    if name in SPECS:
        return SPECS[name]
    if name.startswith("admin:"):
        return ADMIN
    if name in SPECS:
        return SPECS[name]
    if name.startswith("api:") and name.endswith(LIST_SUFFIX):
        return LIST
    return None


# ---- the routes ------------------------------------------------------------------------------


def routes() -> list[tuple[str, list[str]]]:
    """(name, names of its URL arguments) of every named route, regular-expression routes (the
    API's router, the admin) included."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                pattern = p.pattern
                args = list(getattr(pattern, "converters", {})) or list(
                    pattern.regex.groupindex)
                found.append((f"{namespace}{p.name}", args))

    walk(get_resolver().url_patterns, "")
    return found


def variants(name: str, args: list[str]) -> list[dict[str, str]]:
    """Fixed arguments of a route: each export format and list; one sample otherwise."""
    from aptrack.exchange import selectors as exchange_selectors
    from aptrack.exchange import spreadsheets

    spec = spec_for(name)
    fixed = {a: v for a, v in PLAIN_ARGS.items() if a in args}
    if name.startswith("admin:"):
        fixed.update({a: "1" for a in args if a not in fixed})
    fixed.update(spec.kwargs if spec else {})
    out = [fixed]
    if "list_name" in args:
        out = [{**f, "list_name": n} for f in out for n in exchange_selectors.LISTS]
    if "fmt" in args:
        formats = ("csv", "xml") if name == "exchange:census-download" else spreadsheets.FORMATS
        out = [{**f, "fmt": fmt} for f in out for fmt in formats]
    return out


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.label not in BOOKKEEPING and not m._meta.proxy}


@pytest.fixture(autouse=True)
def account_urls(settings):  # type: ignore[no-untyped-def]
    """The project's own URL configuration (not the accounts tests' reduced one)."""
    settings.ROOT_URLCONF = "aptrack.urls"
    cache.clear()


# ---- declarations ----------------------------------------------------------------------------


def test_every_route_declares_its_permission():
    names = {name for name, _ in routes()}
    assert {"web:home", "web:learner", "accounts:users", "api:learner-detail",
            "quality:evidence", "exchange:export"} <= names
    missing = sorted(n for n in names if spec_for(n) is None)
    assert missing == [], (
        f"routes with no declared permission: {missing}. Decide who may use them, write it in "
        "docs/access.md and add them to SPECS in tests/accounts/test_route_matrix.py")
    stale = sorted(set(SPECS) - names)
    assert stale == [], f"SPECS names routes that no longer exist: {stale}"


def test_every_role_is_in_the_matrix():
    for role in Role:
        assert role in KNOWN_ROLES, (
            f"role {role!r} is new: check what docs/access.md says it may do against the "
            "expectations in tests/accounts/test_route_matrix.py, then add it to KNOWN_ROLES")
        groups = [g for g in (LA_ROLES, SCHOOL_ROLES, PROVIDER_ROLES) if role in g]
        assert len(groups) == 1, f"role {role!r} must be in exactly one group of scopes.py"
        who(role)


# ---- the matrix ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mworld(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The matrix's world, built once for the module inside a transaction that is rolled back
    at its end (each test runs in a savepoint of it, as Django's ``setUpTestData`` does)."""
    evidence = override_settings(QUALITY={**django_settings.QUALITY,
                                          "EVIDENCE_DIR": str(tmp_path_factory.mktemp("ev"))})
    with django_db_blocker.unblock(), evidence:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield matrix.build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def matrix_routes() -> list[tuple[str, list[str]]]:
    return routes()


def _expect(spec: Spec, w: Who, side: str) -> int:
    if not spec.allowed(w):
        return spec.refused
    if side == "b" and spec.out(w):
        return 404
    return spec.ok


def _path(world: matrix.MatrixWorld, role: str, name: str, args: list[str],
          fixed: dict[str, str], side: str) -> str:
    kwargs = dict(fixed)
    spec = spec_for(name)
    assert spec is not None
    for arg in args:
        if arg in kwargs:
            continue
        kind = spec.obj
        assert kind, f"{name}: the URL argument {arg!r} needs obj= in its Spec"
        if side == "a" and kind in OWN:
            kwargs[arg] = world.own[role][kind]
        else:
            kwargs[arg] = world.objects[side][kind]
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_route_matrix(role, mworld, matrix_routes):
    """Every route × this role × side a (in scope) and side b (out of scope): the status of the
    matrix, the audit row of every allowed read and of every refusal (exactly one), and for
    every refusal a POST (and for the API a PATCH and a DELETE) that changes nothing; no
    request of the matrix adds or removes a row of any table but the bookkeeping ones."""
    world = mworld
    counts_before = row_counts()
    requests: list[tuple[str, str, dict[str, str]]] = []
    user, w = world.users[role], who(role)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    learner_a = world.objects["a"]["learner"]
    failures: list[str] = []
    for name, args in matrix_routes:
        spec = spec_for(name)
        if spec is None:
            failures.append(f"{name}: no declared permission")
            continue
        sides = ("a", "b") if spec.obj else ("a",)
        api = name.startswith("api:")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[role]}"} if api else {}
        for fixed in variants(name, args):
            for side in sides:
                path = _path(world, role, name, args, fixed, side)
                expected = _expect(spec, w, side)
                cache.clear()  # no rate limit between the matrix's requests
                before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
                requests.append(("get", path, headers))
                response = client.get(path, **headers)
                status = response.status_code
                new = list(AuditEvent.objects.filter(pk__gt=before or 0).order_by("pk"))
                actions = [e.action for e in new]
                where = f"{name} {path} ({side}) as {role}"
                if status != expected:
                    failures.append(f"{where}: {status}, expected {expected}")
                    continue
                if status == 302 and spec.location and not response["Location"].startswith(
                        spec.location):
                    failures.append(f"{where}: sent to {response['Location']}")
                if status in (403, 404):
                    if actions != ["access.denied"]:
                        failures.append(f"{where}: refusal audited as {actions}, expected "
                                        "exactly one access.denied")
                    elif new[0].user_id != user.pk or new[0].changes.get("status") != status:
                        failures.append(f"{where}: denial row {new[0].changes}")
                elif status == 200 and spec.read:
                    mine = [e for e in new if e.action == spec.read and e.user_id == user.pk]
                    if len(mine) != 1:
                        failures.append(f"{where}: audited {actions}, expected one {spec.read}")
                    elif spec.read.startswith("learner.") and mine[0].learner_id != learner_a:
                        failures.append(f"{where}: {spec.read} names learner "
                                        f"{mine[0].learner_id}, not {learner_a}")
                out_of_scope = side == "b" and spec.out(w)
                if out_of_scope or not spec.may_write(w):
                    refusals = {403, 404, 405} | ({expected} if expected == 302 else set())
                    for method in ("post", "patch", "delete") if api else ("post",):
                        cache.clear()
                        requests.append((method, path, headers))
                        answer = getattr(client, method)(path, **headers).status_code
                        if answer not in refusals:
                            failures.append(f"{where}: {method.upper()} answered {answer}")
    counts_after = row_counts()
    if counts_after != counts_before:
        failures.append("tables changed: " + str({
            k: (counts_before.get(k), n) for k, n in counts_after.items()
            if n != counts_before.get(k)}))
        failures += _side_effects(Client(raise_request_exception=False), user, requests)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def _side_effects(client: Client, user: Any, requests: list[tuple[str, str, dict[str, str]]]
                  ) -> list[str]:
    """Only when the matrix changed a table: replay its requests one by one to name those that
    did (counting every table after each request is too slow to do every time)."""
    client.force_login(user)
    found = []
    for method, path, headers in requests:
        before = row_counts()
        cache.clear()
        getattr(client, method)(path, **headers)
        after = row_counts()
        if after != before:
            changed = {k: (before.get(k), n) for k, n in after.items() if n != before.get(k)}
            found.append(f"{method.upper()} {path} as {user.username} changed {changed}")
    return found or ["the matrix changed a table, but no single request did on replay"]


# ---- signed out, and before the second factor ------------------------------------------------

PUBLIC = {name for name, spec in SPECS.items() if spec is PUBLIC_PAGE} | {
    "web:sign-out", "admin:login", "admin:logout", "api:schema"}
TWO_FACTOR_PAGES = PUBLIC | {"accounts:two-factor", "accounts:two-factor-setup"}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _sample_paths(world: matrix.MatrixWorld) -> list[tuple[str, str]]:
    paths = []
    for name, args in routes():
        spec = spec_for(name)
        assert spec is not None, f"{name}: no declared permission"
        for fixed in variants(name, args):
            paths.append((name, _path(world, Role.LA_ADMIN, name, args, fixed, "a")))
    return paths


def test_anonymous_requests_are_refused_everywhere_but_public_routes(client, mworld):
    world = mworld
    before = row_counts()
    refused = []
    for name, path in _sample_paths(world):
        if name in PUBLIC:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            status = response.status_code
            to_sign_in = status == 302 and ("sign-in" in response["Location"]
                                            or "/admin/login" in response["Location"])
            if not (to_sign_in or status in (401, 403)):
                refused.append((name, method, status))
            if name.startswith("api:") and status != 401:
                refused.append((name, method, status, "the API answers 401"))
    assert refused == [], "routes open to anonymous users (declare them PUBLIC or protect them)"
    assert row_counts() == before  # no side effect of any refused request


def test_required_two_factor_guards_every_route(client, settings, mworld):
    world = mworld
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}
    assert client.post("/sign-in/", {"username": world.users[Role.LA_ADMIN].username,
                                     "password": PASSWORD}).status_code == 302
    before = row_counts()
    open_routes = []
    for name, path in _sample_paths(world):
        if name in TWO_FACTOR_PAGES or name.startswith("api"):  # the API: user_may_use_api
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if not (response.status_code == 302
                    and "/account/two-factor/" in response["Location"]):
                open_routes.append((name, method, response.status_code))
    assert open_routes == []
    assert row_counts() == before


# ---- search, lists, exports and dashboards hold only the scope --------------------------------


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_search_lists_exports_and_dashboards_hold_only_the_scope(role, mworld):
    """Out of scope is absent everywhere a list shows rows: the learner search (by UPN and by
    name), the API's list filters, the CSV and XLSX exports and the home dashboard. Side b's
    learner never appears; side a's appears where the role may see them."""
    from openpyxl import load_workbook

    from aptrack.learners.models import Learner

    a = Learner.objects.get(pk=mworld.objects["a"]["learner"])
    b = Learner.objects.get(pk=mworld.objects["b"]["learner"])
    user, w = mworld.users[role], who(role)
    client = Client()
    client.force_login(user)
    token = {"HTTP_AUTHORIZATION": f"Bearer {mworld.tokens[role]}"}

    def shows(learner: Learner, body: str) -> bool:
        return learner.upn in body or re.search(rf"\b{learner.given_name}\b", body) is not None

    for learner in (a, b):
        visible = learner == a and PLACED(w)
        # the page repeats the query in its search box: look for the other identifier
        for q, other in ((learner.upn, rf"\b{learner.given_name}\b"),
                         (learner.given_name, learner.upn)):
            page = client.get(reverse("web:learners"), {"q": q}).content.decode()
            assert bool(re.search(other, page)) == visible, (role, "search", q)
        cache.clear()
        found = client.get(reverse("api:learner-list"), {"upn": learner.upn}, **token).json()
        assert len(found["results"]) == (1 if visible else 0), (role, "api", found)
        csv = b"".join(client.get(reverse("exchange:export", kwargs={
            "list_name": "learners", "fmt": "csv"})).streaming_content).decode()
        assert shows(learner, csv) == visible, (role, "csv")
    response = client.get(reverse("exchange:export", kwargs={"list_name": "learners",
                                                               "fmt": "xlsx"}))
    import io

    data = response.getvalue() if hasattr(response, "getvalue") else b"".join(
        response.streaming_content)
    cells = " ".join(str(c) for row in load_workbook(io.BytesIO(data)).active.iter_rows(
        values_only=True) for c in row)
    assert shows(a, cells) == PLACED(w) and not shows(b, cells), (role, "xlsx")
    assert not shows(b, client.get(reverse("web:home")).content.decode()), (role, "dashboard")
