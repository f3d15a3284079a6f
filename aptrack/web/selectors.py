"""Reads behind the pages. Every personal-data query starts from the user's scope
(``for_user``, aptrack/accounts/scopes.py); the directory is shared by every signed-in user."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from aptrack.accounts.scopes import LA_ROLES, SCHOOL_ROLES
from aptrack.directory.choices import SCHOOL_KINDS, EstablishmentKind
from aptrack.directory.models import Establishment
from aptrack.learners import selectors as learner_selectors
from aptrack.learners.choices import ExclusionCategory, ExclusionStatus
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.choices import SESSION_SLOTS, Reason, Status, Tier
from aptrack.placements.models import Placement
from aptrack.placements.services import provision_due_by
from aptrack.rules import registration

OPEN_STATUSES = (Status.REFERRED, Status.AGREED)
#: How far back the dashboard looks for exclusions that may still need provision arranging.
EXCLUSION_LOOKBACK_DAYS = 90
#: Placements commissioned by schools within this many days are shown to the LA as new.
SCHOOL_COMMISSIONED_DAYS = 14


def user_la_id(user: Any) -> int | None:
    """The local authority a user works in: their LA, or their establishment's LA."""
    org = getattr(user, "organisation", None)
    if org is None:
        return None
    return org.la_id or (org.establishment.la_id if org.establishment_id else None)


def is_commissioner(user: Any) -> bool:
    return getattr(user, "role", "") in (LA_ROLES | SCHOOL_ROLES)


def sessions_today(placement: Placement, on: date) -> list[str]:
    """The sessions ("AM", "PM") the learner is expected at the provider on ``on``."""
    if on.weekday() >= 5:
        return []
    day = ("mon", "tue", "wed", "thu", "fri")[on.weekday()]
    return [slot[-2:].upper() for slot, flag in zip(SESSION_SLOTS, placement.sessions_pattern,
                                                    strict=True)
            if flag == "1" and slot.startswith(day)]


# ---- placements ---------------------------------------------------------------------------
def placements_for(user: Any) -> QuerySet[Placement]:
    return Placement.objects.for_user(user).select_related(
        "learner", "provider", "site", "home_school", "commissioning_la",
        "commissioning_establishment")


def placement_get(*, user: Any, pk: int) -> Placement:
    """One placement in the user's scope; ``Placement.DoesNotExist`` (a 404) otherwise."""
    return placements_for(user).select_related("exclusion", "exclusion__school").get(pk=pk)


def current_placements(user: Any, on: date) -> list[dict[str, Any]]:
    """Placements active today, each with the sessions the learner is expected there today.

    ``arrived``: True or False from today's marks at the provider, None while unmarked.
    """
    from aptrack.attendance.selectors import arrivals

    current = list(placements_for(user).current(on).order_by("learner__family_name",
                                                            "learner__given_name"))
    arrived = arrivals(current, on)
    return [{"placement": p, "today": sessions_today(p, on), "arrived": arrived.get(p.pk)}
            for p in current]


def referral_queue(user: Any) -> QuerySet[Placement]:
    """Placements referred or agreed but not started, soonest start first."""
    return placements_for(user).filter(status__in=OPEN_STATUSES).order_by("start_date", "pk")


