"""``aptrack attendance_close_registers``: flag expected learners left unmarked at close.

Run it every session after the register closes (e.g. cron at 09:35 and 13:35 on weekdays).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from aptrack.attendance.services import registers_flag_unmarked


class Command(BaseCommand):
    help = "Raise alerts for learners expected at AP whose register was not marked by close."

    def handle(self, *args: Any, **options: Any) -> None:
        created = registers_flag_unmarked()
        self.stdout.write(f"{created} unmarked-session alert(s) raised.")
        from aptrack.attendance.jobs import expire_abandoned

        expired = expire_abandoned()
        if expired:
            self.stdout.write(f"{expired} upload(s) abandoned by a stopped server marked failed.")
