"""Reads of the quality app, each starting from the user's scope (``for_user``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least

from aptrack.accounts import scopes
from aptrack.attendance import selectors as attendance_selectors
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
    post16_commissioner,
)


def commissioner_of(user: Any) -> dict[str, Any] | None:
    """The commissioner whose checklist a user works on: their LA, their school or their
    post-16 provider (each commissioner makes its own checks)."""
    role = getattr(user, "role", "")
    org = getattr(user, "organisation", None)
    if org is None:
        return None
    if role in scopes.LA_ROLES:
        return {"commissioning_la": org.la}
    if role in scopes.SCHOOL_ROLES or post16_commissioner(user):
        return {"commissioning_establishment": org.establishment}
    return None


def providers(*, user: Any) -> QuerySet[Establishment]:
    """Providers a commissioner may check: every open setting that is not a mainstream school,
    in the user's LA first; provider staff see only their own (a post-16 provider that
    commissions AP sees them all, as a commissioner)."""
    role = getattr(user, "role", "")
    qs = Establishment.objects.for_user(user).exclude(kind="mainstream_school").open()
    if role in scopes.PROVIDER_ROLES and not post16_commissioner(user):
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
    terms: dict[tuple[Any, Any], list[tuple[date, date]]] = {}
    rows = []
    for p in placements:
        due = next_set.get(p.pk)
        if due is None:
            key = (p.commissioning_establishment_id, p.commissioning_la_id)
            if key not in terms:
                terms[key] = services.half_terms(p)
            from aptrack.rules import clocks

            due = (clocks.review_due(since=p.last_review or p.start_date,
                                     half_term_ends=[e for _, e in terms[key]],
                                     half_term_starts=[s for s, _ in terms[key]],
                                     after_review=p.last_review is not None)
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


# ---- attendance from the registers ----------------------------------------------------------

ATTENDED = ("present", "approved_activity")
ABSENT = ("authorised", "unauthorised")


@dataclass(frozen=True)
class RegisterAttendance:
    """Attendance at a placement's setting over a period, from the registers."""

    start: date
    end: date
    attended: int
    possible: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.possible, 1) if self.possible else None


def review_period(placement: Placement, held_on: date) -> tuple[date, date]:
    """The period a review looks back over: from the day after the last review held before
    ``held_on`` (else the placement's start) to the review day or the placement's end."""
    last = (PlacementReview.objects.filter(placement=placement, held_on__lt=held_on)
            .order_by("-held_on").values_list("held_on", flat=True).first())
    start = last + timedelta(days=1) if last else placement.start_date
    end = min(held_on, placement.end_date) if placement.end_date else held_on
    return start, end


def register_attendance(*, user: Any, placement: Placement, start: date,
                        end: date) -> RegisterAttendance:
    """The learner's attendance at the placement's setting between two dates, from the marks
    the provider recorded (``aptrack.attendance.selectors.attendance_summary`` at that setting:
    present and approved activity over possible sessions; DfE school census guidance)."""
    if end < start:
        return RegisterAttendance(start, end, 0, 0)
    summary = attendance_selectors.attendance_summary(
        actor=user, learner=placement.learner, start=start, end=end, setting=placement.provider)
    return RegisterAttendance(start, end, summary.attended, summary.possible)


def placements_attendance(*, user: Any, placements: QuerySet[Placement],
                          on: date | None = None) -> dict[int, RegisterAttendance]:
    """Register attendance of each placement over its whole period (start to end, or to
    ``on``), at its own setting, in one query: the marks the user may see
    (``aptrack.attendance.selectors.mark_list``) counted per placement."""
    on = on or date.today()
    marks = attendance_selectors.mark_list(actor=user).filter(
        learner_id=OuterRef("learner_id"), setting_id=OuterRef("provider_id"),
        date__gte=OuterRef("start_date"), date__lte=OuterRef("period_end"))

    def count(categories: tuple[str, ...]) -> Coalesce:
        inner = (marks.filter(category__in=categories).order_by().values("learner_id")
                 .annotate(n=Count("pk")).values("n"))
        return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))

    rows = (placements.order_by().annotate(period_end=Least(Coalesce("end_date", Value(on)),
                                                            Value(on)))
            .annotate(attended=count(ATTENDED), absent=count(ABSENT))
            .values_list("pk", "start_date", "period_end", "attended", "absent"))
    return {pk: RegisterAttendance(start, end, attended, attended + absent)
            for pk, start, end, attended, absent in rows}


def outcome_columns(registers: dict[int, RegisterAttendance]) -> list[Any]:
    """Columns of the outcomes export: the placement, the destination (code, label and the
    details, required for "other"), attendance at the provider from the registers, and the
    six-month follow-up."""
    from aptrack.exchange.spreadsheets import Column

    def reg(name: str) -> Any:
        def read(o: PlacementOutcome) -> Any:
            found = registers.get(o.placement_id)
            return getattr(found, name) if found is not None else None
        return read

    return [
        Column("Placement", "placement_id"),
        Column("UPN", "placement.learner.upn"),
        Column("Given name", "placement.learner.given_name"),
        Column("Family name", "placement.learner.family_name"),
        Column("Provider", "placement.provider.name"),
        Column("Commissioner", lambda o: str(o.placement.commissioning_la
                                             or o.placement.commissioning_establishment or "")),
        Column("Reason", "placement.get_reason_display"),
        Column("Tier", "placement.tier"),
        Column("Start date", "placement.start_date"),
        Column("End date", "placement.end_date"),
        Column("End reason", "placement.get_end_reason_display"),
        Column("Destination code", "destination"),
        Column("Destination", "get_destination_display"),
        Column("Destination details", "destination_note"),
        Column("Destination school", lambda o: str(o.destination_establishment or "")),
        Column("Attendance at the provider (%)", reg("percent")),
        Column("Sessions attended", reg("attended")),
        Column("Possible sessions", reg("possible")),
        Column("Follow-up due", "follow_up_due"),
        Column("Followed up on", "followed_up_on"),
        Column("Still there after six months", "get_follow_up_result_display"),
    ]