def provision_clock(user: Any, on: date) -> dict[str, list[dict[str, Any]]]:
    """Exclusions whose full-time provision is due (6th school day) and not yet in place.

    An exclusion counts when no placement linked to it has started by its due day. ``overdue``:
    the due day has passed; ``due``: it is today or later. LA users see permanent exclusions
    and suspensions from PRUs (the LA's duty, EA 1996 s19(3A)); schools see their own
    suspensions longer than 5 school days (EIA 2006 s100).
    """
    role = getattr(user, "role", "")
    exclusions = Exclusion.objects.for_user(user).select_related("learner", "school").filter(
        first_day__gte=on - timedelta(days=EXCLUSION_LOOKBACK_DAYS)).exclude(
        status=ExclusionStatus.REINSTATED)
    if role in LA_ROLES:
        exclusions = exclusions.filter(Q(category=ExclusionCategory.PERMANENT)
                                       | Q(school__kind=EstablishmentKind.PRU,
                                           school_days__gt=5))
    else:
        org = user.organisation
        exclusions = exclusions.filter(school_id=org.establishment_id if org else None,
                                       category=ExclusionCategory.SUSPENSION,
                                       school_days__gt=5)
    result: dict[str, list[dict[str, Any]]] = {"overdue": [], "due": []}
    started = set(Placement.objects.filter(
        exclusion__in=exclusions, status__in=[Status.ACTIVE, Status.ENDED]).values_list(
        "exclusion_id", flat=True))
    arranged = {p.exclusion_id: p for p in Placement.objects.for_user(user).filter(
        exclusion__in=exclusions, status__in=OPEN_STATUSES)}
    for x in exclusions:
        if x.pk in started:
            continue
        reason = (Reason.PERMANENT_EXCLUSION if x.category == ExclusionCategory.PERMANENT
                  else Reason.SUSPENSION)
        try:
            due = provision_due_by(reason=reason, exclusion=x)
        except ValidationError:
            continue  # no term dates: the directory page says so
        if due is None:
            continue
        row = {"exclusion": x, "due": due, "placement": arranged.get(x.pk)}
        result["overdue" if due < on else "due"].append(row)
    for rows in result.values():
        rows.sort(key=lambda r: r["due"])
    return result


def placement_counts(user: Any, on: date) -> dict[str, list[tuple[str, int]]]:
    """Active placements today by reason, tier and provider (for the dashboard charts)."""
    current = Placement.objects.for_user(user).current(on)
    by_reason = Counter(dict(current.order_by().values_list("reason").annotate(n=Count("pk"))))
    by_tier = Counter(dict(current.order_by().values_list("tier").annotate(n=Count("pk"))))
    by_provider = current.values_list("provider__name").annotate(n=Count("pk")).order_by(
        "-n", "provider__name")
    return {
        "reason": [(Reason(r).label, by_reason.get(r, 0)) for r in Reason.values],
        "tier": [(Tier(t).label, by_tier.get(t, 0)) for t in Tier.values],
        "provider": list(by_provider),
    }


def school_commissioned_recently(user: Any, on: date) -> QuerySet[Placement]:
    """Placements schools commissioned lately: the LA is told of each automatically."""
    since = on - timedelta(days=SCHOOL_COMMISSIONED_DAYS)
    return placements_for(user).filter(commissioner_kind="school",
                                       created_at__date__gte=since).order_by("-created_at")


# ---- providers ----------------------------------------------------------------------------
def provider_directory(user: Any, *, kind: str = "", la_only: bool = True
                       ) -> QuerySet[Establishment]:
    """The directory of settings (shared), with how many of the user's learners are there now."""
    qs = Establishment.objects.for_user(user).open().select_related("la")
    la_id = user_la_id(user)
    if la_only and la_id:
        qs = qs.filter(la_id=la_id)
    if kind:
        qs = qs.filter(kind=kind)
    visible_now = Placement.objects.for_user(user).current()
    return qs.annotate(learners_now=Count(
        "placements_provided", filter=Q(placements_provided__in=visible_now),
        distinct=True)).order_by("name")


def provider_get(*, user: Any, pk: int) -> Establishment:
    return Establishment.objects.for_user(user).select_related("la").get(pk=pk)


@dataclass
class RegistrationCheck:
    must_register: bool
    reason: str
    full_time: int


def registration_test(provider: Establishment, on: date) -> RegistrationCheck | None:
    """The registration test (Education and Skills Act 2008 s92) for a provider that is not a
    registered school, over every learner placed there now. Counts only, never names: the
    figures cover placements outside the user's scope too, since the duty is the provider's."""
    if provider.is_school:
        return None
    roster = [registration.LearnerAtProvider(
        hours_per_week=float(p.hours_per_week),
        compulsory_school_age=True,
        ehc_plan=p.learner.sen_provision == "E", looked_after=p.learner.looked_after,
        sen=p.learner.sen_provision in ("K", "E"))
        for p in Placement.objects.current(on).filter(provider=provider).select_related("learner")]
    result = registration.assess(roster, full_time_hours=settings.APTRACK["FULL_TIME_HOURS"],
                                 sen_widening=settings.APTRACK["SEN_WIDENING"])
    return RegistrationCheck(result.must_register, result.reason, result.full_time_count)


