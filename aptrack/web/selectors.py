"""Reads behind the pages. Every personal-data query starts from the user's scope
(``for_user``, aptrack/accounts/scopes.py); the directory is shared by every signed-in user."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from aptrack.accounts.scopes import LA_ROLES, SCHOOL_ROLES
from aptrack.directory.choices import SCHOOL_KINDS, EstablishmentKind
from aptrack.directory.models import Establishment
from aptrack.learners import selectors as learner_selectors
from aptrack.learners.choices import ExclusionCategory, ExclusionStatus
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.choices import SESSION_SLOTS, Reason, Status, Tier
from aptrack.placements.models import Placement
from aptrack.rules import clocks, registration

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

    The excluding schools' calendars and the suspensions that may join up are read once for
    every exclusion (a fixed number of queries however many learners and schools), and the day
    is counted as ``aptrack.placements.services.provision_due_by`` counts it.
    """
    from aptrack.attendance.whereabouts import calendars_for

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
        exclusion__in=exclusions, status__in=OPEN_STATUSES).select_related("provider")}
    waiting = [x for x in exclusions if x.pk not in started]
    calendars = calendars_for(list({x.school_id: x.school for x in waiting}.values()))
    nearby = _suspensions_near([x for x in waiting
                                if x.category != ExclusionCategory.PERMANENT])
    for x in waiting:
        cal = calendars.get(x.school_id)
        if cal is None or not cal.terms:
            continue  # no term dates: the directory page says so
        try:
            due = _provision_due(x, cal, nearby.get((x.learner_id, x.school_id), []))
        except ValueError:
            continue  # the calendar ends before the 6th school day
        if due is None:
            continue
        row = {"exclusion": x, "due": due, "placement": arranged.get(x.pk)}
        result["overdue" if due < on else "due"].append(row)
    for rows in result.values():
        rows.sort(key=lambda r: r["due"])
    return result


#: Suspensions this many days apart may be back to back (as learners.selectors reads them).
_JOIN_WINDOW = timedelta(days=120)


def _suspensions_near(suspensions: list[Exclusion]) -> dict[tuple[int, int], list[Exclusion]]:
    """Every suspension (and lunchtime exclusion) of these learners at these schools near
    their dates, by (learner, school), in one query."""
    if not suspensions:
        return {}
    found: dict[tuple[int, int], list[Exclusion]] = {}
    for s in Exclusion.objects.filter(
            learner_id__in={x.learner_id for x in suspensions},
            school_id__in={x.school_id for x in suspensions},
            category__in=[ExclusionCategory.SUSPENSION, ExclusionCategory.LUNCHTIME],
            first_day__gte=min(x.first_day for x in suspensions) - _JOIN_WINDOW,
            first_day__lte=max(x.first_day for x in suspensions) + _JOIN_WINDOW):
        found.setdefault((s.learner_id, s.school_id), []).append(s)
    return found


