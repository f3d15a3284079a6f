"""Who may see which records: the one place where row-level scope is decided.

Every model holding personal data has a queryset with ``for_user(user, action)`` that calls the
scope rule named by its ``scope_name``; selectors and views start from it, and out of scope is
404, never 403 (ARCHITECTURE.md "Reads are scoped where they start").

- LA roles: learners resident in the LA, ever on the roll of one of its schools, or in a placement
  the LA commissioned; their enrolments, exclusions and placements.
- School roles: learners on the school's roll now, or in a placement the school commissioned.
- Provider and post-16 roles: learners with a referred, agreed or active placement with them, or
  one that ended within ``APTRACK["PROVIDER_RECENT_DAYS"]``; only their own placements and
  enrolments, and no exclusion history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .choices import Role

VIEW = "view"
CHANGE = "change"
LA_ROLES = {Role.LA_OFFICER, Role.LA_SAFEGUARDING, Role.LA_ADMIN}
SCHOOL_ROLES = {Role.SCHOOL_DSL, Role.SCHOOL_STAFF}
PROVIDER_ROLES = {Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.PROVIDER_DSL,
                  Role.POST16_STAFF}
# Who may change records in scope (view-only roles see but do not write).
WRITER_ROLES = {Role.LA_OFFICER, Role.LA_ADMIN, Role.LA_SAFEGUARDING, Role.SCHOOL_DSL,
                Role.SCHOOL_STAFF}


def _model(name: str) -> type[models.Model]:
    app, model = name.split(".")
    return apps.get_model(app, model)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _la_id(user: Any) -> int | None:
    org = user.organisation
    return org.la_id if org is not None else None


def _establishment_id(user: Any) -> int | None:
    org = user.organisation
    return org.establishment_id if org is not None else None


def provider_visible_placements(establishment_id: int | None) -> Q:
    """Placements a provider works with: in hand, or ended within the recent window."""
    recent = date.today() - timedelta(days=settings.APTRACK["PROVIDER_RECENT_DAYS"])
    return Q(provider_id=establishment_id) & (
        Q(status__in=["referred", "agreed", "active"])
        | Q(status="ended", end_date__gte=recent)
    )


def provider_placements_q(user: Any) -> Q:
    """Placements a provider-side user works with: their own setting's; for post-16 staff also
    those their college commissioned elsewhere (as a school sees the placements it
    commissioned: the commissioner monitors the learner; DOMAIN.md section 1)."""
    establishment = _establishment_id(user)
    q = provider_visible_placements(establishment)
    if getattr(user, "role", "") == Role.POST16_STAFF:
        q |= Q(commissioning_establishment_id=establishment)
    return q


def learner_ids(user: Any) -> models.QuerySet[Any] | None:
    """The ids of learners the user may see, as a subquery; None means every learner."""
    if getattr(user, "is_superuser", False):
        return None
    Learner, Enrolment, Placement = (_model("learners.Learner"), _model("learners.Enrolment"),
                                     _model("placements.Placement"))
    role = getattr(user, "role", "")
    if role in LA_ROLES and _la_id(user):
        la = _la_id(user)
        # A union of three indexed queries, not one OR: the OR cannot use an index, so the
        # database scans every learner and enrolment and misjudges the size of the scope,
        # which turns the queries built on it into scans of the marks (decision 0007).
        return (Learner.objects.filter(home_la_id=la).order_by().values("pk").union(
            Enrolment.objects.filter(establishment__la_id=la).order_by().values("learner_id"),
            Placement.objects.filter(commissioning_la_id=la).order_by().values("learner_id")))
    if role in SCHOOL_ROLES and _establishment_id(user):
        school = _establishment_id(user)
        today = date.today()
        on_roll = Enrolment.objects.filter(establishment_id=school).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today))
        commissioned = Placement.objects.filter(commissioning_establishment_id=school)
        return Learner.objects.filter(
            Q(pk__in=on_roll.values("learner_id")) | Q(pk__in=commissioned.values("learner_id"))
        ).values("pk")
    if role in PROVIDER_ROLES and _establishment_id(user):
        placed = Placement.objects.filter(provider_placements_q(user))
        return Learner.objects.filter(pk__in=placed.values("learner_id")).values("pk")
    return Learner.objects.none().values("pk")


def _may(user: Any, action: str) -> bool:
    if not _active(user):
        return False
    if action == VIEW or getattr(user, "is_superuser", False):
        return True
    return getattr(user, "role", "") in WRITER_ROLES


def scope_learner(qs: models.QuerySet[Any], user: Any, action: str) -> models.QuerySet[Any]:
    if not _may(user, action):
        return qs.none()
    ids = learner_ids(user)
    return qs if ids is None else qs.filter(pk__in=ids)


def scope_enrolment(qs: models.QuerySet[Any], user: Any, action: str) -> models.QuerySet[Any]:
    if not _may(user, action):
        return qs.none()
    if getattr(user, "role", "") in PROVIDER_ROLES:
        return qs.filter(establishment_id=_establishment_id(user),
                         learner_id__in=learner_ids(user))
    ids = learner_ids(user)
    return qs if ids is None else qs.filter(learner_id__in=ids)


def scope_exclusion(qs: models.QuerySet[Any], user: Any, action: str) -> models.QuerySet[Any]:
    """Exclusion history is not shown to providers (they see the needs they must meet)."""
    if not _may(user, action) or getattr(user, "role", "") in PROVIDER_ROLES:
        return qs.none()
    ids = learner_ids(user)
    return qs if ids is None else qs.filter(learner_id__in=ids)


def scope_placement(qs: models.QuerySet[Any], user: Any, action: str) -> models.QuerySet[Any]:
    """LA: placements of its learners; school: those it commissioned or of its pupils;
    provider: its own placements only (never another provider's)."""
    if not _may(user, action):
        return qs.none()
    role = getattr(user, "role", "")
    if getattr(user, "is_superuser", False):
        return qs
    if role in PROVIDER_ROLES:
        return qs.filter(provider_placements_q(user))
    if role in SCHOOL_ROLES:
        school = _establishment_id(user)
        return qs.filter(Q(commissioning_establishment_id=school)
                         | Q(home_school_id=school, learner_id__in=learner_ids(user)))
    return qs.filter(learner_id__in=learner_ids(user))


SCOPES: dict[str, Callable[[models.QuerySet[Any], Any, str], models.QuerySet[Any]]] = {
    "learner": scope_learner,
    "enrolment": scope_enrolment,
    "exclusion": scope_exclusion,
    "placement": scope_placement,
}


class ScopedQuerySet(models.QuerySet[Any]):
    """A queryset of personal data; ``for_user`` keeps only what the user may see or change."""

    scope_name = ""

    def for_user(self, user: Any, action: str = VIEW) -> models.QuerySet[Any]:
        return SCOPES[self.scope_name](self, user, action)


def require(model: type[models.Model], pk: Any, actor: Any, action: str = CHANGE) -> None:
    """Refuse a write by ``actor`` to a record outside their scope as if it did not exist.

    ``actor`` None is the system itself (demo loader, imports run by an administrator on the
    command line), which acts on every record.
    """
    if actor is None:
        return
    if not model.objects.for_user(actor, action).filter(pk=pk).exists():  # type: ignore[attr-defined]
        raise model.DoesNotExist(f"No {model._meta.verbose_name} {pk} in your scope.")


def lock_for_change(model: type[models.Model], pk: Any, actor: Any, *, version: int | None,
                    stale: str) -> Any:
    """The record ``pk``, locked for this transaction, if ``actor`` may change it and nobody
    saved it since they read ``version``.

    Out of scope is refused as if it did not exist (:func:`require`); a stale ``version`` with a
    ``ValidationError`` of code ``stale`` carrying the ``stale`` message. ``version`` None skips
    that check (a caller with no version read, such as the system).
    """
    require(model, pk, actor)
    locked = model.objects.select_for_update().get(pk=pk)  # type: ignore[attr-defined]
    if version is not None and locked.version != version:
        raise ValidationError(stale, code="stale")
    return locked
