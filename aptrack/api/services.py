"""Writes of the api app: tokens and webhook subscriptions. One transaction each, audited
(ARCHITECTURE.md "Writes go through services"). Writes of records go through their own
app's services (e.g. ``aptrack.placements.services.placement_update``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aptrack.accounts import audit

from . import addresses
from .models import ApiToken, WebhookEvent, WebhookSubscription


@transaction.atomic
def token_create(*, actor: Any, user: Any, name: str, read_only: bool = False,
                 days: int | None = None) -> tuple[ApiToken, str]:
    """Make an API token for ``user``; returns the record and the token, which is shown once and
    never stored (only its SHA-256 hash is). ``days`` (default ``TOKEN_DAYS``, at most
    ``TOKEN_MAX_DAYS``) is how long it lives."""
    limits = settings.APTRACK_API
    days = limits["TOKEN_DAYS"] if days is None else days
    if not 1 <= days <= limits["TOKEN_MAX_DAYS"]:
        raise ValidationError({"days": f"A token lives between 1 and {limits['TOKEN_MAX_DAYS']} "
                                       "days."})
    if actor is not None and actor.pk != user.pk:
        raise ValidationError("You can make tokens only for yourself.")
    if not user.is_active:
        raise ValidationError({"user": f"{user.username} is not an active user."})
    token, key_id, key_hash = ApiToken.generate()
    record = ApiToken(user=user, name=name.strip() or "API token", key_id=key_id,
                      key_hash=key_hash, read_only=read_only,
                      expires_at=timezone.now() + timedelta(days=days))
    record.full_clean()
    record.save()
    audit.record(actor=actor, action="api_token.create", obj=record,
                 changes={"user": user.pk, "read_only": read_only,
                          "expires_at": record.expires_at.isoformat()})
    return record, token


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Stop a token working at once (its owner or the system may do this)."""
    if actor is not None and actor.pk != token.user_id:
        raise ApiToken.DoesNotExist("No such token.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoke", obj=locked)
    return locked


def _check_url(url: str) -> None:
    """Refuse an address a webhook may not go to (aptrack.api.addresses: https only, no user
    name, a host that resolves only to public addresses)."""
    try:
        addresses.check(url)
    except addresses.Refused as exc:
        raise ValidationError({"url": str(exc)}) from exc


def _check_events(events: list[str]) -> None:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if not events or unknown:
        raise ValidationError({"events": f"Choose events from {', '.join(WebhookEvent.values)}"
                                         + (f" (unknown: {', '.join(unknown)})." if unknown
                                            else ".")})


@transaction.atomic
def webhook_subscribe(*, actor: Any, url: str, events: list[str]) -> WebhookSubscription:
    """Subscribe the actor's organisation to events, delivered to ``url`` signed with a new
    secret. The subscription hears only of records the actor may see."""
    _check_url(url)
    _check_events(events)
    sub = WebhookSubscription(owner=actor, url=url, events=sorted(set(events)))
    sub.full_clean(exclude=["secret"])
    sub.save()
    audit.record(actor=actor, action="webhook.subscribe", obj=sub,
                 changes={"url": url, "events": sub.events})
    return sub


@transaction.atomic
def webhook_update(*, actor: Any, subscription: WebhookSubscription,
                   **fields: Any) -> WebhookSubscription:
    """Change a subscription's address, events or whether it is active."""
    if "url" in fields:
        _check_url(fields["url"])
    if "events" in fields:
        _check_events(fields["events"])
        fields["events"] = sorted(set(fields["events"]))
    audit.change(actor=actor, obj=subscription, action="webhook.update", learner_id=None,
                 **{k: v for k, v in fields.items() if k in {"url", "events", "active"}})
    return subscription


@transaction.atomic
def webhook_unsubscribe(*, actor: Any, subscription: WebhookSubscription) -> None:
    """Delete a subscription and its delivery records."""
    audit.record(actor=actor, action="webhook.unsubscribe", obj=subscription)
    subscription.delete()
