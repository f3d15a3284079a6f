"""Settings of the api area (imported at the end of aptrack.settings.base).

Every limit of the REST API is a setting (and an environment variable), never a constant in code:
see docs/api/README.md for what a client sees when it passes one.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


APTRACK_API = {
    # Largest request body accepted, in bytes (answered 413 above it).
    "MAX_BODY_BYTES": _int("APTRACK_API_MAX_BODY_BYTES", 1_048_576),
    # Items in a list page by default, and the most a client may ask for with ?page_size=.
    "PAGE_SIZE": _int("APTRACK_API_PAGE_SIZE", 50),
    "MAX_PAGE_SIZE": _int("APTRACK_API_MAX_PAGE_SIZE", 500),
    # Requests per token (DRF rate syntax: N/second|minute|hour|day), answered 429 above it.
    "RATE_PER_TOKEN": os.environ.get("APTRACK_API_RATE_PER_TOKEN", "600/minute"),
    # Most attendance marks in one POST /attendance/marks/.
    "MAX_MARKS_PER_REQUEST": _int("APTRACK_API_MAX_MARKS_PER_REQUEST", 5000),
    # Idempotency keys are remembered this long.
    "IDEMPOTENCY_HOURS": _int("APTRACK_API_IDEMPOTENCY_HOURS", 24),
    # A new token lives this many days unless its maker chooses otherwise (at most MAX).
    "TOKEN_DAYS": _int("APTRACK_API_TOKEN_DAYS", 90),
    "TOKEN_MAX_DAYS": _int("APTRACK_API_TOKEN_MAX_DAYS", 365),
    # Webhook deliveries: attempts before giving up, first retry delay (doubling each time),
    # and how long one attempt may take.
    "WEBHOOK_MAX_ATTEMPTS": _int("APTRACK_API_WEBHOOK_MAX_ATTEMPTS", 8),
    "WEBHOOK_BACKOFF_SECONDS": _int("APTRACK_API_WEBHOOK_BACKOFF_SECONDS", 60),
    "WEBHOOK_TIMEOUT_SECONDS": _int("APTRACK_API_WEBHOOK_TIMEOUT_SECONDS", 10),
    # Audit events younger than this are left for the next run, so that a transaction that
    # committed late is not skipped.
    "WEBHOOK_SETTLE_SECONDS": _int("APTRACK_API_WEBHOOK_SETTLE_SECONDS", 5),
    # Plain http:// webhook addresses are refused unless this is on (tests, local use).
    "WEBHOOK_ALLOW_HTTP": os.environ.get("APTRACK_API_WEBHOOK_ALLOW_HTTP", "") in {"1", "true"},
    # Webhook addresses on private, loopback, link-local or other non-public networks, and
    # host names that do not resolve, are refused (when subscribing and again before each
    # delivery: aptrack/api/addresses.py) unless this is on: development and tests. In
    # production only for receivers on the operator's own network, every subscriber trusted.
    "WEBHOOK_ALLOW_PRIVATE": (os.environ.get("APTRACK_API_WEBHOOK_ALLOW_PRIVATE", "")
                              in {"1", "true"}),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["aptrack.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aptrack.api.permissions.RoleAndTokenPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["aptrack.api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "aptrack.api.pagination.Pagination",
    "PAGE_SIZE": APTRACK_API["PAGE_SIZE"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aptrack.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AP Track API",
    "DESCRIPTION": (
        "The shared record of alternative provision: learners, establishments, placements, "
        "attendance and webhooks. Authenticate with `Authorization: Bearer <token>`. "
        "Out of your scope is 404, never 403. See docs/api/README.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aptrack.api.schema.drop_database_integer_bounds",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PlacementStatusEnum": "aptrack.placements.choices.Status",
        "EstablishmentKindEnum": "aptrack.directory.choices.EstablishmentKind",
        "CommissionerKindEnum": "aptrack.placements.choices.CommissionerKind",
        "ExclusionReasonEnum": "aptrack.learners.choices.EXCLUSION_REASON_CHOICES",
        "WebhookEventEnum": "aptrack.api.models.WebhookEvent",
        "FollowUpResultEnum": "aptrack.quality.choices.FollowUpResult",
    },
}
