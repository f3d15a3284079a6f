"""The commissioning gate: no placement with a provider whose critical checks (by the
commissioner itself) are missing, not satisfactory or expired, or whom the LA has suspended,
unless an LA officer overrides with a recorded reason.

KCSIE: the commissioner keeps safeguarding responsibility and must have written confirmation of
the provider's staff checks; DfE Alternative provision guidance (2013, updated Feb 2025): the
commissioner's own quality checks, relying on the LA's list is not enough [guidance].
Called by ``aptrack.placements.services.placement_commission``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from aptrack.accounts import audit, scopes

from . import logic
from .choices import CheckKind, CheckState, ProviderStatus
from .models import CheckOverride, ProviderCheck, ProviderStatusDecision


def latest_checks(*, provider: Any, commissioning_la: Any = None,
                  commissioning_establishment: Any = None) -> dict[str, ProviderCheck]:
    """The latest check of each kind that this commissioner made of this provider."""
    qs = ProviderCheck.objects.filter(provider=provider)
    if commissioning_la is not None:
        qs = qs.filter(commissioning_la=commissioning_la)
    else:
        qs = qs.filter(commissioning_establishment=commissioning_establishment)
    latest: dict[str, ProviderCheck] = {}
    for check in qs.order_by("kind", "-checked_on", "-pk"):
        latest.setdefault(check.kind, check)
    return latest


def current_status(*, provider: Any, la: Any) -> ProviderStatusDecision | None:
    """The LA's latest decision on the provider's status, if it has made one."""
    return (ProviderStatusDecision.objects.filter(provider=provider, la=la)
            .order_by("-decided_on", "-pk").first())


def problems(*, provider: Any, commissioning_la: Any = None,
             commissioning_establishment: Any = None, on: date | None = None) -> list[str]:
    """Why this commissioner may not place with this provider on ``on``: one plain sentence per
    critical check that is missing, not satisfactory or expired, and the LA's suspension."""
    on = on or date.today()
    latest = latest_checks(provider=provider, commissioning_la=commissioning_la,
                           commissioning_establishment=commissioning_establishment)
    found = []
    for kind in settings.QUALITY["CRITICAL_CHECKS"]:
        check = latest.get(kind)
        state = logic.check_state(outcome=check.outcome if check else None,
                                  expires_on=check.expires_on if check else None, on=on,
                                  reminder_days=0)
        label = CheckKind(kind).label
        if state == CheckState.MISSING:
            found.append(f"{label}: not checked")
        elif state == CheckState.NOT_MET:
            found.append(f"{label}: not satisfactory ({check.checked_on:%-d %B %Y})")
        elif state == CheckState.EXPIRED:
            found.append(f"{label}: expired on {check.expires_on:%-d %B %Y}")
    la = commissioning_la or getattr(commissioning_establishment, "la", None)
    status = current_status(provider=provider, la=la) if la is not None else None
    if status is not None and status.status == ProviderStatus.SUSPENDED:
        found.append(f"Suspended by {la.name} on {status.decided_on:%-d %B %Y}: {status.reasons}")
    return found


def may_override(actor: Any, *, commissioning_la: Any, commissioning_establishment: Any) -> bool:
    """Only an officer of the LA that commissions (or in which the commissioning school is)."""
    role = getattr(actor, "role", "")
    org = getattr(actor, "organisation", None)
    la = commissioning_la or getattr(commissioning_establishment, "la", None)
    return bool(role in scopes.LA_ROLES and org is not None and la is not None
                and org.la_id == la.pk)


def check_commissioning(*, actor: Any, provider: Any, commissioning_la: Any,
                        commissioning_establishment: Any, override_reason: str) -> list[str]:
    """Refuse (``ValidationError`` on ``provider``) unless the checks pass or an LA officer
    overrides with a reason; returns the problems that were overridden (empty if none).

    ``actor`` None is the system itself (demo loader, administrator imports), which is not
    gated, as with scope (``aptrack.accounts.scopes.require``).
    """
    if actor is None:
        return []
    found = problems(provider=provider, commissioning_la=commissioning_la,
                     commissioning_establishment=commissioning_establishment)
    if not found:
        return []
    who = "the LA" if commissioning_la is not None else "your school"
    if not override_reason.strip():
        raise ValidationError({"provider": [
            f"{provider} cannot be commissioned until {who}'s own critical checks are in "
            f"order: {'; '.join(found)}. An LA officer may override with a recorded reason."]})
    if not may_override(actor, commissioning_la=commissioning_la,
                        commissioning_establishment=commissioning_establishment):
        raise ValidationError({"override_reason": [
            "Only an officer of the local authority can override missing or expired provider "
            f"checks ({'; '.join(found)})."]})
    return found


def record_override(*, actor: Any, placement: Any, reason: str, found: list[str]) -> None:
    """Keep the override with the placement and in the audit trail (same transaction)."""
    override = CheckOverride(placement=placement, reason=reason.strip(), problems=found,
                             overridden_by=actor)
    override.full_clean()
    override.save()
    audit.record(actor=actor, action="placement.check_override", obj=override,
                 learner_id=placement.learner_id,
                 changes={"placement": placement.pk, "problems": len(found)})
