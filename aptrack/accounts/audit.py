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
