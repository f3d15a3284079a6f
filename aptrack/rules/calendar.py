"""School calendars: which dates are school days for one school.

A "school day" is a day on which the school meets (EA 1996 s579(1); School Attendance (Pupil
Registration) (England) Regulations 2024) [law]. Statutory clocks count school days on the
right school's calendar (its term dates, INSET days and closures), never plain weekdays.
Term dates and INSET days have no national feed; England bank holidays come from the
``holidays`` package (``country_holidays("GB", subdiv="ENG")``, substitute days included).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays

__all__ = ["SchoolCalendar", "england_bank_holidays", "school_year_of"]

_ONE_DAY = timedelta(days=1)


def school_year_of(d: date) -> int:
    """Return the calendar year in which the school year containing ``d`` starts.

    A school year runs from 1 September to 31 August (EA 1996 s579(1), "school year") [law]:
    31 August 2026 is in school year 2025, 1 September 2026 in school year 2026.
    """
    return d.year if d.month >= 9 else d.year - 1


@functools.cache
def england_bank_holidays(year: int) -> frozenset[date]:
    """Return the England bank holidays of ``year``, substitute days included.

    Source: Banking and Financial Dealings Act 1971 Sch 1 and royal proclamations, as published
    by the ``holidays`` package (``country_holidays("GB", subdiv="ENG")``) [law].
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _check_date(name: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date (not a datetime), got {value!r}")
    return value


def _normalise_terms(terms: Iterable[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    result = []
    for index, term in enumerate(terms, start=1):
        try:
            start, end = term
        except (TypeError, ValueError):
            raise ValueError(f"term {index} must be a (start, end) pair, got {term!r}") from None
        start = _check_date(f"term {index} start", start)
        end = _check_date(f"term {index} end", end)
        if start > end:
            raise ValueError(
                f"term {index} ({start.isoformat()} to {end.isoformat()}) starts after it ends"
            )
        result.append((start, end))
    return tuple(sorted(result))


def _school_days(
    terms: tuple[tuple[date, date], ...], closures: frozenset[date], bank_holidays: bool
) -> tuple[date, ...]:
    days: set[date] = set()
    for start, end in terms:
        excluded: frozenset[date] = frozenset()
        if bank_holidays:
            excluded = frozenset().union(
                *(england_bank_holidays(year) for year in range(start.year, end.year + 1))
            )
        current = start
        while current <= end:
            if current.weekday() < 5 and current not in excluded and current not in closures:
                days.add(current)
            current += _ONE_DAY
    return tuple(sorted(days))


@dataclass(frozen=True, init=False)
class SchoolCalendar:
    """The school days of one school: term days that are weekdays, not closures, not bank holidays.

    ``terms`` are inclusive (start, end) date pairs (overlaps are merged); ``closures`` are days
    the school does not meet (INSET days, planned closures); England bank holidays are excluded
    when ``bank_holidays`` is True. Dates outside every term are never school days. The calendar
    is immutable and hashable; it precomputes its school days so that every query is a set
    lookup or a binary search. Source: EA 1996 s579(1) ("school day") [law].
    """

    terms: tuple[tuple[date, date], ...]
    closures: frozenset[date]
    bank_holidays: bool
    _days: tuple[date, ...] = field(repr=False, compare=False, hash=False)
    _day_set: frozenset[date] = field(repr=False, compare=False, hash=False)

    def __init__(
        self,
        terms: Iterable[tuple[date, date]],
        closures: Iterable[date] = (),
        bank_holidays: bool = True,
    ) -> None:
        normalised_terms = _normalise_terms(terms)
        normalised_closures = frozenset(_check_date("closure", closure) for closure in closures)
        days = _school_days(normalised_terms, normalised_closures, bool(bank_holidays))
        object.__setattr__(self, "terms", normalised_terms)
        object.__setattr__(self, "closures", normalised_closures)
        object.__setattr__(self, "bank_holidays", bool(bank_holidays))
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "_day_set", frozenset(days))

    @property
    def days(self) -> tuple[date, ...]:
        """Every school day of the calendar, in ascending order."""
        return self._days

    def is_school_day(self, d: date) -> bool:
        """Return True when the school meets on ``d`` (EA 1996 s579(1)) [law]."""
        return d in self._day_set

    def _describe(self) -> str:
        if not self._days:
            return "the calendar has no school days"
        return (
            f"the calendar's school days run from {self._days[0].isoformat()} "
            f"to {self._days[-1].isoformat()}; add later terms"
        )

    def nth_school_day(self, first: date, n: int) -> date:
        """Return the ``n``-th school day counting ``first`` as day 1 if it is a school day.

        If ``first`` is not a school day, day 1 is the next school day after it. ``n`` must be at
        least 1. Raises ``ValueError`` when the calendar's terms end before the ``n``-th day.
        Used for "the sixth school day" of an exclusion (2007 Regs regs 3 and 4) [law].
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        index = bisect_left(self._days, first) + n - 1
        if index >= len(self._days):
            raise ValueError(
                f"cannot find school day {n} from {first.isoformat()}: {self._describe()}"
            )
        return self._days[index]

    def school_days(self, start: date, end: date) -> list[date]:
        """Return the school days from ``start`` to ``end`` inclusive (empty if start > end)."""
        return list(self._days[bisect_left(self._days, start) : bisect_right(self._days, end)])

    def count_school_days(self, start: date, end: date) -> int:
        """Return how many school days fall in ``start``..``end`` inclusive (0 if start > end)."""
        return max(0, bisect_right(self._days, end) - bisect_left(self._days, start))

    def next_school_day(self, d: date) -> date:
        """Return the first school day strictly after ``d``; ``ValueError`` if the terms run out."""
        index = bisect_right(self._days, d)
        if index >= len(self._days):
            raise ValueError(f"no school day after {d.isoformat()}: {self._describe()}")
        return self._days[index]

    def previous_school_day(self, d: date) -> date:
        """Return the last school day strictly before ``d``; ``ValueError`` if there is none."""
        return self.school_days_before(d, 1)

    def school_days_before(self, d: date, n: int) -> date:
        """Return the ``n``-th school day strictly before ``d`` (n=1: the previous school day).

        Raises ``ValueError`` if ``n`` < 1 or the calendar starts too late to count back ``n``.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        index = bisect_left(self._days, d) - n
        if index < 0:
            raise ValueError(
                f"cannot count {n} school day(s) back from {d.isoformat()}: {self._describe()}"
            )
        return self._days[index]

    def school_days_after(self, d: date, n: int) -> date:
        """Return the ``n``-th school day strictly after ``d`` (n=1: the next school day).

        Raises ``ValueError`` if ``n`` < 1 or the calendar's terms end too soon.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        index = bisect_right(self._days, d) + n - 1
        if index >= len(self._days):
            raise ValueError(
                f"cannot count {n} school day(s) on from {d.isoformat()}: {self._describe()}"
            )
        return self._days[index]
