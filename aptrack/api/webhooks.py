"""Webhooks: turn events into signed deliveries and send them, with retries and backoff.

Events come from the audit trail, which every service writes inside its own transaction (a
transactional outbox: an event exists exactly when its change was committed), and from dates
that arrive (provision due). ``deliver_due()`` is run by ``aptrack deliver_webhooks`` (cron or
``--loop``); no task queue is needed.

Signature (like Stripe's): header ``X-APTrack-Signature: t=<unix seconds>,v1=<hex>`` where hex is
HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with the subscription's secret. Payloads carry ids
only, never personal details.

Before each attempt the address is checked again (aptrack.api.addresses: public addresses only,
as when subscribing) and the connection goes to the addresses that were checked, so a name whose
DNS answer changed since cannot steer a delivery into a private network. Redirects are never
followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from aptrack.accounts.models import AuditEvent
from aptrack.placements.choices import Status
from aptrack.placements.models import Placement

from . import addresses
from .models import (
    RaisedEvent,
    WebhookCursor,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

# Audit action -> (event, model whose id the audit row names, its payload key)
AUDIT_EVENTS: dict[str, tuple[str, type[Any], str]] = {
    "placement.commission": (WebhookEvent.PLACEMENT_COMMISSIONED, Placement, "placement"),
    "placement.start": (WebhookEvent.PLACEMENT_STARTED, Placement, "placement"),
    "placement.end": (WebhookEvent.PLACEMENT_ENDED, Placement, "placement"),
}
BATCH = 500


@dataclass
class Result:
    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The v1 signature of a delivery body (hex HMAC-SHA256 of ``"<t>.<body>"``)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def verify(secret: str, header: str, body: bytes, *, now: datetime | None = None,
           tolerance: int = 300) -> bool:
    """Check an ``X-APTrack-Signature`` header as a receiver should (also used by the tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    now = now or timezone.now()
    if abs(now.timestamp() - int(parts["t"])) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, parts["t"], body), parts["v1"])


def _subscribers(event: str) -> list[WebhookSubscription]:
    return [sub for sub in WebhookSubscription.objects.filter(active=True)
            .select_related("owner", "owner__organisation") if event in sub.events]


def _queue(event: str, model: type[Any], pk: Any, data: dict[str, Any],
           occurred_at: datetime, now: datetime) -> int:
    """A delivery for each subscription that existed when it happened and whose owner may see
    the record."""
    queued = 0
    for sub in _subscribers(event):
        if sub.created_at > occurred_at:
            continue
        if not model.objects.for_user(sub.owner).filter(pk=pk).exists():
            continue
        WebhookDelivery.objects.create(
            subscription=sub, event=event, next_attempt_at=now,
            payload={"event": event, "occurred_at": occurred_at.isoformat(), "data": data})
        queued += 1
    return queued


def collect(now: datetime | None = None) -> int:
    """Queue deliveries for audit events since the last run, and for dates that arrived."""
    now = now or timezone.now()
    settle = timedelta(seconds=settings.APTRACK_API.get("WEBHOOK_SETTLE_SECONDS", 5))
    queued = 0
    with transaction.atomic():
        cursor, _ = WebhookCursor.objects.select_for_update().get_or_create(name="audit")
        settled = AuditEvent.objects.filter(pk__gt=cursor.last_audit_id, at__lte=now - settle)
        rows = list(settled.filter(action__in=AUDIT_EVENTS).order_by("pk")[:BATCH])
        for row in rows:
            event, model, key = AUDIT_EVENTS[row.action]
            queued += _queue(event, model, row.object_id,
                             {key: int(row.object_id), "learner": row.learner_id}, row.at, now)
        last = rows[-1].pk if len(rows) == BATCH else (
            settled.order_by("-pk").values_list("pk", flat=True).first())
        if last:
            cursor.last_audit_id = last
            cursor.save(update_fields=["last_audit_id"])
        queued += _absences(now - settle, now)
        queued += _provision_due(now)
        queued += _reviews_overdue(now)
    return queued


def _absences(settled: datetime, now: datetime) -> int:
    """Absence alerts raised by a provider's register (aptrack.attendance), once each."""
    from aptrack.attendance.models import Alert

    cursor, _ = WebhookCursor.objects.select_for_update().get_or_create(name="absence-alerts")
    alerts = list(Alert.objects.filter(pk__gt=cursor.last_audit_id, kind="absence",
                                       raised_at__lte=settled).order_by("pk")[:BATCH])
    queued = 0
    for alert in alerts:
        queued += _queue(WebhookEvent.ABSENCE_RECORDED, Alert, alert.pk,
                         {"alert": alert.pk, "learner": alert.learner_id,
                          "setting": alert.setting_id, "placement": alert.placement_id},
                         alert.raised_at, now)
    if alerts:
        cursor.last_audit_id = alerts[-1].pk
        cursor.save(update_fields=["last_audit_id"])
    return queued


def _raised(event: str) -> Any:
    """Ids already raised for a time-based event, as a subquery of integers."""
    return (RaisedEvent.objects.filter(event=event)
            .annotate(as_int=Cast("object_id", BigIntegerField())).values("as_int"))


