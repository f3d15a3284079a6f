"""``aptrack audit --user USERNAME [--since ISO] [--until ISO] --format json``: what one account
did and saw between two times, as a JSON list of
``{"at", "user", "action", "object_type", "object_id", "learner_id"}`` (INTERFACES.md)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from aptrack.accounts.selectors import audit_events


def parse_when(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or date-time; without a zone it is UK local time."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--{name}: {value!r} is not an ISO 8601 date or date-time "
                           "(e.g. 2026-01-31 or 2026-01-31T09:00:00Z)") from None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


class Command(BaseCommand):
    help = "Print the audit events of one account between two times."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the account's username")
        parser.add_argument("--since", help="from this ISO date-time (inclusive)")
        parser.add_argument("--until", help="until this ISO date-time (exclusive)")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_when(options["since"], "since")
        until = parse_when(options["until"], "until")
        if since and until and until < since:
            raise CommandError("--until is before --since")
        events = audit_events(username=options["user"], since=since, until=until).values_list(
            "at", "username", "action", "object_type", "object_id", "learner_id")
        out = [{"at": at.isoformat(), "user": user, "action": action, "object_type": otype,
                "object_id": oid, "learner_id": lid}
               for at, user, action, otype, oid, lid in events.iterator(chunk_size=5000)]
        self.stdout.write(json.dumps(out, ensure_ascii=False))
