"""Where each learner is expected, session by session, and what each register should record.

A placement's weekly pattern (10 slots, Monday AM to Friday PM) says when the learner is at the
provider; in the other sessions a learner who stays on the school roll is expected at the home
school (the time split between a PRU and the mainstream school that dual registration describes).
The home school's code for sessions at the provider comes from the rules engine when the
placement was commissioned (``Placement.home_school_code``: D, K or B; DOMAIN.md section 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from aptrack.directory.models import Establishment
from aptrack.placements.models import Placement
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import calendar as rules_calendar

LIVE_STATUSES = ("active", "ended")


def slot_index(d: date, session: str) -> int | None:
    """Position of a session in the weekly pattern (Mon AM = 0 ... Fri PM = 9); None at weekends."""
    if d.weekday() > 4:
        return None
    return d.weekday() * 2 + (0 if session == "AM" else 1)


def placement_covers(placement: Placement, d: date) -> bool:
    """The placement had started and not ended on ``d``."""
    return (placement.status in LIVE_STATUSES and placement.start_date <= d
            and (placement.end_date is None or d <= placement.end_date))


def expected_at_provider(placement: Placement, d: date, session: str) -> bool:
    """The learner is expected at the provider that session (placement live, slot in pattern)."""
    slot = slot_index(d, session)
    return (slot is not None and placement_covers(placement, d)
            and placement.sessions_pattern[slot] == "1")


def live_placements_on(d: date) -> Q:
    return (Q(status__in=LIVE_STATUSES, start_date__lte=d)
            & (Q(end_date__isnull=True) | Q(end_date__gte=d)))


def home_code_for(placement: Placement, provider_code: str | None) -> str | None:
    """The home school's mark for a session the learner is expected at the provider.

    Dual registration: D whatever the provider records (the provider's register counts the
    session). Non-school AP (K or B): the placement's code, replaced by the provider's absence
    code when the provider reports an absence. None when the learner is off the school roll.
    """
    code = placement.home_school_code
    if not placement.remains_on_roll or not placement.home_school_id or not code:
        return None
    if code == "D":
        return "D"
    if provider_code and rules_attendance.CATEGORY.get(provider_code) in ("authorised",
                                                                          "unauthorised"):
        return provider_code
    return code


@lru_cache(maxsize=512)
def _calendar_cached(calendar_id: int, stamp: str) -> rules_calendar.SchoolCalendar:
    from aptrack.directory.models import SchoolCalendar

    return SchoolCalendar.objects.get(pk=calendar_id).rules


def calendar_of(setting: Establishment) -> rules_calendar.SchoolCalendar | None:
    """The setting's school calendar as a rules calendar (its own, else its LA's default)."""
    cal = setting.school_calendar()
    if cal is None:
        return None
    # Re-read when terms or closures change: the stamp is their count and latest change.
    stamp = f"{cal.terms.count()}:{cal.closures.count()}:" + ",".join(
        f"{t.start}-{t.end}" for t in cal.terms.all())
    return _calendar_cached(cal.pk, stamp)


def calendars_for(
        settings_: list[Establishment]) -> dict[int, rules_calendar.SchoolCalendar | None]:
    """The rules calendar of each setting, in a fixed number of queries however many settings."""
    from aptrack.directory.models import Closure, SchoolCalendar, Term

    need_default = {e.la_id for e in settings_ if not e.calendar_id}
    defaults: dict[int, int] = {}
    for cal_id, la_id in (SchoolCalendar.objects.filter(la_id__in=need_default,
                                                         establishment__isnull=True)
                          .order_by("-pk").values_list("pk", "la_id")):
        defaults[la_id] = cal_id  # ascending pk wins, as LocalAuthority.default_calendar()
    chosen = {e.pk: e.calendar_id or defaults.get(e.la_id) for e in settings_}
    ids = {c for c in chosen.values() if c}
    terms: dict[int, list[tuple[date, date]]] = {c: [] for c in ids}
    for cal_id, start, end in Term.objects.filter(calendar_id__in=ids).values_list(
            "calendar_id", "start", "end"):
        terms[cal_id].append((start, end))
    closures: dict[int, list[date]] = {c: [] for c in ids}
    for cal_id, day in Closure.objects.filter(calendar_id__in=ids).values_list("calendar_id",
                                                                              "date"):
        closures[cal_id].append(day)
    holidays = dict(SchoolCalendar.objects.filter(pk__in=ids).values_list("pk",
                                                                          "bank_holidays"))
    built = {c: rules_calendar.SchoolCalendar(terms=terms[c], closures=closures[c],
                                              bank_holidays=holidays[c]) for c in ids}
    return {pk: built.get(c) if c else None for pk, c in chosen.items()}


def session_times(d: date, session: str) -> tuple[datetime, datetime]:
    """When the session's register opens and when it closes (settings.ATTENDANCE)."""
    conf = settings.ATTENDANCE
    hh, mm = (int(x) for x in conf["AM_START" if session == "AM" else "PM_START"].split(":"))
    opens = timezone.make_aware(datetime.combine(d, time(hh, mm)))
    return opens, opens + timedelta(minutes=conf["CLOSE_AFTER_MINUTES"])


