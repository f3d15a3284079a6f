"""Models of the api app: API tokens, idempotency keys, webhook subscriptions and deliveries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "apt"  # noqa: S105 - a public marker that makes tokens easy to spot in leaks


def hash_secret(token: str) -> str:
    """SHA-256 of a token. Tokens carry 256 bits of randomness, so a fast hash is enough (no
    password stretching is needed against guessing); only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that authenticate now: not revoked and not expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A bearer token that lets a program act as one user through the API.

    Only a SHA-256 hash of the token is kept; the token itself is shown once, when made. A token
    may be read-only (GET only), expires, can be revoked, and records when it was last used.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the MIS.")
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.key_id}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new token as (token, key_id, hash): ``apt_<key id>_<secret>``."""
        key_id = secrets.token_hex(8)
        token = f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        return token, key_id, hash_secret(token)

    @staticmethod
    def parse_key_id(token: str) -> str | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 16:
            return None
        return parts[1]

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_secret(token))

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None
                                            or self.expires_at > timezone.now())


class IdempotencyKey(models.Model):
    """The first answer to a POST made with an ``Idempotency-Key`` header, kept so that a retry
    with the same key and body gets the same answer and does not write twice."""

    IN_PROGRESS = "in_progress"
    DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, default=IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class WebhookEvent(models.TextChoices):
    ABSENCE_RECORDED = "absence.recorded", "Absence recorded"
    PLACEMENT_COMMISSIONED = "placement.commissioned", "Placement commissioned"
    PLACEMENT_STARTED = "placement.started", "Placement started"
    PLACEMENT_ENDED = "placement.ended", "Placement ended"
    PROVISION_DUE = "provision.due", "Full-time provision due"
    REVIEW_OVERDUE = "review.overdue", "Placement review overdue"


class WebhookSubscription(models.Model):
    """An organisation's request to be told of events at a URL, signed with a shared secret.

    A subscription acts with the scope of the user who made it: it hears of an event only when
    that user may see the record the event is about.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="webhook_subscriptions")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.secret:
            self.secret = secrets.token_hex(32)
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One event to send to one subscription, with every attempt's outcome."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATUS_CHOICES = [(PENDING, "Pending"), (DELIVERED, "Delivered"), (FAILED, "Failed")]

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription.url} ({self.status})"


class WebhookCursor(models.Model):
    """How far the webhook dispatcher has read a stream of events: the audit trail ("audit")
    or the attendance alerts ("absence-alerts"); ``last_audit_id`` is the last id read."""

    name = models.CharField(max_length=40, unique=True)
    last_audit_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at audit event {self.last_audit_id}"


class RaisedEvent(models.Model):
    """A time-based event (provision due, review overdue) raised once per record."""

    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    object_id = models.CharField(max_length=40)
    raised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "object_id"],
                                               name="raised_event_once")]

    def __str__(self) -> str:
        return f"{self.event} {self.object_id}"
