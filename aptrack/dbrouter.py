"""Read replica for reports: an explicit opt-in, never the default.

When ``DATABASE_REPLICA_URL`` is set (aptrack/settings/parts/operations.py), the ``replica``
database alias exists and :class:`ReplicaRouter` is installed. Reads go to the replica only
inside :func:`reporting` (or with an explicit ``.using("replica")``), and even then:

* never for the models of ``APTRACK_REPLICA["PRIMARY_ONLY_APPS"]`` (sessions, users, tokens,
  the audit trail, lockout, two-factor devices: what sign-in and permissions need fresh);
* never inside a transaction on the primary (the caller may be reading what it just wrote);
* never for a browser that wrote something in the last ``PIN_SECONDS`` (read your own writes
  through replication lag: :class:`ReportingMiddleware` pins it to the primary).

Writes always go to the primary. Everything else (what a user edits and then looks at) reads the
primary. ``ReportingMiddleware`` wraps the GET views named in ``APTRACK_REPLICA["REPORT_VIEWS"]``
(census returns, exports, the sufficiency workbook and report) in :func:`reporting`; other
report code (``bench``, management commands) uses ``with reporting():`` itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
PIN_COOKIE = "aptrack-primary"
_reporting: ContextVar[bool] = ContextVar("aptrack_reporting", default=False)


def _options() -> dict[str, Any]:
    return dict(getattr(settings, "APTRACK_REPLICA", {}))


def replica_configured() -> bool:
    return REPLICA in connections.settings


def report_alias() -> str:
    """The alias a report reads from now: the replica when configured and safe, else default."""
    if not _reporting.get() or not replica_configured():
        return str(DEFAULT_DB_ALIAS)
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return str(DEFAULT_DB_ALIAS)
    return REPLICA


@contextmanager
def reporting(*, enabled: bool = True) -> Iterator[str]:
    """Inside, read-only report queries read the replica; yields the alias they will use."""
    token = _reporting.set(enabled)
    try:
        yield report_alias()
    finally:
        _reporting.reset(token)


class ReplicaRouter:
    """Reports inside :func:`reporting` read the replica; all else reads and writes default."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if model._meta.app_label in _options().get("PRIMARY_ONLY_APPS", ()):  # type: ignore[attr-defined]
            return str(DEFAULT_DB_ALIAS)
        return report_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return str(DEFAULT_DB_ALIAS)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        ours = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True  # the same data: the replica is a copy of the primary
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        # The replica gets its schema, like its rows, by replication from the primary.
        return db != REPLICA


class ReportingMiddleware:
    """Runs the report views named in settings on the replica; pins writers to the primary.

    Put it last in MIDDLEWARE, so that only the view (not the session or sign-in checks) runs
    under :func:`reporting`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        options = _options()
        pin = int(options.get("PIN_SECONDS", 0))
        if request.method not in {"GET", "HEAD"}:
            response = self.get_response(request)
            if pin:  # read-your-writes: this browser reads the primary for a while
                response.set_cookie(PIN_COOKIE, str(int(time.time()) + pin), max_age=pin,
                                    httponly=True, samesite="Lax",
                                    secure=settings.SESSION_COOKIE_SECURE)
            return response
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            return self.get_response(request)
        if view_name not in options.get("REPORT_VIEWS", ()) or self._pinned(request):
            return self.get_response(request)
        with reporting():
            return self.get_response(request)

    @staticmethod
    def _pinned(request: HttpRequest) -> bool:
        try:
            return int(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
        except ValueError:
            return False
