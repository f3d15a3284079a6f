"""``aptrack attendance_counts --check | --rebuild``: the counts kept beside the marks.

``--check`` compares every kept count with the marks and exits 1 listing the differences (for
monitoring, e.g. nightly); ``--rebuild`` recomputes them all from the marks in one transaction
(after a bulk load or a restore that skipped the service).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from aptrack.accounts import audit
from aptrack.attendance import counts


class Command(BaseCommand):
    help = "Check or rebuild the attendance counts kept per learner, school year and category."

    def add_arguments(self, parser: Any) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--check", action="store_true",
                          help="compare the counts with the marks; exit 1 on any difference")
        what.add_argument("--rebuild", action="store_true",
                          help="recompute every count from the marks")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            written = counts.rebuild()
            audit.record(actor=None, action="attendance.counts_rebuild",
                         object_type="attendance_count", changes={"rows": written})
            self.stdout.write(f"Rebuilt {written:,} count rows from the marks.")
            return
        differences = counts.differences()
        if differences:
            for (learner_id, year, category), kept, marks in differences[:50]:
                self.stdout.write(f"learner {learner_id}, {year}/{str(year + 1)[2:]}, "
                                  f"{category}: kept {kept}, marks say {marks}")
            raise CommandError(f"{len(differences)} count(s) differ from the marks: run "
                               "`aptrack attendance_counts --rebuild`")
        self.stdout.write("The kept counts agree with the marks.")
