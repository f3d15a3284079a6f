"""``aptrack deliver_webhooks``: raise due events and send due webhook deliveries (run it from
cron every minute; ``--loop`` keeps it running)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aptrack.api import webhooks


class Command(BaseCommand):
    help = "Queue webhook deliveries for new events and send those due, with retries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS",
                            help="Repeat every SECONDS instead of running once.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            result = webhooks.deliver_due()
            self.stdout.write(f"queued {result.queued}, delivered {result.delivered}, "
                              f"retrying {result.retrying}, failed {result.failed}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
