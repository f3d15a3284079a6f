"""``aptrack seed_demo [--reset]``: load the synthetic demo LA, schools, learners and accounts."""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack import demo


class Command(BaseCommand):
    help = "Load the demo LA 332, its settings, learners, placements and demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true",
                            help="remove the demo data first, then load it afresh")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.APTRACK.get("DEMO_ALLOWED", False):
            raise CommandError("seed_demo refuses to run with production settings: demo "
                               "accounts and synthetic learners must never reach a live service.")
        result = demo.load(today=date.today(), reset_first=options["reset"])
        if result["created"]:
            self.stdout.write(f"Loaded demo data: {result['learners']} learners, "
                              f"{result['placements']} placements.")
        else:
            self.stdout.write("Demo data already loaded: nothing changed (use --reset to reload).")
        self.stdout.write("Demo accounts (password below):")
        for username, (_, role) in demo.DEMO_USERS.items():
            self.stdout.write(f"  {username:16} {role.label}")
        self.stdout.write(f"Password: {result['password']}")
