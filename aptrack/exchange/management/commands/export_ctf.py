"""``aptrack export_ctf PLACEMENT_ID``: a Common Transfer File for a learner leaving AP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.exchange import services
from aptrack.placements.models import Placement


class Command(BaseCommand):
    help = ("Write the CTF of a placement's learner, with the attendance recorded during the "
            "placement, to --output (a file or directory) or standard output.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("placement", type=int, help="placement id")
        parser.add_argument("--output", help="file or directory to write (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        placement = Placement.objects.filter(pk=options["placement"]).first()
        if placement is None:
            raise CommandError(f"no placement {options['placement']}")
        try:
            name, xml = services.ctf_export(actor=None, placement=placement)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not options["output"]:
            self.stdout.write(xml.decode("utf-8"), ending="")
            return
        target = Path(options["output"])
        if target.is_dir():
            target = target / name
        target.write_bytes(xml)
        self.stderr.write(f"wrote {target}")
