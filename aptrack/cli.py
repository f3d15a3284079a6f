"""The ``aptrack`` console command: Django's management commands under one name."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, e.g. ``aptrack migrate`` or ``aptrack seed_demo``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aptrack.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["aptrack", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