def providers_that_must_register(user: Any, on: date) -> list[tuple[Establishment, Any]]:
    """Unregistered providers in the user's LA that the registration test says must register."""
    out = []
    for provider in provider_directory(user).exclude(kind__in=list(SCHOOL_KINDS)):
        check = registration_test(provider, on)
        if check is not None and check.must_register:
            out.append((provider, check))
    return out


# ---- learners -----------------------------------------------------------------------------
def learner_timeline(user: Any, learner: Learner) -> list[dict[str, Any]]:
    """The learner's roll, exclusions and placements as dated events, newest first (only
    what the user may see: providers never see exclusions)."""
    events: list[dict[str, Any]] = []
    for e in Enrolment.objects.for_user(user).filter(learner=learner).select_related(
            "establishment"):
        events.append({"on": e.start_date, "kind": "roll",
                       "text": f"Joined the roll of {e.establishment} ({e.get_status_display()})"})
        if e.end_date:
            reason = f": {e.get_leaving_reason_display().lower()}" if e.leaving_reason else ""
            events.append({"on": e.end_date, "kind": "roll",
                           "text": f"Left the roll of {e.establishment}{reason}"})
    for x in Exclusion.objects.for_user(user).filter(learner=learner).select_related("school"):
        length = f" for {x.school_days.normalize():f} school days" if x.school_days else ""
        events.append({"on": x.first_day, "kind": "exclusion",
                       "text": f"{x.get_category_display()} from {x.school}{length} "
                               f"({x.get_status_display().lower()})"})
        if x.final_on:
            events.append({"on": x.final_on, "kind": "exclusion",
                           "text": f"Permanent exclusion from {x.school} became final"})
    for p in Placement.objects.for_user(user).filter(learner=learner).select_related("provider"):
        verb = {Status.REFERRED: "Referred to", Status.AGREED: "Placement agreed with",
                Status.CANCELLED: "Placement cancelled at"}.get(p.status, "Started at")
        events.append({"on": p.start_date, "kind": "placement", "placement": p,
                       "text": f"{verb} {p.provider} ({p.get_reason_display().lower()})"})
        if p.end_date:
            events.append({"on": p.end_date, "kind": "placement", "placement": p,
                           "text": f"Left {p.provider}: {p.get_end_reason_display().lower()}"})
    events.sort(key=lambda ev: ev["on"], reverse=True)
    return events


def learner_search(*, user: Any, q: str) -> QuerySet[Learner]:
    return learner_selectors.learner_list(user=user, search=q)


def commission_providers(user: Any) -> QuerySet[Establishment]:
    """Settings a learner may be placed with: open settings of the user's LA the rules know."""
    return provider_directory(user).exclude(kind=EstablishmentKind.OTHER)


def exclusions_for_reason(user: Any, learner: Learner, reason: str) -> QuerySet[Exclusion]:
    """The learner's exclusions that fit the reason (permanent, or suspensions), newest first."""
    categories = ([ExclusionCategory.PERMANENT] if reason == Reason.PERMANENT_EXCLUSION
                  else [ExclusionCategory.SUSPENSION, ExclusionCategory.LUNCHTIME])
    qs = Exclusion.objects.for_user(user).filter(learner=learner, category__in=categories)
    if getattr(user, "role", "") in SCHOOL_ROLES and user.organisation:
        qs = qs.filter(school_id=user.organisation.establishment_id)
    return qs.exclude(status=ExclusionStatus.REINSTATED).select_related("school").order_by(
        "-first_day")


def needs_summary(learner: Learner) -> list[str]:
    """What a provider must meet: the learner's needs in plain words."""
    out = [learner.get_sen_provision_display()]
    if learner.primary_need:
        out.append(f"primary need: {learner.get_primary_need_display()}")
    if learner.looked_after:
        out.append("looked after")
    return out
