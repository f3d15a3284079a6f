"""``flush`` that keeps the audit trail: the append-only triggers refuse it, except where the
settings allow it (the test suite empties the database between transactional tests)."""

from typing import Any

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections

from aptrack.accounts import db_guards


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        if not settings.APTRACK.get("ALLOW_AUDIT_FLUSH", False):
            return super().handle(**options)
        with db_guards.lifted(connections[options["database"]]):
            return super().handle(**options)
