"""Pure rules of the quality app: no Django, no I/O, no clock (dates are passed in).

Kept beside the app (``aptrack/rules`` belongs to the foundation); each function cites its
source and takes what the law leaves open as an argument.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta

#: The prescribed days on which a child begins to be of compulsory school age: the first of
#: them on or after the 5th birthday. Education (Start of Compulsory School Age) Order 1998
#: (SI 1998/1607) [law].
_PRESCRIBED = ((3, 31), (8, 31), (12, 31))


def add_months(d: date, months: int) -> date:
    """``d`` plus whole calendar months, clamped to the month's last day (31 Aug + 6 = 28 Feb)."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def _birthday(dob: date, years: int) -> date:
    try:
        return dob.replace(year=dob.year + years)
    except ValueError:  # 29 February: the birthday is 1 March in common years
        return date(dob.year + years, 3, 1)


def csa_start(dob: date) -> date:
    """The day a child begins to be of compulsory school age: the prescribed day (31 March,
    31 August or 31 December) on or after their 5th birthday (EA 1996 s8(2); SI 1998/1607)."""
    fifth = _birthday(dob, 5)
    for year in (fifth.year, fifth.year + 1):
        for month, day in _PRESCRIBED:
            if date(year, month, day) >= fifth:
                return date(year, month, day)
    raise AssertionError("a prescribed day always follows within a year")


def csa_end(dob: date) -> date:
    """The school leaving date: the last Friday in June of the school year (1 September to
    31 August) in which the child turns 16 (EA 1996 s8(3); Education (School Leaving Date)
    Order 1997, SI 1997/1970) [law]."""
    sixteenth = _birthday(dob, 16)
    year = sixteenth.year + 1 if sixteenth.month >= 9 else sixteenth.year
    last = date(year, 6, 30)
    return last - timedelta(days=(last.weekday() - 4) % 7)


def compulsory_school_age(dob: date, on: date) -> bool:
    """True when a child born on ``dob`` is of compulsory school age on ``on``."""
    return csa_start(dob) <= on <= csa_end(dob)


def check_state(*, outcome: str | None, expires_on: date | None, on: date,
                reminder_days: int) -> str:
    """The state of a check on ``on``: missing, not_met, expired, expiring (within
    ``reminder_days``) or valid. A check is valid up to and including its expiry date."""
    if outcome is None:
        return "missing"
    if outcome == "not_met":
        return "not_met"
    if expires_on is not None and expires_on < on:
        return "expired"
    if expires_on is not None and expires_on <= on + timedelta(days=reminder_days):
        return "expiring"
    return "valid"


def national_limit_warnings(*, start: date, end: date | None, sessions_per_week: int,
                            max_weeks: int, max_sessions: int) -> list[str]:
    """Warnings against the planned national limits for unregistered AP: a placement should be
    either short and intensive (at most ``max_weeks`` weeks) or part-time (at most
    ``max_sessions`` sessions a week). Voluntary national standards, August 2025: not yet law,
    so these are warnings, never refusals [secondary]. ``end`` is the end or planned end; a
    placement with neither is open-ended, so it is over any length limit."""
    long = end is None or (end - start) > timedelta(weeks=max_weeks)
    heavy = sessions_per_week > max_sessions
    if not (long and heavy):
        return []
    length = ("has no planned end" if end is None else
              f"runs {((end - start).days + 6) // 7} weeks (more than {max_weeks})")
    return [f"This placement at an unregistered provider {length} at {sessions_per_week} "
            f"sessions a week (more than {max_sessions}): the planned national limits allow "
            f"at most {max_weeks} weeks full time, or at most {max_sessions} sessions a week "
            "for longer placements."]
