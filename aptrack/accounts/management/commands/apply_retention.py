"""``aptrack apply_retention [--dry-run] [--format text|json]``: remove or anonymise exactly the
records past their retention date and not under a legal hold, and report them; with
``--dry-run`` report the same set and change nothing."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aptrack.accounts import dataprotection


class Command(BaseCommand):
    help = "Apply the retention schedule (settings.APTRACK_RETENTION)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        items = dataprotection.retention_apply(dry_run=options["dry_run"])
        summary = dataprotection.report(items)
        summary["dry_run"] = options["dry_run"]
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary))
            return
        verb = "Would" if options["dry_run"] else "Did"
        for item in items:
            self.stdout.write(f"{item.action} {item.model} {item.object_id} "
                              f"(learner {item.learner_id}; {item.record}, due {item.due})")
        for key, n in summary["counts"].items():
            self.stdout.write(f"{verb}: {key}: {n}")
        self.stdout.write(f"{verb}: {len(items)} record(s) in total")
