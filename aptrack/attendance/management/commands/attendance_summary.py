"""``aptrack attendance_summary UPN [--from DATE] [--to DATE] [--setting URN] --format json``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aptrack.accounts import audit
from aptrack.attendance.selectors import attendance_summary
from aptrack.directory.models import Establishment
from aptrack.learners.models import Learner
from aptrack.rules import upn as rules_upn


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (use yyyy-mm-dd)") from None


class Command(BaseCommand):
    help = "Print a learner's attendance summary (the object of INTERFACES.md) as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("upn")
        parser.add_argument("--from", dest="start", metavar="DATE")
        parser.add_argument("--to", dest="end", metavar="DATE")
        parser.add_argument("--setting", metavar="URN")
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            upn = rules_upn.validate(options["upn"].strip().upper())
        except ValueError as exc:
            raise CommandError(f"UPN: {exc}") from None
        learner = Learner.objects.filter(upn=upn).first()
        if learner is None:
            raise CommandError(f"UPN: no learner with UPN {upn}")
        setting = None
        if options["setting"]:
            setting = Establishment.objects.filter(urn=options["setting"]).first()
            if setting is None:
                raise CommandError(f"--setting: no establishment with URN {options['setting']}")
        start = _date(options["start"], "--from") if options["start"] else None
        end = _date(options["end"], "--to") if options["end"] else None
        if start and end and end < start:
            raise CommandError("--to: the end date is before the start date")
        summary = attendance_summary(actor=None, learner=learner, start=start, end=end,
                                     setting=setting)
        audit.record(actor=None, action="learner.attendance_summary", obj=learner,
                     learner_id=learner.pk, changes={"via": "command line"})
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            for key, value in summary.as_dict().items():
                self.stdout.write(f"{key}: {value}")
