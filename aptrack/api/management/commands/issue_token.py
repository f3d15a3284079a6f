"""``aptrack issue_token USERNAME``: print a new API token for that user as the last line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aptrack.api import services


class Command(BaseCommand):
    help = "Make an API token for a user and print it (the token is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Issued on the command line",
                            help="What the token is for.")
        parser.add_argument("--read-only", action="store_true",
                            help="The token may only read (GET).")
        parser.add_argument("--days", type=int, default=None,
                            help="Days until it expires (default: the TOKEN_DAYS setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        try:
            record, token = services.token_create(actor=None, user=user, name=options["name"],
                                                  read_only=options["read_only"],
                                                  days=options["days"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        kind = "read-only" if record.read_only else "read-write"
        self.stdout.write(f"A {kind} API token for {user.username}, expiring "
                          f"{record.expires_at:%Y-%m-%d %H:%M %Z}. Keep it secret: it is not "
                          "shown again.")
        self.stdout.write(token)
