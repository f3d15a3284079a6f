"""Template context every page needs: the service name and the service navigation.

The navigation shows an item only when its URL name resolves, so a section appears as soon as
the app that owns it adds its page (attendance, provider checks, sufficiency, exports, account).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from aptrack.accounts.scopes import LA_ROLES, PROVIDER_ROLES, SCHOOL_ROLES

ALL = LA_ROLES | SCHOOL_ROLES | PROVIDER_ROLES
COMMISSIONERS = LA_ROLES | SCHOOL_ROLES

#: (label, URL name, roles that see it). An item whose URL name does not resolve is left out.
NAVIGATION: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("Home", "web:home", frozenset(ALL)),
    ("Learners", "web:learners", frozenset(ALL)),
    ("Referrals", "web:referrals", frozenset(COMMISSIONERS)),
    ("Attendance", "attendance:registers", frozenset(ALL)),
    ("Providers", "web:providers", frozenset(ALL)),
    ("Provider checks", "quality:providers", frozenset(COMMISSIONERS)),
    ("Sufficiency", "sufficiency:index", frozenset(LA_ROLES)),
    ("Exports", "exchange:index", frozenset(COMMISSIONERS)),
    ("Your account", "accounts:account", frozenset(ALL)),
    ("API tokens", "api-account:tokens", frozenset(ALL)),
)


def _resolves(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """The navigation items the signed-in user may use, the current one marked active."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    role = getattr(user, "role", "")
    items = []
    for label, name, roles in NAVIGATION:
        if not (user.is_superuser or role in roles):
            continue
        url = _resolves(name)
        if url is None:
            continue
        items.append({"label": label, "url": url, "active": False})
    # The longest URL that prefixes the current path is the active item ("/" only on itself).
    matches = [i for i in items if request.path == i["url"]
               or (i["url"] != "/" and request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


def service(request: HttpRequest) -> dict[str, Any]:
    """The service name shown in the header and page titles, and the service navigation."""
    return {"service_name": "AP Track", "service_navigation": navigation(request)}
