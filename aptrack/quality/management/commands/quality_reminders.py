"""``aptrack quality_reminders [--date YYYY-MM-DD]``: e-mail reminders of provider checks that
expire soon or have expired (run daily, e.g. from cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aptrack.quality import services


class Command(BaseCommand):
    help = "E-mail commissioners about provider checks that expire soon or have expired."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="the day to run for (default today), YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = date.fromisoformat(options["date"]) if options["date"] else date.today()
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        sent = services.check_reminders_send(on=on)
        self.stdout.write(f"{sent} reminder(s) sent")
