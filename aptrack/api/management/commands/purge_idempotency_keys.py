"""``aptrack purge_idempotency_keys``: forget Idempotency-Key answers older than the setting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from aptrack.api.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete idempotency keys older than APTRACK_API['IDEMPOTENCY_HOURS']."

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(hours=settings.APTRACK_API["IDEMPOTENCY_HOURS"])
        count, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"deleted {count} idempotency keys")
