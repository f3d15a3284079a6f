"""``aptrack census_export``: the school census AP module or the LA's AP census return."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.exchange import census, selectors, services


class Command(BaseCommand):
    help = ("Validate and export a census return of AP placements as CSV or XML. Problems are "
            "printed one a line (rule: learner (placement): field: reason) and the command "
            "exits 1 without exporting until they are fixed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=census.KINDS, required=True,
                            help="school: a commissioning school's AP module; la: the AP census")
        parser.add_argument("--school", metavar="URN", help="the commissioning school")
        parser.add_argument("--la", metavar="CODE", help="the LA (for --kind la)")
        parser.add_argument("--census-date", type=date.fromisoformat,
                            help="census day (default: the third Thursday of January for la, "
                                 "today for school)")
        parser.add_argument("--from", dest="start", type=date.fromisoformat,
                            help="first day of the collection period (default: 1 September "
                                 "before census day)")
        parser.add_argument("--format", choices=["csv", "xml"], default="csv")
        parser.add_argument("--check", action="store_true", help="validate only")
        parser.add_argument("--output", help="file to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        school = la = None
        if kind == census.SCHOOL:
            school = Establishment.objects.filter(urn=options["school"] or "").first()
            if school is None:
                raise CommandError("give --school URN of a school in the directory")
            source = {"LEA": school.la.code, "Estab": school.estab_number, "URN": school.urn,
                      "SchoolName": school.name}
        else:
            la = LocalAuthority.objects.filter(code=options["la"] or "").first()
            if la is None:
                raise CommandError("give --la CODE of an LA in the directory")
            source = {"LEA": la.code, "Name": la.name}
        today = date.today()
        census_date = options["census_date"] or (
            census.third_thursday_of_january(today.year if today.month < 9 else today.year + 1)
            if kind == census.LA else today)
        start = options["start"] or date(census_date.year - (census_date.month < 9), 9, 1)
        result = selectors.census_return(user=None, kind=kind, school=school, la=la,
                                         period=census.Period(start, census_date))
        for problem in result.problems:
            self.stdout.write(str(problem))
        if result.problems:
            self.stderr.write(f"{len(result.problems)} problem(s) in {len(result.rows)} rows: "
                              "fix them, then export.")
            raise SystemExit(1)
        if options["check"]:
            self.stdout.write(f"{len(result.rows)} rows; no problems")
            return
        name, data = services.census_export(actor=None, result=result, fmt=options["format"],
                                            source=source)
        if options["output"]:
            Path(options["output"]).write_bytes(data)
            self.stderr.write(f"wrote {options['output']} ({len(result.rows)} rows)")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
