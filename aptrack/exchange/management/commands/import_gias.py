"""``aptrack import_gias FILE``: import or update establishments from a GIAS CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.exchange import services
from aptrack.exchange.errors import ImportRefused


class Command(BaseCommand):
    help = ('Import or update establishments from a GIAS "all establishment data" CSV '
            "(Windows-1252). All or nothing: on any bad row, prints one line per problem as "
            "'line N: COLUMN: reason', writes nothing and exits 1.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of edubasealldataYYYYMMDD.csv")
        parser.add_argument("--encoding", choices=["utf-8", "windows-1252"], default=None,
                            help="force the encoding (default: UTF-8 with a BOM or when valid, "
                                 "else Windows-1252)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            result = services.gias_import(actor=None, data=data, filename=path.name,
                                          encoding_name=options["encoding"])
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stdout.write(str(problem))
            self.stderr.write(f"{path.name}: {len(exc.problems)} problem(s); nothing imported.")
            raise SystemExit(1) from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{path.name} ({result.encoding}): {result.rows} rows; created {len(result.created)}, "
            f"changed {len(result.changed)}, closed {len(result.closed)}, unchanged "
            f"{result.unchanged}" + (f"; new LAs {', '.join(result.las_created)}"
                                     if result.las_created else ""))
