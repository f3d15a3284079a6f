"""``aptrack import_attendance FILE --setting URN [--dry-run]``: load marks, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from aptrack.attendance.imports import ImportFailed, import_file
from aptrack.directory.models import Establishment


class Command(BaseCommand):
    help = ("Import attendance marks from a CSV or XLSX file with header upn,date,session,code "
            "for one setting. All or nothing: any bad row is reported as 'line N: COLUMN: "
            "reason' and nothing is written.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--setting", required=True, metavar="URN",
                            help="URN (or UKPRN) of the school or provider whose marks these are")
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything and report, but write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        key = options["setting"].strip()
        setting = (Establishment.objects.filter(urn=key).first()
                   or Establishment.objects.filter(ukprn=key).first())
        if setting is None:
            raise CommandError(f"--setting: no establishment with URN or UKPRN {key}")
        show = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show and total:
                width = 30
                filled = width * done // total
                sys.stderr.write(f"\rLoading [{'#' * filled}{'.' * (width - filled)}] "
                                 f"{done}/{total}")
                if done == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        try:
            report = import_file(path, setting=setting, dry_run=options["dry_run"],
                                 progress=progress)
        except ImportFailed as exc:
            for problem in exc.problems:
                self.stdout.write(problem)
            self.stderr.write(f"{len(exc.problems)} problem(s) found; nothing was imported.")
            sys.exit(1)
        except (OperationalError, InterfaceError) as exc:
            # The load is one transaction: a lost connection rolls all of it back.
            raise CommandError(f"the database connection was lost ({str(exc).strip()}); "
                               "nothing was imported: run the import again") from None
        for line in report.lines():
            self.stdout.write(line)
