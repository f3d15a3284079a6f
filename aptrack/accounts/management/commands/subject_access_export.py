"""``aptrack subject_access_export LEARNER_ID --out FILE.zip [--as USERNAME]``: everything held
on one learner (JSON and HTML, zipped) for a subject access request; audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.accounts import dataprotection
from aptrack.accounts.models import User
from aptrack.learners.models import Learner


class Command(BaseCommand):
    help = "Export everything held on one learner for a subject access request."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("learner_id", type=int)
        parser.add_argument("--out", required=True)
        parser.add_argument("--as", dest="username",
                            help="the account making the request (audited); default: system")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account {options['username']!r}")
        try:
            learner = Learner.objects.get(pk=options["learner_id"])
            data = dataprotection.subject_access_export(actor=actor, learner=learner)
        except Learner.DoesNotExist:
            raise CommandError(f"no learner {options['learner_id']} in scope") from None
        Path(options["out"]).write_bytes(data)
        self.stdout.write(f"Wrote {options['out']} ({len(data)} bytes)")
