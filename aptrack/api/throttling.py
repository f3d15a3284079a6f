"""A rate limit per API token (setting ``APTRACK_API["RATE_PER_TOKEN"]``), answered 429.

Counts live in Django's cache: in production give every process one shared cache (e.g. Redis or
the database cache), or each process counts on its own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return str(settings.APTRACK_API["RATE_PER_TOKEN"])

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return f"aptrack-api-rate-{request.auth.key_id}"
        return None
