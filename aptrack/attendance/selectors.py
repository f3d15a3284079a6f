"""Reading attendance: summaries, reconciliation between registers, watch lists, heatmaps.

Every function starts from the user's scope (``for_user``). Summaries are computed by
``aptrack.rules.attendance`` from counts by category.

Counting across settings: a learner's overall summary adds up the registers of the schools they
are registered at (a dual-registered learner's home school records D, which is not counted, so
the session counts once, at the provider), plus marks of non-school providers for sessions no
school register covers (at non-school AP the home school's K or B is the statutory entry and
the provider's own mark would count the session twice). Source: DfE school census guidance on
dual registration; School Attendance (Pupil Registration) (England) Regulations 2024.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from aptrack.directory.models import Establishment
from aptrack.learners.models import Learner
from aptrack.placements.models import Placement
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import clocks
from aptrack.rules.calendar import school_year_of

from .choices import PRESENT_CATEGORIES
from .models import Alert, AttendanceCount, AttendanceMark
from .whereabouts import (
    calendar_of,
    calendars_for,
    expected_at_provider,
    session_times,
)


def _marks(actor: Any) -> QuerySet[AttendanceMark]:
    """Marks the actor may see; ``None`` is the system itself (command line run on the server)."""
    return AttendanceMark.objects.all() if actor is None else AttendanceMark.objects.for_user(actor)


def mark_list(*, actor: Any) -> QuerySet[AttendanceMark]:
    return _marks(actor).select_related("setting")


def alert_list(*, actor: Any) -> QuerySet[Alert]:
    return Alert.objects.for_user(actor).select_related("learner", "setting", "placement")


def school_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 9, 1), date(year + 1, 8, 31)


def counted_marks(qs: QuerySet[AttendanceMark]) -> QuerySet[AttendanceMark]:
    """Marks that count towards a learner's overall summary (see the module docstring)."""
    at_school = AttendanceMark.objects.filter(
        learner_id=OuterRef("learner_id"), date=OuterRef("date"), session=OuterRef("session"),
        at_school=True)
    return qs.filter(Q(at_school=True) | ~Exists(at_school))


def _summary_of(counts: dict[str, int]) -> rules_attendance.Summary:
    return rules_attendance.Summary(**{c: counts.get(c, 0) for c in rules_attendance.CATEGORIES})


def attendance_summary(*, actor: Any, learner: Learner, start: date | None = None,
                       end: date | None = None,
                       setting: Establishment | None = None) -> rules_attendance.Summary:
    """The learner's summary over a period, at one setting or across their registers."""
    qs = _marks(actor).filter(learner=learner)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    qs = qs.filter(setting=setting) if setting is not None else counted_marks(qs)
    counts = dict(qs.values_list("category").annotate(n=Count("pk")).order_by())
    return _summary_of(counts)


def summaries_by_learner(marks: QuerySet[AttendanceMark],
                         counted: bool = True) -> dict[int, rules_attendance.Summary]:
    """Per-learner summaries of a set of marks in one grouped query."""
    if counted:
        marks = counted_marks(marks)
    rows = marks.values_list("learner_id", "category").annotate(n=Count("pk")).order_by()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for learner_id, category, n in rows:
        counts[learner_id][category] = n
    return {lid: _summary_of(c) for lid, c in counts.items()}


def year_summaries(*, actor: Any, year: int) -> dict[int, rules_attendance.Summary]:
    """Per-learner summaries of a whole school year across their registers, read from the
    counts kept by the attendance service (``counts.py``) instead of the marks.

    For LA and school users and the system (``actor`` None); equal to ``summaries_by_learner``
    over the year's marks in their scope. Provider staff see only their own register's marks,
    so their summaries come from the marks.
    """
    from aptrack.accounts.scopes import PROVIDER_ROLES, learner_ids

    if actor is not None and getattr(actor, "role", "") in PROVIDER_ROLES:
        start, end = school_year_bounds(year)
        return summaries_by_learner(_marks(actor).filter(date__range=(start, end)))
    qs = AttendanceCount.objects.filter(school_year=year, sessions__gt=0)
    ids = None if actor is None else learner_ids(actor)
    if ids is not None:
        qs = qs.filter(learner_id__in=ids)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for learner_id, category, n in qs.values_list("learner_id", "category", "sessions"):
        counts[learner_id][category] = n
    return {lid: _summary_of(c) for lid, c in counts.items()}


def marks_for_organisation(actor: Any, *, start: date, end: date,
                           setting: Establishment | None = None) -> QuerySet[AttendanceMark]:
    qs = _marks(actor).filter(date__range=(start, end))
    if setting is not None:
        qs = qs.filter(setting=setting)
    return qs


