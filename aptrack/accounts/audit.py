"""Writing the audit trail: called by services inside their transaction, and by read views."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditEvent


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` as JSON-safe data (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, date | datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[field.attname] = value
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only the fields whose value changed, as {"field": [before, after]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(*, actor: Any, action: str, obj: models.Model | None = None,
           object_type: str = "", object_id: str = "", learner_id: int | None = None,
           changes: dict[str, Any] | None = None) -> AuditEvent:
    """Append one audit event. ``actor`` may be None for system jobs (e.g. the demo loader)."""
    user = actor if getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        user=user,
        username=getattr(user, "username", "") or "system",
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        learner_id=learner_id,
        changes=changes or {},
    )


DENIED = "access.denied"
_DENIAL_AUDITED = "_aptrack_denial_audited"


def denial_details(request: Any, status: int) -> dict[str, Any]:
    """What a denial row records besides the object: the route, the status, the method and the
    path (ids only, never the query string or the body)."""
    match = getattr(request, "resolver_match", None)
    return {"route": getattr(match, "view_name", "") or "", "status": status,
            "method": getattr(request, "method", ""), "path": getattr(request, "path", "")[:300]}


def denied(request: Any, *, object_type: str, object_id: Any, status: int = 404,
           **extra: Any) -> AuditEvent:
    """Audit one refused access (the only ``access.denied`` row of this request: the
    ``DeniedAccessAuditMiddleware`` then writes none). Views that know what was asked for call
    this; every other refusal is written by the middleware. ``learner_id`` stays empty: an
    out-of-scope learner is not confirmed to exist."""
    http_request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    user = getattr(http_request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    event = record(actor=actor, action=DENIED, object_type=object_type,
                   object_id=str(object_id)[:40],
                   changes={**denial_details(http_request, status), **extra})
    setattr(http_request, _DENIAL_AUDITED, True)
    return event


def denial_audited(request: Any) -> bool:
    """Whether a view already wrote the ``access.denied`` row of this request."""
    return bool(getattr(request, _DENIAL_AUDITED, False))


def change(*, actor: Any, obj: models.Model, action: str, learner_id: int | None,
           **fields: Any) -> models.Model:
    """Set fields on ``obj``, validate, save, and audit exactly what changed (call it inside the
    service's transaction)."""
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    record(actor=actor, action=action, obj=obj, learner_id=learner_id,
           changes=diff(before, snapshot(obj)))
    return obj
