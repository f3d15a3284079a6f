"""``aptrack import_calendar FILE (--la CODE | --school URN)``: term dates and closures."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.exchange import services

from ._importing import establishment_by_urn, la_by_code, read, run


class Command(BaseCommand):
    help = ("Import term dates and closures from CSV or XLSX (header: type, name, start, end; "
            "type is term or closure) into an LA's default calendar or a school's own. "
            "All or nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--la", metavar="CODE")
        who.add_argument("--school", metavar="URN")

    def handle(self, *args: Any, **options: Any) -> None:
        path, data = read(options["file"])
        la, school = la_by_code(options["la"]), establishment_by_urn(options["school"])
        if la is None and school is None:
            raise CommandError("give --la CODE or --school URN")
        result = run(self, path, lambda: services.calendar_import(
            actor=None, data=data, filename=path.name, la=la, establishment=school))
        self.stdout.write(f"{path.name}: terms added {result.terms_added}, closures added "
                          f"{result.closures_added}, unchanged {result.unchanged}")
