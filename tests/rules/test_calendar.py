"""School calendars: DOMAIN.md section 0 ("school day") and section 4 (bank holidays)."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptrack.rules.calendar import SchoolCalendar, england_bank_holidays, school_year_of

from .term_dates import INSET_DAYS, TERMS_2025_26

# ---- England bank holidays (holidays package, substitute days included) ----------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 5, 5), "early May bank holiday 2025"),
        (date(2025, 12, 25), "Christmas Day 2025"),
        (date(2025, 12, 26), "Boxing Day 2025"),
        (date(2026, 4, 3), "Good Friday 2026"),
        (date(2026, 4, 6), "Easter Monday 2026"),
        (date(2026, 8, 31), "summer bank holiday 2026"),
        (date(2026, 12, 28), "Boxing Day 2026 substitute (26 December is a Saturday)"),
    ],
)
def test_bank_holidays_are_not_school_days(
    weekday_calendar: SchoolCalendar, day: date, name: str
) -> None:
    assert day.weekday() < 5, name
    assert day in england_bank_holidays(day.year)
    assert not weekday_calendar.is_school_day(day), name
    # ...unless the calendar is told to ignore bank holidays.
    plain = SchoolCalendar([(date(2025, 1, 1), date(2026, 12, 31))], bank_holidays=False)
    assert plain.is_school_day(day), name


def test_days_around_bank_holidays_are_school_days(weekday_calendar: SchoolCalendar) -> None:
    assert weekday_calendar.is_school_day(date(2025, 5, 6))
    assert weekday_calendar.is_school_day(date(2026, 4, 7))
    assert weekday_calendar.next_school_day(date(2025, 12, 24)) == date(2025, 12, 29)
    assert weekday_calendar.next_school_day(date(2026, 4, 2)) == date(2026, 4, 7)


def test_weekends_are_never_school_days(weekday_calendar: SchoolCalendar) -> None:
    assert not weekday_calendar.is_school_day(date(2025, 6, 7))  # Saturday
    assert not weekday_calendar.is_school_day(date(2025, 6, 8))  # Sunday
    assert weekday_calendar.is_school_day(date(2025, 6, 9))  # Monday


# ---- Term dates and closures ------------------------------------------------------------------


def test_inset_days_and_holidays_are_not_school_days(school_calendar: SchoolCalendar) -> None:
    # DOMAIN.md section 0 [law, definition]: counted on the school's own calendar.
    assert not school_calendar.is_school_day(date(2025, 9, 1))  # INSET
    assert not school_calendar.is_school_day(date(2025, 9, 2))  # INSET
    assert school_calendar.is_school_day(date(2025, 9, 3))  # first day for pupils
    assert not school_calendar.is_school_day(date(2025, 10, 29))  # half term
    assert not school_calendar.is_school_day(date(2025, 8, 15))  # summer holiday
    assert not school_calendar.is_school_day(date(2026, 5, 4))  # May Day inside a term
    assert school_calendar.nth_school_day(date(2025, 9, 1), 1) == date(2025, 9, 3)


def test_count_school_days_in_a_bank_holiday_week(school_calendar: SchoolCalendar) -> None:
    # Week of the early May bank holiday 2025 (Monday 5 May): Tuesday to Friday only.
    week = school_calendar.school_days(date(2025, 5, 5), date(2025, 5, 11))
    assert week == [date(2025, 5, 6), date(2025, 5, 7), date(2025, 5, 8), date(2025, 5, 9)]
    assert school_calendar.count_school_days(date(2025, 5, 5), date(2025, 5, 11)) == 4
    assert school_calendar.count_school_days(date(2025, 5, 11), date(2025, 5, 5)) == 0
    assert school_calendar.school_days(date(2025, 5, 11), date(2025, 5, 5)) == []


def test_school_year_2025_26_has_about_190_days(school_calendar: SchoolCalendar) -> None:
    # Schools meet for 190 days a year [law]; this calendar's terms give:
    days = school_calendar.count_school_days(date(2025, 9, 1), date(2026, 8, 31))
    weekdays = sum(
        1
        for start, end in TERMS_2025_26
        for offset in range((end - start).days + 1)
        if (start + timedelta(offset)).weekday() < 5
    )
    # One bank holiday falls inside these terms (4 May 2026) and there are 3 INSET days.
    assert days == weekdays - 1 - 3
    assert 185 <= days <= 195


def test_previous_next_and_counting_back(school_calendar: SchoolCalendar) -> None:
    friday_before_half_term = date(2025, 10, 24)
    assert school_calendar.next_school_day(friday_before_half_term) == date(2025, 11, 3)
    assert school_calendar.previous_school_day(date(2025, 11, 3)) == friday_before_half_term
    assert school_calendar.previous_school_day(date(2025, 10, 30)) == friday_before_half_term
    assert school_calendar.school_days_before(date(2025, 11, 3), 2) == date(2025, 10, 23)
    assert school_calendar.school_days_after(date(2025, 10, 23), 2) == date(2025, 11, 3)


def test_nth_school_day_from_a_holiday_starts_on_the_next_school_day(
    school_calendar: SchoolCalendar,
) -> None:
    # Day 1 = first if a school day, else the next school day.
    assert school_calendar.nth_school_day(date(2025, 10, 25), 1) == date(2025, 11, 3)
    assert school_calendar.nth_school_day(date(2025, 10, 24), 1) == date(2025, 10, 24)
    assert school_calendar.nth_school_day(date(2025, 10, 24), 2) == date(2025, 11, 3)


def test_running_out_of_terms_raises(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError, match="2026-07-21; add later terms"):
        school_calendar.nth_school_day(date(2026, 7, 20), 3)
    with pytest.raises(ValueError, match="no school day after"):
        school_calendar.next_school_day(date(2026, 7, 21))
    with pytest.raises(ValueError, match="count 1 school day"):
        school_calendar.previous_school_day(date(2024, 9, 3))
    with pytest.raises(ValueError, match="no school days"):
        SchoolCalendar([]).nth_school_day(date(2025, 1, 1), 1)
    with pytest.raises(ValueError, match="n must be at least 1"):
        school_calendar.nth_school_day(date(2025, 1, 6), 0)
    with pytest.raises(ValueError, match="n must be at least 1"):
        school_calendar.school_days_before(date(2025, 1, 6), 0)


def test_huge_n_fails_fast(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError):
        school_calendar.nth_school_day(date(2025, 1, 6), 10**12)


def test_invalid_terms_name_the_term() -> None:
    with pytest.raises(
        ValueError, match=r"term 2 \(2025-12-19 to 2025-11-03\) starts after it ends"
    ):
        SchoolCalendar(
            [(date(2025, 9, 1), date(2025, 10, 24)), (date(2025, 12, 19), date(2025, 11, 3))]
        )
    with pytest.raises(ValueError, match="term 1 must be a"):
        SchoolCalendar([(date(2025, 9, 1),)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="term 1 start must be a date"):
        SchoolCalendar([(datetime(2025, 9, 1, 9), date(2025, 10, 24))])
    with pytest.raises(TypeError, match="closure must be a date"):
        SchoolCalendar(TERMS_2025_26, closures=["2025-09-01"])  # type: ignore[list-item]


def test_overlapping_and_unordered_terms_are_merged() -> None:
    merged = SchoolCalendar(
        [(date(2025, 11, 3), date(2025, 12, 19)), (date(2025, 9, 1), date(2025, 11, 7))]
    )
    whole = SchoolCalendar([(date(2025, 9, 1), date(2025, 12, 19))])
    assert merged.days == whole.days
    assert merged.terms[0] == (date(2025, 9, 1), date(2025, 11, 7))  # sorted


def test_calendar_is_immutable_hashable_and_picklable(school_calendar: SchoolCalendar) -> None:
    same = SchoolCalendar(list(school_calendar.terms), closures=set(INSET_DAYS))
    assert same == school_calendar
    assert hash(same) == hash(school_calendar)
    assert {same: 1}[school_calendar] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        school_calendar.bank_holidays = False  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(school_calendar)) == school_calendar  # noqa: S301
    assert SchoolCalendar(TERMS_2025_26) != SchoolCalendar(TERMS_2025_26, bank_holidays=False)


def test_school_year_of() -> None:
    # The school year runs 1 September to 31 August [law].
    assert school_year_of(date(2025, 8, 31)) == 2024
    assert school_year_of(date(2025, 9, 1)) == 2025
    assert school_year_of(date(2026, 1, 1)) == 2025
    assert school_year_of(date(2026, 12, 31)) == 2026


# ---- Properties --------------------------------------------------------------------------------

IN_RANGE = st.dates(date(2024, 8, 20), date(2026, 7, 31))


@settings(max_examples=300, deadline=None, database=None)
@given(first=IN_RANGE, n=st.integers(1, 60))
def test_nth_school_day_is_a_school_day_and_monotone(
    school_calendar: SchoolCalendar, first: date, n: int
) -> None:
    try:
        day = school_calendar.nth_school_day(first, n)
    except ValueError:
        assert school_calendar.count_school_days(first, date(2026, 12, 31)) < n
        return
    assert day >= first
    assert school_calendar.is_school_day(day)
    # Exactly n school days from first to day inclusive.
    assert school_calendar.count_school_days(first, day) == n
    assert len(school_calendar.school_days(first, day)) == n
    if n > 1:
        assert school_calendar.nth_school_day(first, n - 1) < day
        assert school_calendar.school_days_before(day, n - 1) == school_calendar.nth_school_day(
            first, 1
        )
    later = first + timedelta(days=1)
    try:
        assert school_calendar.nth_school_day(later, n) >= day
    except ValueError:
        pass


@settings(max_examples=200, deadline=None, database=None)
@given(day=st.dates(date(2024, 9, 3), date(2026, 7, 20)))
def test_next_and_previous_are_inverse(school_calendar: SchoolCalendar, day: date) -> None:
    after = school_calendar.next_school_day(day)
    assert after > day and school_calendar.is_school_day(after)
    # Nothing in between, so the previous school day of `after` is on or before `day`.
    assert school_calendar.count_school_days(day + timedelta(1), after - timedelta(1)) == 0
    before = school_calendar.previous_school_day(after)
    assert before <= day and school_calendar.is_school_day(before)
    if school_calendar.is_school_day(day):
        assert before == day