def _raise_once(event: str, rows: list[tuple[int, int, dict[str, Any]]], now: datetime) -> int:
    queued = 0
    for object_id, placement_id, data in rows:
        RaisedEvent.objects.create(event=event, object_id=str(object_id))
        queued += _queue(event, Placement, placement_id, data, now, now)
    return queued


def _provision_due(now: datetime) -> int:
    """Once per placement: the day full-time provision is due has arrived (EA 1996 s19(3A))."""
    today = timezone.localdate(now)
    due = (Placement.objects.filter(
        provision_due_by__lte=today, status__in=[Status.REFERRED, Status.AGREED, Status.ACTIVE])
        .exclude(pk__in=_raised(WebhookEvent.PROVISION_DUE)).order_by("pk")
        .values_list("pk", "learner_id", "provision_due_by")[:BATCH])
    return _raise_once(WebhookEvent.PROVISION_DUE, [
        (pk, pk, {"placement": pk, "learner": learner_id,
                  "provision_due_by": due_by.isoformat()}) for pk, learner_id, due_by in due],
        now)


def _reviews_overdue(now: datetime) -> int:
    """Once per review: an active placement's next review date passed with no review since
    (at least half-termly: DfE Alternative provision guidance) [guidance]."""
    from aptrack.quality.models import PlacementReview

    today = timezone.localdate(now)
    later = PlacementReview.objects.filter(placement=OuterRef("placement"),
                                           held_on__gt=OuterRef("held_on"))
    overdue = (PlacementReview.objects.filter(next_review_on__lt=today,
                                              placement__status=Status.ACTIVE)
               .exclude(Exists(later)).exclude(pk__in=_raised(WebhookEvent.REVIEW_OVERDUE))
               .order_by("pk")
               .values_list("pk", "placement_id", "placement__learner_id", "next_review_on")
               [:BATCH])
    return _raise_once(WebhookEvent.REVIEW_OVERDUE, [
        (pk, placement_id, {"placement": placement_id, "learner": learner_id, "review": pk,
                            "review_due": due.isoformat()})
        for pk, placement_id, learner_id, due in overdue], now)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to addresses already checked (never resolving the host name again);
    the Host header still names the host."""

    def __init__(self, target: addresses.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def _open(self) -> socket.socket:
        error: OSError = OSError("No address to connect to.")
        for address in self.target.addresses:
            try:
                return socket.create_connection((address, self.target.port), self.timeout)
            except OSError as exc:
                error = exc
        raise error

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS, the certificate checked against the host name (not the address)."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, target: addresses.Target, timeout: float) -> None:
        super().__init__(target, timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(self._open(), server_hostname=self.target.host)


def _post(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str]:
    """Send one delivery; its status code (None when there was no answer) and what went wrong.
    The address is checked again first (aptrack.api.addresses) and the connection goes to the
    addresses checked. Redirects are not followed: a 3xx is an answer like any other."""
    try:
        target = addresses.target(delivery.subscription.url)
    except addresses.Refused as exc:
        return None, f"Not sent. {exc}"
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "User-Agent": "APTrack-Webhooks/1",
               "X-APTrack-Event": delivery.event, "X-APTrack-Delivery": str(delivery.pk),
               "X-APTrack-Signature":
                   f"t={timestamp},v1={sign(delivery.subscription.secret, timestamp, body)}"}
    try:
        status = post_to(target, body, headers, settings.APTRACK_API["WEBHOOK_TIMEOUT_SECONDS"])
    except (OSError, http.client.HTTPException) as exc:
        return None, (str(exc) or type(exc).__name__)[:300]
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def post_to(target: addresses.Target, body: bytes, headers: dict[str, str],
            timeout: float) -> int:
    """POST to a checked address, connecting only to ``target.addresses``; the answer's status.
    Raises OSError (TLS errors included) or http.client.HTTPException when there is none."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def send_due(now: datetime | None = None) -> Result:
    """Send every pending delivery whose time has come; back off exponentially on failure."""
    now = now or timezone.now()
    limits = settings.APTRACK_API
    result = Result()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING,
                                              next_attempt_at__lte=now)
               .values_list("pk", flat=True)[:BATCH])
    for pk in due:
        with transaction.atomic():
            delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True)
                        .select_related("subscription")
                        .filter(pk=pk, status=WebhookDelivery.PENDING).first())
            if delivery is None:
                continue
            if delivery.subscription.active:
                code, error = _post(delivery, now)
            else:
                code, error = None, "The subscription is paused."
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = code, error
            if code is not None and 200 <= code < 300:
                delivery.status, delivery.delivered_at = WebhookDelivery.DELIVERED, now
                result.delivered += 1
            elif delivery.attempts >= limits["WEBHOOK_MAX_ATTEMPTS"]:
                delivery.status = WebhookDelivery.FAILED
                result.failed += 1
            else:
                delay = limits["WEBHOOK_BACKOFF_SECONDS"] * 2 ** (delivery.attempts - 1)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                result.retrying += 1
            delivery.save()
    return result


def deliver_due(now: datetime | None = None) -> Result:
    """Queue new events, then send what is due. Safe to run from several processes."""
    queued = collect(now)
    result = send_due(now)
    result.queued = queued
    return result
