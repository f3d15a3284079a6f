"""``aptrack import_ctf FILE``: import learners from a Common Transfer File (XML)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.exchange import services
from aptrack.exchange.errors import ImportRefused


class Command(BaseCommand):
    help = ("Import learners from a CTF, matching on UPN: known learners are never overwritten, "
            "differences are reported as conflicts. All or nothing: on a bad pupil prints "
            "'line N: ELEMENT: reason', writes nothing and exits 1.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--home-la", help="LA code where the learners live (default: the "
                                              "LA of the CTF's source school)")
        parser.add_argument("--enrol-at", metavar="URN",
                            help="put new learners on this school's roll")
        parser.add_argument("--start-date", type=date.fromisoformat,
                            help="first day on roll (yyyy-mm-dd; default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        home_la = enrol_at = None
        if options["home_la"]:
            home_la = LocalAuthority.objects.filter(code=options["home_la"]).first()
            if home_la is None:
                raise CommandError(f"no LA with code {options['home_la']}")
        if options["enrol_at"]:
            enrol_at = Establishment.objects.filter(urn=options["enrol_at"]).first()
            if enrol_at is None:
                raise CommandError(f"no establishment with URN {options['enrol_at']}")
        try:
            result = services.ctf_import(actor=None, data=data, filename=path.name,
                                         home_la=home_la, enrol_at=enrol_at,
                                         start_date=options["start_date"])
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stdout.write(str(problem))
            self.stderr.write(f"{path.name}: {len(exc.problems)} problem(s); nothing imported.")
            raise SystemExit(1) from None
        for conflict in result.conflicts:
            self.stdout.write(f"conflict: {conflict}")
        self.stdout.write(f"{path.name}: {result.pupils} pupils; created {len(result.created)}, "
                          f"unchanged {len(result.unchanged)}, conflicts "
                          f"{len(result.conflicts)}, attendance years {result.attendance_years}")