def attendance_totals(*, actor: Any, start: date, end: date,
                      setting: Establishment | None = None) -> rules_attendance.Summary:
    """One summary over every learner the actor may see (a school, a provider or an LA), or
    over one setting's register, for any period."""
    marks = marks_for_organisation(actor, start=start, end=end, setting=setting)
    if setting is None:
        marks = counted_marks(marks)
    counts = dict(marks.values_list("category").annotate(n=Count("pk")).order_by())
    return _summary_of(counts)


# ---- reconciliation --------------------------------------------------------------------------
@dataclass
class Mismatch:
    """A session the two registers disagree about, for the home school to resolve."""

    kind: str
    learner: Learner
    placement: Placement
    date: date
    session: str
    home_code: str | None
    provider_code: str | None

    @property
    def explanation(self) -> str:
        return MISMATCH_TEXT[self.kind]


MISMATCH_TEXT = {
    "home_d_provider_missing": "The school recorded the learner at the provider, but the "
    "provider has no mark for this session.",
    "home_d_provider_absent": "The school recorded the learner at the provider, but the "
    "provider recorded an absence.",
    "both_present": "Both registers record the learner present for the same session.",
    "provider_mark_when_expected_at_school": "The provider marked a session when the learner "
    "was expected at school.",
}


def mismatches(*, actor: Any, school: Establishment, start: date, end: date,
               now: Any = None) -> list[Mismatch]:
    """Sessions where the home school's and the provider's registers disagree.

    Cases: the school says D (or K/B) but the provider has no mark (after its register closed)
    or an absence; both claim presence; the provider marked a session the learner was expected
    at school.
    """
    now = timezone.localtime(now or timezone.now())
    placements = list(Placement.objects.for_user(actor).filter(  # type: ignore[attr-defined]
        home_school=school, remains_on_roll=True, status__in=("active", "ended"),
        start_date__lte=end).filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("learner", "provider"))
    if not placements:
        return []
    learner_ids = {p.learner_id for p in placements}
    settings_ids = {school.pk} | {p.provider_id for p in placements}
    marks = AttendanceMark.objects.filter(learner_id__in=learner_ids, setting_id__in=settings_ids,
                                          date__range=(start, end))
    by_key = {(m.learner_id, m.setting_id, m.date, m.session): m for m in marks}
    found: list[Mismatch] = []
    for p in placements:
        cal = calendar_of(school)
        days = cal.school_days(max(start, p.start_date), min(end, p.end_date or end)) if cal else []
        for day in days:
            for session in ("AM", "PM"):
                home = by_key.get((p.learner_id, school.pk, day, session))
                prov = by_key.get((p.learner_id, p.provider_id, day, session))
                closed = session_times(day, session)[1] <= now
                at_provider = expected_at_provider(p, day, session)
                home_cat = home.category if home else None
                prov_cat = prov.category if prov else None
                kind = None
                if home and home.code in ("D", "K", "B") and at_provider:
                    if prov is None and closed:
                        kind = "home_d_provider_missing"
                    elif prov_cat in ("authorised", "unauthorised"):
                        kind = "home_d_provider_absent"
                if (kind is None and home_cat in PRESENT_CATEGORIES
                        and prov_cat in PRESENT_CATEGORIES):
                    kind = "both_present"
                if kind is None and prov is not None and not at_provider:
                    kind = "provider_mark_when_expected_at_school"
                if kind:
                    found.append(Mismatch(kind, p.learner, p, day, session,
                                          home.code if home else None,
                                          prov.code if prov else None))
    found.sort(key=lambda m: (m.date, m.session, m.learner.family_name))
    return found


# ---- watch lists -----------------------------------------------------------------------------
@dataclass
class WatchEntry:
    learner: Learner
    detail: str
    since: date | None = None
    summary: rules_attendance.Summary | None = None
    setting: Establishment | None = None


@dataclass
class WatchLists:
    """The returns a school, provider or LA works from (DfE "Working together", 2024)."""

    persistent: list[WatchEntry] = field(default_factory=list)
    severe: list[WatchEntry] = field(default_factory=list)
    unauthorised_run: list[WatchEntry] = field(default_factory=list)
    illness: list[WatchEntry] = field(default_factory=list)
    n_codes: list[WatchEntry] = field(default_factory=list)
    e_codes: list[WatchEntry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in
                ("persistent", "severe", "unauthorised_run", "illness", "n_codes", "e_codes")}


