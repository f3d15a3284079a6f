"""Reads about accounts: the users an administrator manages and the audit trail they may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from .choices import Role
from .models import AuditEvent, LegalHold, User


def users_managed_by(actor: Any) -> QuerySet[User]:
    """The users of the administrator's own organisation (none for anyone else)."""
    if not getattr(actor, "manages_users", False):
        return User.objects.none()
    return User.objects.filter(organisation_id=actor.organisation_id).order_by(
        "last_name", "first_name", "username")


def user_managed_get(*, actor: Any, pk: int) -> User:
    """One user the administrator manages; ``User.DoesNotExist`` (a 404) otherwise."""
    return users_managed_by(actor).get(pk=pk)


def may_view_audit(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)
                or (getattr(user, "is_active", False) and getattr(user, "role", "") == Role.LA_ADMIN
                    and user.organisation_id and user.organisation.la_id))


def audit_events(*, username: str = "", since: datetime | None = None,
                 until: datetime | None = None) -> QuerySet[AuditEvent]:
    """Audit events, oldest first, by the account named (as it was named at the time), between
    ``since`` (inclusive) and ``until`` (exclusive). Uses the (username, at) index."""
    qs = AuditEvent.objects.all()
    if username:
        qs = qs.filter(username=username)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs.order_by("at", "pk")


def audit_events_for_viewer(viewer: Any, **filters: Any) -> QuerySet[AuditEvent]:
    """What an LA administrator may see of the audit trail: events by the users of their LA and
    of its schools and providers, and failed sign-ins naming those users."""
    if not may_view_audit(viewer):
        return AuditEvent.objects.none()
    qs = audit_events(**filters)
    if viewer.is_superuser:
        return qs
    la = viewer.organisation.la_id
    usernames = User.objects.filter(Q(organisation__la_id=la)
                                    | Q(organisation__establishment__la_id=la)
                                    ).values("username")
    return qs.filter(username__in=usernames)


def legal_holds_for(viewer: Any) -> QuerySet[LegalHold]:
    """Legal holds on learners the viewer may see (LA administrators only)."""
    from aptrack.accounts import scopes

    if not may_view_audit(viewer):
        return LegalHold.objects.none()
    ids = scopes.learner_ids(viewer)
    qs = LegalHold.objects.select_related("placed_by", "released_by")
    return qs if ids is None else qs.filter(learner_id__in=ids)
