"""Reads of the quality app, each starting from the user's scope (``for_user``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet

from aptrack.accounts import scopes
from aptrack.directory.models import Establishment
from aptrack.placements.choices import Status
from aptrack.placements.models import Placement

from . import gate, logic
from .choices import CheckKind, CheckState
from .models import (
    LiaisonEntry,
    PlacementOutcome,
    PlacementReview,
    ProviderCheck,
    RegistrationAlert,
)


def commissioner_of(user: Any) -> dict[str, Any] | None:
    """The commissioner whose checklist a user works on: their LA or their school."""
    role = getattr(user, "role", "")
    org = getattr(user, "organisation", None)
    if org is None:
        return None
    if role in scopes.LA_ROLES:
        return {"commissioning_la": org.la}
    if role in scopes.SCHOOL_ROLES:
        return {"commissioning_establishment": org.establishment}
    return None


def providers(*, user: Any) -> QuerySet[Establishment]:
    """Providers a commissioner may check: every open setting that is not a mainstream school,
    in the user's LA first; provider staff see only their own."""
    role = getattr(user, "role", "")
    qs = Establishment.objects.for_user(user).exclude(kind="mainstream_school").open()
    if role in scopes.PROVIDER_ROLES:
        return qs.filter(pk=user.organisation.establishment_id)
    return qs.select_related("la").order_by("name")


@dataclass
class ChecklistRow:
    kind: str
    label: str
    critical: bool
    state: str
    check: ProviderCheck | None


def checklist(*, user: Any, provider: Establishment, commissioner: dict[str, Any],
              on: date | None = None) -> list[ChecklistRow]:
    """Every kind of check with this commissioner's latest check and its state today."""
    on = on or date.today()
    latest = gate.latest_checks(provider=provider, **commissioner)
    visible = set(ProviderCheck.objects.for_user(user).filter(
        pk__in=[c.pk for c in latest.values()]).values_list("pk", flat=True))
    critical = set(settings.QUALITY["CRITICAL_CHECKS"])
    rows = []
    for kind in CheckKind:
        check = latest.get(kind.value)
        check = check if check is not None and check.pk in visible else None
        state = logic.check_state(outcome=check.outcome if check else None,
                                  expires_on=check.expires_on if check else None, on=on,
                                  reminder_days=settings.QUALITY["REMINDER_DAYS"])
        rows.append(ChecklistRow(kind.value, kind.label, kind.value in critical,
                                 CheckState(state).value, check))
    return rows


def check_get(*, user: Any, pk: int) -> ProviderCheck:
    """One check in the user's scope; ``ProviderCheck.DoesNotExist`` (404) otherwise."""
    return ProviderCheck.objects.for_user(user).select_related("provider").get(pk=pk)


def placement_get(*, user: Any, pk: int, action: str = scopes.VIEW) -> Placement:
    """One placement in the user's scope; ``Placement.DoesNotExist`` (404) otherwise."""
    return (Placement.objects.for_user(user, action)
            .select_related("learner", "provider", "site", "commissioning_la",
                            "commissioning_establishment", "home_school").get(pk=pk))


@dataclass
class ReviewDue:
    placement: Placement
    last_review: date | None
    due: date
    overdue: bool


def reviews_due(*, user: Any, on: date | None = None) -> list[ReviewDue]:
    """Active placements in scope with the date their next review is due (the next date the
    last review set, else the end of the half term after the start, on the commissioner's
    calendar), overdue first; only those due within the "due soon" window or overdue."""
    from . import services

    on = on or date.today()
    window = on + timedelta(days=settings.QUALITY["REVIEW_DUE_SOON_DAYS"])
    placements = (Placement.objects.for_user(user).filter(status=Status.ACTIVE)
                  .annotate(last_review=Max("reviews__held_on"))
                  .select_related("learner", "provider", "commissioning_la",
                                  "commissioning_establishment"))
    next_set = dict(PlacementReview.objects.filter(placement__in=placements)
                    .order_by("placement_id", "held_on", "pk")
                    .values_list("placement_id", "next_review_on"))
    ends: dict[tuple[Any, Any], list[date]] = {}
    rows = []
    for p in placements:
        due = next_set.get(p.pk)
        if due is None:
            key = (p.commissioning_establishment_id, p.commissioning_la_id)
            if key not in ends:
                ends[key] = services.half_term_ends(p)
            from aptrack.rules import clocks

            due = (clocks.review_due(since=p.last_review or p.start_date,
                                     half_term_ends=ends[key])
                   or clocks.next_review_due(since=p.last_review or p.start_date))
        if due <= window:
            rows.append(ReviewDue(p, p.last_review, due, due < on))
    return sorted(rows, key=lambda r: r.due)


def liaison_for_learner(*, user: Any, learner_id: int) -> QuerySet[LiaisonEntry]:
    """The chronology of a learner's liaison entries the user may read, oldest first."""
    return (LiaisonEntry.objects.for_user(user).filter(placement__learner_id=learner_id)
            .select_related("placement__provider", "corrects")
            .prefetch_related("corrected_by"))


def alerts(*, user: Any) -> QuerySet[RegistrationAlert]:
    return (RegistrationAlert.objects.for_user(user).select_related("provider")
            .prefetch_related("tipping_placements__learner"))


def outcomes(*, user: Any) -> QuerySet[PlacementOutcome]:
    return (PlacementOutcome.objects.for_user(user)
            .select_related("placement__learner", "placement__provider")
            .order_by("-placement__end_date"))


def ended_without_outcome(*, user: Any) -> QuerySet[Placement]:
    return (Placement.objects.for_user(user).filter(status=Status.ENDED, outcome__isnull=True)
            .select_related("learner", "provider").order_by("-end_date"))


def follow_ups_due(*, user: Any, on: date | None = None) -> QuerySet[PlacementOutcome]:
    on = on or date.today()
    return outcomes(user=user).filter(follow_up_due__lte=on, followed_up_on__isnull=True)


def unregistered_use(*, user: Any, on: date | None = None) -> dict[str, Any]:
    """Use of unregistered AP as the national debate measures it: how many placements, how
    many current, and their average length in days (ended ones to their end, others to today)."""
    on = on or date.today()
    qs = (Placement.objects.for_user(user)
          .filter(provider__kind__in=["unregistered", "tuition"])
          .exclude(status=Status.CANCELLED).filter(start_date__lte=on))
    lengths = [((p.end_date or on) - p.start_date).days + 1
               for p in qs.only("start_date", "end_date")]
    current = qs.filter(status=Status.ACTIVE).filter(Q(end_date__isnull=True)
                                                     | Q(end_date__gte=on)).count()
    return {"placements": len(lengths), "current": current,
            "average_days": round(sum(lengths) / len(lengths)) if lengths else None}
