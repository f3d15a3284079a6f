"""``aptrack import_learners FILE --home-la CODE``: add learners from a CSV or XLSX sheet."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aptrack.exchange import services

from ._importing import establishment_by_urn, la_by_code, read, run


class Command(BaseCommand):
    help = ("Add learners from CSV or XLSX (header: upn, given_name, family_name, date_of_birth, "
            "sex, optional former_upn, uln, sen_provision, primary_need, looked_after). All or "
            "nothing: problems print as 'line N: COLUMN: reason' and the command exits 1.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--home-la", required=True, help="LA code where the learners live")
        parser.add_argument("--enrol-at", metavar="URN", help="put them on this school's roll")
        parser.add_argument("--start-date", type=date.fromisoformat)

    def handle(self, *args: Any, **options: Any) -> None:
        path, data = read(options["file"])
        home_la = la_by_code(options["home_la"])
        school = establishment_by_urn(options["enrol_at"])
        result = run(self, path, lambda: services.learners_import(
            actor=None, data=data, filename=path.name, home_la=home_la, enrol_at=school,
            start_date=options["start_date"]))
        for note in result.already_recorded:
            self.stdout.write(note)
        self.stdout.write(f"{path.name}: {result.rows} rows; created {len(result.created)}, "
                          f"already recorded {len(result.already_recorded)}")
