"""``aptrack generate --scale la|region|national --seed N``: deterministic synthetic data.

Loads LAs, establishments, learners, exclusions, placements, registrations and attendance marks
at the size of one council, a region or England (aptrack/scale/presets.py) with streaming bulk
loads (COPY on PostgreSQL), printing progress. The same seed and ``--today`` give the same rows.
Accounts (``la<code>.officer`` for each LA; ``la<code>.school.dsl`` and
``la<code>.provider.staff`` in the first) get the password in ``APTRACK_GENERATE_PASSWORD``, or
none they can sign in with when it is not set. Refused under production settings.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aptrack.scale.generator import GenerateError, Generator
from aptrack.scale.presets import SCALES


class Command(BaseCommand):
    help = "Load deterministic synthetic data at LA, region or national scale."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="la",
                            help="la (one council), region (1/9 of England), national; "
                                 "tiny is for tests")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", metavar="DATE",
                            help="the day the data is generated as of (yyyy-mm-dd; default "
                                 "today): marks run up to the day before")
        parser.add_argument("--chunk", type=int, default=50_000,
                            help="rows buffered before each COPY or executemany")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.APTRACK.get("DEMO_ALLOWED", False):
            raise CommandError("generate refuses to run with production settings: synthetic "
                               "learners must never mix with real ones")
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else (
                timezone.localdate())
        except ValueError:
            raise CommandError(f"--today: {options['today']!r} is not a date "
                               "(use yyyy-mm-dd)") from None
        password = os.environ.get("APTRACK_GENERATE_PASSWORD")
        generator = Generator(
            SCALES[options["scale"]], seed=options["seed"], today=today,
            password_hash=make_password(password) if password else None,
            progress=lambda message: self.stdout.write(message), chunk=options["chunk"])
        try:
            report = generator.run()
        except GenerateError as exc:
            raise CommandError(str(exc)) from None
        rows = ", ".join(f"{n:,} {label.split('.')[1]}" for label, n in report.rows.items() if n)
        self.stdout.write(self.style.SUCCESS(
            f"Generated {report.scale} data in {report.seconds:.1f} s: {rows}."))
        self.stdout.write(f"Accounts: {', '.join(report.usernames[:3])}"
                          + (f" and {len(report.usernames) - 3} more" if
                             len(report.usernames) > 3 else ""))