def _provision_due(x: Exclusion, cal: Any, nearby: list[Exclusion]) -> date | None:
    """``provision_due_by`` for an exclusion, on a calendar and with the learner's nearby
    suspensions already read: back-to-back suspensions join into one period (2007 Regs reg 4
    as amended; ``learners.selectors.suspension_period``)."""
    if x.category == ExclusionCategory.PERMANENT:
        return clocks.provision_due(reason="permanent_exclusion", first_day=x.first_day,
                                    calendar=cal)
    periods = [(s.first_day, cal.nth_school_day(s.first_day, int(-(-s.school_days // 1))))
               for s in nearby if abs(s.first_day - x.first_day) <= _JOIN_WINDOW]
    for first, last, days in clocks.join_suspensions(periods=periods, calendar=cal):
        if first <= x.first_day <= last:
            return clocks.provision_due(reason="suspension", first_day=first,
                                        calendar=cal, school_days_excluded=days)
    return None


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


def registration_test(provider: Establishment, on: date,
                      current: list[Placement] | None = None) -> RegistrationCheck | None:
    """The registration test (Education and Skills Act 2008 s92) for a provider that is not a
    registered school, over every learner placed there now (``current``, when already read).
    Counts only, never names: the figures cover placements outside the user's scope too, since
    the duty is the provider's."""
    if provider.is_school:
        return None
    if current is None:
        current = list(Placement.objects.current(on).filter(provider=provider)
                       .select_related("learner"))
    roster = [registration.LearnerAtProvider(
        hours_per_week=float(p.hours_per_week),
        compulsory_school_age=True,
        ehc_plan=p.learner.sen_provision == "E", looked_after=p.learner.looked_after,
        sen=p.learner.sen_provision in ("K", "E"))
        for p in current]
    result = registration.assess(roster, full_time_hours=settings.APTRACK["FULL_TIME_HOURS"],
                                 sen_widening=settings.APTRACK["SEN_WIDENING"])
    return RegistrationCheck(result.must_register, result.reason, result.full_time_count)


def providers_that_must_register(user: Any, on: date) -> list[tuple[Establishment, Any]]:
    """Unregistered providers in the user's LA that the registration test says must register
    (every provider's learners read in one query)."""
    candidates = list(provider_directory(user).exclude(kind__in=list(SCHOOL_KINDS)))
    current: dict[int, list[Placement]] = {e.pk: [] for e in candidates}
    for p in Placement.objects.current(on).filter(provider__in=candidates).select_related(
            "learner"):
        current[p.provider_id].append(p)
    out = []
    for provider in candidates:
        check = registration_test(provider, on, current[provider.pk])
        if check is not None and check.must_register:
            out.append((provider, check))
    return out


# ---- placement quality (the quality app's records, through their own scope) ----------------
@dataclass
class CheckProblem:
    """A check of a provider by the user's organisation that is expired or not satisfactory."""

    label: str
    state: str
    check: Any


def providers_with_check_problems(user: Any, on: date
                                  ) -> list[tuple[Establishment, list[CheckProblem]]]:
    """Providers whose latest check of some kind by the user's own organisation (the
    commissioner, ``quality.selectors.commissioner_of``) has expired or was not satisfactory,
    read in a fixed number of queries: the checks the user may see
    (``ProviderCheck.objects.for_user``), latest of each kind, as ``quality.gate`` reads them."""
    from aptrack.quality import logic
    from aptrack.quality import selectors as quality
    from aptrack.quality.choices import CheckKind, CheckState
    from aptrack.quality.models import ProviderCheck

    commissioner = quality.commissioner_of(user)
    if not commissioner:
        return []
    latest: dict[tuple[int, str], Any] = {}
    for check in (ProviderCheck.objects.for_user(user).filter(**commissioner)
                  .filter(provider__in=quality.providers(user=user).values("pk"))
                  .select_related("provider").order_by("provider_id", "kind", "-checked_on",
                                                       "-pk")):
        latest.setdefault((check.provider_id, check.kind), check)
    found: dict[int, tuple[Establishment, list[CheckProblem]]] = {}
    for (provider_id, kind), check in latest.items():
        state = logic.check_state(outcome=check.outcome, expires_on=check.expires_on, on=on,
                                  reminder_days=0)
        if state in ("expired", "not_met"):
            found.setdefault(provider_id, (check.provider, []))[1].append(
                CheckProblem(CheckKind(kind).label, CheckState(state).label, check))
    return sorted(found.values(), key=lambda row: row[0].name)


def reviews_due(user: Any, on: date) -> list[Any]:
    """``quality.selectors.reviews_due`` (the same rows: active placements in scope with the day
    their next review is due, overdue first, within the "due soon" window), with every
    commissioner's half terms read at once so the dashboard's queries do not grow with the
    number of commissioning schools."""
    from django.db.models import Max

    from aptrack.directory.models import SchoolCalendar, Term
    from aptrack.quality.models import PlacementReview
    from aptrack.quality.selectors import ReviewDue

    window = on + timedelta(days=settings.QUALITY["REVIEW_DUE_SOON_DAYS"])
    placements = list(Placement.objects.for_user(user).filter(status=Status.ACTIVE)
                      .annotate(last_review=Max("reviews__held_on"))
                      .select_related("learner", "provider", "commissioning_la",
                                      "commissioning_establishment"))
    next_set = dict(PlacementReview.objects.filter(placement__in=[p.pk for p in placements])
                    .order_by("placement_id", "held_on", "pk")
                    .values_list("placement_id", "next_review_on"))
    # The commissioner's calendar: the commissioning school's own, else its LA's default;
    # else the commissioning LA's default (quality.services.commissioner_calendar).
    las = {p.commissioning_establishment.la_id if p.commissioning_establishment_id
           else p.commissioning_la_id for p in placements}
    defaults: dict[int, int] = {}
    for cal_id, la_id in (SchoolCalendar.objects.filter(la_id__in=las - {None},
                                                         establishment__isnull=True)
                          .order_by("-pk").values_list("pk", "la_id")):
        defaults[la_id] = cal_id  # the lowest pk wins, as LocalAuthority.default_calendar()

    def calendar_id(p: Placement) -> int | None:
        if p.commissioning_establishment_id:
            e = p.commissioning_establishment
            return e.calendar_id or defaults.get(e.la_id)
        la_id = p.commissioning_la_id
        return defaults.get(la_id) if la_id is not None else None

    chosen = {p.pk: calendar_id(p) for p in placements}
    terms: dict[int, list[tuple[date, date]]] = {}
    for cal_id, start, end in Term.objects.filter(
            calendar_id__in={c for c in chosen.values() if c}).values_list(
            "calendar_id", "start", "end"):
        terms.setdefault(cal_id, []).append((start, end))
    rows = []
    for p in placements:
        due = next_set.get(p.pk)
        if due is None:
            since = p.last_review or p.start_date
            cal_id = chosen[p.pk]
            half_terms = terms.get(cal_id, []) if cal_id is not None else []
            due = (clocks.review_due(since=since, half_term_ends=[e for _, e in half_terms],
                                     half_term_starts=[s for s, _ in half_terms],
                                     after_review=p.last_review is not None)
                   or clocks.next_review_due(since=since))
        if due <= window:
            rows.append(ReviewDue(p, p.last_review, due, due < on))
    return sorted(rows, key=lambda r: r.due)


#: How many liaison records and reviews the learner page shows (the quality pages show all).
LATEST = 3


def learner_quality(user: Any, learner: Learner) -> dict[str, Any]:
    """The learner's latest liaison records and placement reviews the user may read
    (``quality.selectors.liaison_for_learner``: safeguarding notes only to the DSL roles of the
    organisations involved and their writer; reviews of placements in the user's scope), with
    how many there are in all."""
    from aptrack.quality import selectors as quality
    from aptrack.quality.models import PlacementReview

    liaison = quality.liaison_for_learner(user=user, learner_id=learner.pk)
    reviews = PlacementReview.objects.for_user(user).filter(placement__learner=learner)
    return {
        "liaison": list(liaison.order_by("-occurred_on", "-recorded_at", "-pk")[:LATEST]),
        "liaison_count": liaison.count(),
        "reviews": list(reviews.select_related("placement__provider", "recorded_by")
                        .order_by("-held_on", "-pk")[:LATEST]),
        "reviews_count": reviews.count(),
    }


def placement_quality(user: Any, placement: Placement) -> dict[str, Any]:
    """A summary of the placement's agreement, reviews, liaison records and outcome, each read
    through the quality app's own scope (a fixed number of queries)."""
    from aptrack.quality import selectors as quality
    from aptrack.quality import services as quality_services
    from aptrack.quality.models import (
        AgreementObjective,
        PlacementAgreement,
        PlacementOutcome,
        PlacementReview,
    )

    agreement = PlacementAgreement.objects.for_user(user).filter(placement=placement).first()
    reviews = list(PlacementReview.objects.for_user(user).filter(placement=placement)
                   .order_by("-held_on", "-pk"))
    liaison = quality.liaison_for_learner(user=user, learner_id=placement.learner_id).filter(
        placement=placement)
    next_review = None
    if placement.status == "active":
        last = reviews[0] if reviews else None
        next_review = (last.next_review_on if last is not None and last.next_review_on else
                       quality_services.next_review_due(
                           placement, last.held_on if last else placement.start_date,
                           after_review=last is not None))
    return {
        "agreement": agreement,
        "objectives": (AgreementObjective.objects.for_user(user).filter(agreement=agreement)
                       .count() if agreement else 0),
        "reviews": reviews[:LATEST], "reviews_count": len(reviews),
        "next_review": next_review,
        "liaison": list(liaison.order_by("-occurred_on", "-recorded_at", "-pk")[:LATEST]),
        "liaison_count": liaison.count(),
        "outcome": PlacementOutcome.objects.for_user(user).filter(placement=placement)
        .select_related("destination_establishment").first(),
    }


def provider_quality(user: Any, provider: Establishment, on: date) -> dict[str, Any] | None:
    """The user's organisation's checklist of the provider (``quality.selectors.checklist``)
    and the LA's current status decision; None where the quality pages do not cover the
    provider for this user (mainstream schools, another provider's page)."""
    from aptrack.quality import gate
    from aptrack.quality import selectors as quality

    if not quality.providers(user=user).filter(pk=provider.pk).exists():
        return None
    commissioner = quality.commissioner_of(user)
    la = provider.la
    if commissioner:
        la = commissioner.get("commissioning_la") or getattr(
            commissioner.get("commissioning_establishment"), "la", None) or la
    return {
        "checklist": quality.checklist(user=user, provider=provider, commissioner=commissioner,
                                       on=on) if commissioner else None,
        "status": gate.current_status(provider=provider, la=la),
        "status_la": la,
    }


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