def watch_lists(*, actor: Any, year: int | None = None, setting: Establishment | None = None,
                today: date | None = None) -> WatchLists:
    """Persistent (>= 10%) and severe (>= 50%) absence, 10 continuous school days unauthorised,
    illness reaching or expected to reach 15 school days (the LA's health duty), N codes not
    replaced within 5 school days, and E codes beyond the 5th day (provision overdue).
    """
    conf = settings.ATTENDANCE
    today = today or timezone.localdate()
    year = year or school_year_of(today)
    start, end = school_year_bounds(year)
    end = min(end, today)
    marks = marks_for_organisation(actor, start=start, end=end, setting=setting)
    out = WatchLists()
    if setting is None and today >= timezone.localdate():
        # The whole year so far, across registers: from the kept counts (no marks are dated
        # after today, the service refuses them).
        summaries = year_summaries(actor=actor, year=year)
    else:
        summaries = summaries_by_learner(marks, counted=setting is None)
    learners = Learner.objects.in_bulk(list(summaries))
    for lid, summary in summaries.items():
        entry = WatchEntry(learners[lid], f"{summary.absence_rate or 0:.0%} absence", None,
                           summary, setting)
        if summary.severe_absence:
            out.severe.append(entry)
        elif summary.persistent_absence:
            out.persistent.append(entry)

    day_rows = marks.filter(category__in=("unauthorised", "authorised")).values_list(
        "learner_id", "setting_id", "date", "session", "code", "category")
    by_learner_setting: dict[tuple[int, int], dict[date, list[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(list))
    for lid, sid, day, _session, code, category in day_rows:
        by_learner_setting[(lid, sid)][day].append((code, category))
    all_sessions = {(r["learner_id"], r["setting_id"], r["date"]): r["n"] for r in marks.filter(
        learner_id__in={k[0] for k in by_learner_setting}).values(
        "learner_id", "setting_id", "date").annotate(n=Count("pk")).order_by()}
    establishments = Establishment.objects.in_bulk({k[1] for k in by_learner_setting})
    calendars = calendars_for(list(establishments.values()))
    extra = Learner.objects.in_bulk({k[0] for k in by_learner_setting} - set(learners))
    learners.update(extra)
    for (lid, sid), days in by_learner_setting.items():
        cal = calendars.get(sid)
        if cal is None:
            continue
        est = establishments[sid]
        whole_unauth = [d for d, codes in days.items()
                        if all(c[1] == "unauthorised" for c in codes)
                        and len(codes) == all_sessions.get((lid, sid, d), 0)]
        run_end = clocks.unauthorised_absence_return_due(
            unauthorised_days=whole_unauth, calendar=cal,
            school_days=conf["UNAUTHORISED_RUN_DAYS"])
        if run_end:
            out.unauthorised_run.append(WatchEntry(
                learners[lid], f"{conf['UNAUTHORISED_RUN_DAYS']} continuous school days of "
                f"unauthorised absence by {run_end:%d %B %Y}", run_end, None, est))
        illness_days = sorted(d for d, codes in days.items() if any(c[0] == "I" for c in codes))
        if illness_days:
            trigger = clocks.health_trigger(illness_days=illness_days, calendar=cal,
                                            threshold=conf["ILLNESS_DAYS"])
            n = len(illness_days)
            latest = illness_days[-1]
            try:
                ongoing = latest >= cal.school_days_before(today, 1)
            except ValueError:
                ongoing = False
            if trigger:
                out.illness.append(WatchEntry(learners[lid], f"{n} school days of illness: the "
                                              f"15th was {trigger:%d %B %Y}", trigger, None, est))
            elif ongoing and n >= conf["ILLNESS_DAYS"] // 2:
                out.illness.append(WatchEntry(learners[lid], f"{n} school days of illness so "
                                              "far and still ill: expected to reach 15", latest,
                                              None, est))
        for d, codes in sorted(days.items()):
            if any(c[0] == "N" for c in codes):
                try:
                    due = clocks.n_code_follow_up_by(marked_on=d, calendar=cal,
                                                     school_days=conf["N_CODE_DAYS"])
                except ValueError:
                    continue
                if due < today:
                    out.n_codes.append(WatchEntry(learners[lid], f"N on {d:%d %B %Y} not "
                                                  f"replaced by {due:%d %B %Y}", d, None, est))
        e_days = sorted(d for d, codes in days.items() if any(c[0] == "E" for c in codes))
        run: list[date] = []
        for d in e_days:
            if run and cal.count_school_days(run[-1], d) != 2:
                run = []
            run.append(d)
            if len(run) == 6:
                out.e_codes.append(WatchEntry(
                    learners[lid], f"Excluded with no provision beyond the 5th school day "
                    f"(6th day {d:%d %B %Y}): full-time provision is overdue", d, None, est))
    for lst in (out.persistent, out.severe):
        lst.sort(key=lambda e: -(e.summary.absence_rate or 0) if e.summary else 0)
    return out


# ---- heatmap ---------------------------------------------------------------------------------
@dataclass
class HeatmapDay:
    date: date
    am: AttendanceMark | None
    pm: AttendanceMark | None


@dataclass
class HeatmapWeek:
    monday: date
    days: list[HeatmapDay]


def heatmap(*, actor: Any, learner: Learner, start: date | None = None,
            end: date | None = None) -> list[HeatmapWeek]:
    """Weeks of AM/PM marks (counted marks, one per session) for the learner page's picture."""
    end = end or timezone.localdate()
    start = start or max(end - timedelta(weeks=12), date(school_year_of(end), 9, 1))
    start -= timedelta(days=start.weekday())
    marks = counted_marks(_marks(actor).filter(
        learner=learner, date__range=(start, end))).select_related("setting")
    by_key: dict[tuple[date, str], AttendanceMark] = {}
    for m in marks:
        # Where two registers hold the session (D at the home school, the mark at the PRU),
        # show the one that counts.
        held = by_key.get((m.date, m.session))
        if held is None or held.category == "not_counted":
            by_key[(m.date, m.session)] = m
    weeks: list[HeatmapWeek] = []
    monday = start
    while monday <= end:
        days = [HeatmapDay(d, by_key.get((d, "AM")), by_key.get((d, "PM")))
                for d in (monday + timedelta(days=i) for i in range(5))]
        weeks.append(HeatmapWeek(monday, days))
        monday += timedelta(days=7)
    return weeks


def unmarked_sessions(*, setting: Establishment, now: Any = None) -> list[tuple[date, str, int]]:
    """Closed sessions today and the last school days where expected learners have no mark."""
    from .whereabouts import register_rows

    now = timezone.localtime(now or timezone.now())
    cal = calendar_of(setting)
    if cal is None:
        return []
    days = cal.school_days(now.date() - timedelta(days=7), now.date())
    out = []
    for d in days:
        for session in ("AM", "PM"):
            if session_times(d, session)[1] > now:
                continue
            missing = sum(1 for r in register_rows(setting, d, session)
                          if r.expected_here and r.mark is None)
            if missing:
                out.append((d, session, missing))
    return out


# ---- today, for the dashboards -------------------------------------------------------------
@dataclass
class NotWhereExpected:
    learner: Learner
    placement: Placement
    session: str
    code: str | None


def arrivals(placements: list[Placement], on: date) -> dict[int, bool | None]:
    """For each placement: True if the learner was marked present or on an approved activity at
    the provider today, False if marked absent, None if not marked yet."""
    if not placements:
        return {}
    marks = AttendanceMark.objects.filter(
        date=on, learner_id__in={p.learner_id for p in placements},
        setting_id__in={p.provider_id for p in placements}).values_list(
        "learner_id", "setting_id", "category")
    state: dict[tuple[int, int], bool] = {}
    for learner_id, setting_id, category in marks:
        here = category in ("present", "approved_activity")
        state[(learner_id, setting_id)] = state.get((learner_id, setting_id), False) or here
    return {p.pk: state.get((p.learner_id, p.provider_id)) for p in placements}


def today_overview(*, actor: Any, now: Any = None) -> dict[str, Any]:
    """What attendance needs today: learners not where expected (absent, or unmarked after the
    register closed), open alerts, persistent and severe absence this school year."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    placements = list(Placement.objects.for_user(actor).current(today)  # type: ignore[attr-defined]
                      .select_related("learner", "provider"))
    marks = {(m.learner_id, m.setting_id, m.session): m for m in AttendanceMark.objects.filter(
        date=today, learner_id__in={p.learner_id for p in placements})}
    missing: list[NotWhereExpected] = []
    calendars = calendars_for(list({p.provider_id: p.provider for p in placements}.values()))
    for p in placements:
        cal = calendars[p.provider_id]
        if cal is None or not cal.is_school_day(today):
            continue
        for session in ("AM", "PM"):
            if not expected_at_provider(p, today, session) or session_times(today,
                                                                             session)[1] > now:
                continue
            mark = marks.get((p.learner_id, p.provider_id, session))
            if mark is None or mark.category in ("authorised", "unauthorised"):
                missing.append(NotWhereExpected(p.learner, p, session,
                                                mark.code if mark else None))
    persistent, severe = absence_counts(actor=actor, today=today)
    return {"not_where_expected": missing,
            "open_alerts": alert_list(actor=actor).open().count(),
            "persistent": persistent, "severe": severe}


def absence_counts(*, actor: Any, today: date) -> tuple[int, int]:
    """How many learners in scope are persistently (>= 10%, not severe) and severely (>= 50%)
    absent this school year so far: the counts of ``watch_lists`` without its day-by-day
    checks (the dashboards need only these two numbers)."""
    year = school_year_of(today)
    if today >= timezone.localdate():
        summaries = year_summaries(actor=actor, year=year)
    else:
        start, _ = school_year_bounds(year)
        summaries = summaries_by_learner(marks_for_organisation(actor, start=start, end=today))
    severe = sum(1 for s in summaries.values() if s.severe_absence)
    persistent = sum(1 for s in summaries.values()
                     if s.persistent_absence and not s.severe_absence)
    return persistent, severe