def current_session(now: datetime | None = None) -> tuple[date, str]:
    """The school day and session a register page opens on by default."""
    now = timezone.localtime(now or timezone.now())
    pm_open, _ = session_times(now.date(), "PM")
    return now.date(), "PM" if now >= pm_open else "AM"


@dataclass
class RegisterRow:
    """One learner on a register: where they are expected and what is recorded."""

    learner: Any
    placement: Placement | None
    expected_here: bool
    expected_at: Establishment | None
    proposed_code: str | None
    mark: Any = None
    provider_mark: Any = None


def provider_placements(setting: Establishment, d: date) -> QuerySet[Placement]:
    return (Placement.objects.filter(live_placements_on(d), provider=setting)
            .select_related("learner", "home_school", "provider"))


def home_placements(setting: Establishment, d: date) -> QuerySet[Placement]:
    return (Placement.objects.filter(live_placements_on(d), home_school=setting,
                                     remains_on_roll=True)
            .exclude(provider=setting).select_related("learner", "home_school", "provider"))


def register_rows(setting: Establishment, d: date, session: str) -> list[RegisterRow]:
    """The learners this setting's register lists for a session.

    A provider lists the learners its placements expect that session. A home school lists its
    pupils in AP: those expected back at school that session (to mark), and those at the
    provider, with the code its register records (D, K or B, or the provider's absence code).
    """
    from .models import AttendanceMark

    rows: list[RegisterRow] = []
    for p in provider_placements(setting, d):
        if expected_at_provider(p, d, session):
            rows.append(RegisterRow(p.learner, p, True, setting, None))
    seen = {r.learner.pk for r in rows}
    for p in home_placements(setting, d):
        if p.learner_id in seen:
            continue
        seen.add(p.learner_id)
        at_provider = expected_at_provider(p, d, session)
        rows.append(RegisterRow(p.learner, p, not at_provider,
                                p.provider if at_provider else setting, None))
    marks = AttendanceMark.objects.filter(date=d, session=session,
                                          learner_id__in=[r.learner.pk for r in rows])
    by_key = {(m.learner_id, m.setting_id): m for m in marks}
    for row in rows:
        row.mark = by_key.get((row.learner.pk, setting.pk))
        if row.placement is not None and row.placement.provider_id != setting.pk:
            row.provider_mark = by_key.get((row.learner.pk, row.placement.provider_id))
            if not row.expected_here:
                row.proposed_code = home_code_for(
                    row.placement, row.provider_mark.code if row.provider_mark else None)
    rows.sort(key=lambda r: (not r.expected_here, r.learner.family_name, r.learner.given_name))
    return rows
