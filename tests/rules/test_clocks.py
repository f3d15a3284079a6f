"""Statutory and guidance clocks: DOMAIN.md section 1 (provision due) and section 4.

Dates are on the realistic 2024/25 + 2025/26 calendar of conftest.py: autumn half term
27-31 October 2025; INSET 1-2 September 2025 and 5 January 2026.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptrack.rules import clocks
from aptrack.rules.arrangements import REASONS
from aptrack.rules.calendar import SchoolCalendar

from .term_dates import HALF_TERM_ENDS

# ---- Provision after permanent exclusion: 6th school day [law] ------------------------------


def test_permanent_exclusion_from_a_friday_before_half_term(
    school_calendar: SchoolCalendar,
) -> None:
    # EA 1996 s19(3A); 2007 Regs reg 3 [law]: full-time provision from the 6th school day,
    # on the excluding school's calendar. Day 1 Fri 24 Oct; half term; days 2-6 Mon 3 - Fri 7 Nov.
    due = clocks.provision_due(
        reason="permanent_exclusion", first_day=date(2025, 10, 24), calendar=school_calendar
    )
    assert due == date(2025, 11, 7)


def test_permanent_exclusion_across_a_bank_holiday(school_calendar: SchoolCalendar) -> None:
    # Day 1 Thu 1 May 2025, Fri 2 May, (Mon 5 May bank holiday), Tue 6 ... day 6 Fri 9 May.
    due = clocks.provision_due(
        reason="permanent_exclusion", first_day=date(2025, 5, 1), calendar=school_calendar
    )
    assert due == date(2025, 5, 9)


def test_permanent_exclusion_ignores_days_excluded(school_calendar: SchoolCalendar) -> None:
    due = clocks.provision_due(
        reason="permanent_exclusion",
        first_day=date(2025, 10, 24),
        calendar=school_calendar,
        school_days_excluded=2,
    )
    assert due == date(2025, 11, 7)


# ---- Provision during suspension: 6th consecutive school day when > 5 days [law] ------------


def test_suspension_of_exactly_five_days_has_no_clock(school_calendar: SchoolCalendar) -> None:
    # EIA 2006 s100; 2007 Regs reg 4 [law]: only suspensions of more than 5 school days.
    due = clocks.provision_due(
        reason="suspension",
        first_day=date(2025, 10, 22),
        calendar=school_calendar,
        school_days_excluded=5,
    )
    assert due is None


def test_suspension_of_six_days_is_due_on_the_sixth_school_day(
    school_calendar: SchoolCalendar,
) -> None:
    # Day 1 Wed 22 Oct, Thu 23, Fri 24, (half term), Mon 3 Nov, Tue 4, day 6 Wed 5 Nov 2025.
    due = clocks.provision_due(
        reason="suspension",
        first_day=date(2025, 10, 22),
        calendar=school_calendar,
        school_days_excluded=6,
    )
    assert due == date(2025, 11, 5)


def test_suspension_needs_the_number_of_days(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError, match="school_days_excluded is required for a suspension"):
        clocks.provision_due(
            reason="suspension", first_day=date(2025, 10, 22), calendar=school_calendar
        )
    with pytest.raises(ValueError, match="school_days_excluded must be at least 1"):
        clocks.provision_due(
            reason="suspension",
            first_day=date(2025, 10, 22),
            calendar=school_calendar,
            school_days_excluded=0,
        )


def test_back_to_back_suspensions_join(school_calendar: SchoolCalendar) -> None:
    # 2007 Regs reg 4 as amended [law]: consecutive suspensions count as one period.
    # 3 days (Wed 22 - Fri 24 Oct) then 3 days from the next school day (Mon 3 Nov): 6 days.
    joined = clocks.join_suspensions(
        periods=[
            (date(2025, 11, 3), date(2025, 11, 5)),
            (date(2025, 10, 22), date(2025, 10, 24)),
        ],
        calendar=school_calendar,
    )
    assert joined == ((date(2025, 10, 22), date(2025, 11, 5), 6),)
    first, _, days = joined[0]
    due = clocks.provision_due(
        reason="suspension", first_day=first, calendar=school_calendar, school_days_excluded=days
    )
    assert due == date(2025, 11, 5)


def test_separated_suspensions_do_not_join(school_calendar: SchoolCalendar) -> None:
    # A school day in between (Mon 3 Nov) breaks the run.
    joined = clocks.join_suspensions(
        periods=[
            (date(2025, 10, 22), date(2025, 10, 24)),
            (date(2025, 11, 4), date(2025, 11, 6)),
        ],
        calendar=school_calendar,
    )
    assert joined == (
        (date(2025, 10, 22), date(2025, 10, 24), 3),
        (date(2025, 11, 4), date(2025, 11, 6), 3),
    )


def test_join_suspensions_rejects_reversed_periods(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        clocks.join_suspensions(
            periods=[(date(2025, 10, 24), date(2025, 10, 22))], calendar=school_calendar
        )


@pytest.mark.parametrize("reason", ["health", "off_site_direction", "preventative", "other"])
def test_other_reasons_have_no_provision_clock(
    school_calendar: SchoolCalendar, reason: str
) -> None:
    # DOMAIN.md section 1: no statutory start day for these reasons.
    assert (
        clocks.provision_due(reason=reason, first_day=date(2025, 10, 22), calendar=school_calendar)
        is None
    )


def test_unknown_reason_is_rejected(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError, match="reason must be one of"):
        clocks.provision_due(
            reason="holiday", first_day=date(2025, 10, 22), calendar=school_calendar
        )


def test_clock_beyond_the_calendar_raises(school_calendar: SchoolCalendar) -> None:
    with pytest.raises(ValueError, match="add later terms"):
        clocks.provision_due(
            reason="permanent_exclusion", first_day=date(2026, 7, 20), calendar=school_calendar
        )


# ---- Health needs: 15 school days in a school year [guidance] --------------------------------

SEPTEMBER_2025 = [
    date(2025, 9, day) for day in (3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24)
]


def test_health_trigger_on_the_fifteenth_school_day(school_calendar: SchoolCalendar) -> None:
    # Health-needs guidance Dec 2023 [guidance]: 15 school days, consecutive or cumulative.
    assert clocks.health_trigger(illness_days=SEPTEMBER_2025, calendar=school_calendar) == date(
        2025, 9, 23
    )
    assert clocks.health_trigger(illness_days=SEPTEMBER_2025[:14], calendar=school_calendar) is None


def test_health_trigger_ignores_non_school_days_and_duplicates(
    school_calendar: SchoolCalendar,
) -> None:
    noise = [
        date(2025, 9, 1),  # INSET
        date(2025, 9, 2),  # INSET
        date(2025, 9, 6),  # Saturday
        date(2025, 9, 7),  # Sunday
        date(2025, 10, 29),  # half term
        *SEPTEMBER_2025[:5],  # repeated
    ]
    days = list(reversed(SEPTEMBER_2025[:14])) + noise
    assert clocks.health_trigger(illness_days=days, calendar=school_calendar) is None
    assert clocks.health_trigger(
        illness_days=[*days, date(2025, 10, 1)], calendar=school_calendar
    ) == date(2025, 10, 1)


def test_health_count_resets_on_1_september(school_calendar: SchoolCalendar) -> None:
    # Cumulative "in the school year": 10 days in July 2025 (school year 2024/25) and
    # 10 in September 2025 (2025/26) reach 15 in neither year.
    july_2025 = [date(2025, 7, day) for day in (7, 8, 9, 10, 11, 14, 15, 16, 17, 18)]
    assert (
        clocks.health_trigger(
            illness_days=july_2025 + SEPTEMBER_2025[:10], calendar=school_calendar
        )
        is None
    )
    # With 15 in September the trigger is the 15th September day, not the 5th.
    assert clocks.health_trigger(
        illness_days=july_2025 + SEPTEMBER_2025, calendar=school_calendar
    ) == date(2025, 9, 23)


def test_health_threshold_is_a_parameter(school_calendar: SchoolCalendar) -> None:
    assert clocks.health_trigger(
        illness_days=SEPTEMBER_2025, calendar=school_calendar, threshold=3
    ) == date(2025, 9, 5)
    with pytest.raises(ValueError, match="threshold"):
        clocks.health_trigger(illness_days=[], calendar=school_calendar, threshold=0)


# ---- Off-site direction: notice >= 2 school days before day 1; review on request [law] -------


def test_off_site_direction_notice(school_calendar: SchoolCalendar) -> None:
    # 2010 Regs reg 3(2) [law]: "not less than two school days before the relevant day".
    # Start Wed 5 Nov 2025 -> notice by Mon 3 Nov.
    assert clocks.off_site_direction_notice_by(
        first_day=date(2025, 11, 5), calendar=school_calendar
    ) == date(2025, 11, 3)
    # Start Mon 3 Nov (after half term) -> Fri 24 Oct is 1 school day before, Thu 23 Oct is 2.
    assert clocks.off_site_direction_notice_by(
        first_day=date(2025, 11, 3), calendar=school_calendar
    ) == date(2025, 10, 23)
    # A start given in the holiday: the relevant day is the first school day, Mon 3 Nov.
    assert clocks.off_site_direction_notice_by(
        first_day=date(2025, 10, 28), calendar=school_calendar
    ) == date(2025, 10, 23)


def test_off_site_direction_review_on_request() -> None:
    # 2010 Regs reg 4A(4), inserted by SI 2012/2532 [law]: must hold one unless a review was
    # held in the 10 weeks before the request.
    request = date(2026, 1, 20)
    assert clocks.off_site_direction_review_required(request_date=request, last_review=None)
    assert not clocks.off_site_direction_review_required(
        request_date=request, last_review=request - timedelta(weeks=10)
    )
    assert clocks.off_site_direction_review_required(
        request_date=request, last_review=request - timedelta(weeks=10, days=1)
    )


# ---- Governing board, N code, suspension cap [secondary] -------------------------------------


def test_governing_board_review_by_fifteenth_school_day(school_calendar: SchoolCalendar) -> None:
    # SI 2012/1033 regs 6, 15, 24 [secondary]: within 15 school days. Day 1 Fri 24 Oct 2025;
    # days 2-6 are 3-7 Nov, 7-11 are 10-14 Nov, 12-15 are 17-20 Nov.
    assert clocks.governing_board_review_by(
        first_day=date(2025, 10, 24), calendar=school_calendar
    ) == date(2025, 11, 20)


def test_n_code_follow_up(school_calendar: SchoolCalendar) -> None:
    # [secondary]: an N must be replaced within 5 school days. N on Thu 23 Oct 2025:
    # Fri 24 (1), Mon 3 Nov (2), Tue 4 (3), Wed 5 (4), Thu 6 Nov (5).
    assert clocks.n_code_follow_up_by(
        marked_on=date(2025, 10, 23), calendar=school_calendar
    ) == date(2025, 11, 6)


def test_suspension_cap() -> None:
    # EA 2002 s51A [secondary]: 45 school days in a school year.
    assert clocks.suspension_days_remaining(days_this_year=0) == 45
    assert clocks.suspension_days_remaining(days_this_year=40) == 5
    assert clocks.suspension_days_remaining(days_this_year=45) == 0
    assert clocks.suspension_days_remaining(days_this_year=50) == 0
    assert clocks.suspension_days_remaining(days_this_year=10, cap=30) == 20
    with pytest.raises(ValueError, match="days_this_year"):
        clocks.suspension_days_remaining(days_this_year=-1)


# ---- Placement reviews: at least half-termly [guidance] --------------------------------------


def test_review_due_at_the_end_of_the_half_term() -> None:
    assert clocks.review_due(since=date(2025, 9, 15), half_term_ends=HALF_TERM_ENDS) == date(
        2025, 10, 24
    )
    # A review on the last day of a half term counts for it; the next is due at the next end.
    assert clocks.review_due(since=date(2025, 10, 24), half_term_ends=HALF_TERM_ENDS) == date(
        2025, 12, 19
    )
    assert clocks.review_due(since=date(2026, 7, 21), half_term_ends=HALF_TERM_ENDS) is None


def test_a_review_counts_for_its_half_term_so_the_next_is_due_at_the_following_end() -> None:
    # Held three days before the half term ends: due again in December, not in three days.
    assert clocks.review_due(since=date(2025, 10, 21), half_term_ends=HALF_TERM_ENDS,
                             after_review=True) == date(2025, 12, 19)
    assert clocks.review_due(since=date(2025, 10, 24), half_term_ends=HALF_TERM_ENDS,
                             after_review=True) == date(2025, 12, 19)
    # A placement starting on 21 October is first reviewed by the end of that half term.
    assert clocks.review_due(since=date(2025, 10, 21), half_term_ends=HALF_TERM_ENDS) == date(
        2025, 10, 24)
    assert clocks.review_due(since=date(2026, 7, 21), half_term_ends=HALF_TERM_ENDS,
                             after_review=True) is None
    # Knowing when half terms start: a review in a holiday counts for none of them.
    starts, ends = [date(2025, 9, 3), date(2025, 11, 3)], [date(2025, 10, 24), date(2025, 12, 19)]
    assert clocks.review_due(since=date(2025, 10, 28), half_term_ends=ends,
                             half_term_starts=starts, after_review=True) == date(2025, 12, 19)
    assert clocks.review_due(since=date(2025, 11, 4), half_term_ends=ends,
                             half_term_starts=starts, after_review=True) is None


def test_next_review_due_by_weeks() -> None:
    assert clocks.next_review_due(since=date(2025, 9, 15)) == date(2025, 10, 27)
    assert clocks.next_review_due(since=date(2025, 9, 15), weeks=4) == date(2025, 10, 13)
    with pytest.raises(ValueError, match="weeks"):
        clocks.next_review_due(since=date(2025, 9, 15), weeks=0)


# ---- Unauthorised absence: 10 continuous school days [guidance] ------------------------------

RUN_ACROSS_HALF_TERM = [
    date(2025, 10, 20),
    date(2025, 10, 21),
    date(2025, 10, 22),
    date(2025, 10, 23),
    date(2025, 10, 24),
    date(2025, 11, 3),
    date(2025, 11, 4),
    date(2025, 11, 5),
    date(2025, 11, 6),
    date(2025, 11, 7),
]


def test_unauthorised_absence_run_across_half_term(school_calendar: SchoolCalendar) -> None:
    # Working together to improve school attendance (2024) [guidance]: 10 continuous school
    # days; the half-term holiday neither breaks nor extends the run.
    assert clocks.unauthorised_absence_return_due(
        unauthorised_days=RUN_ACROSS_HALF_TERM, calendar=school_calendar
    ) == date(2025, 11, 7)


def test_unauthorised_absence_run_broken_by_attendance(school_calendar: SchoolCalendar) -> None:
    broken = [d for d in RUN_ACROSS_HALF_TERM if d != date(2025, 11, 4)]
    assert (
        clocks.unauthorised_absence_return_due(unauthorised_days=broken, calendar=school_calendar)
        is None
    )
    # The run restarts on 5 Nov and reaches 10 on Tue 18 Nov.
    later = [*broken, *(date(2025, 11, day) for day in (10, 11, 12, 13, 14, 17, 18))]
    assert clocks.unauthorised_absence_return_due(
        unauthorised_days=later, calendar=school_calendar
    ) == date(2025, 11, 18)


# ---- Properties ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, database=None)
@given(
    first=st.dates(date(2024, 9, 1), date(2026, 6, 30)),
    excluded=st.integers(1, 45),
    reason=st.sampled_from(REASONS),
)
def test_provision_due_is_a_school_day_on_or_after_day_one(
    school_calendar: SchoolCalendar, first: date, excluded: int, reason: str
) -> None:
    due = clocks.provision_due(
        reason=reason, first_day=first, calendar=school_calendar, school_days_excluded=excluded
    )
    if reason == "permanent_exclusion" or (reason == "suspension" and excluded > 5):
        assert due is not None
        assert school_calendar.is_school_day(due)
        assert school_calendar.count_school_days(first, due) == 6
    else:
        assert due is None


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.dates(date(2024, 9, 1), date(2026, 7, 31)), max_size=60))
def test_health_trigger_matches_a_direct_count(
    school_calendar: SchoolCalendar, days: list[date]
) -> None:
    trigger = clocks.health_trigger(illness_days=days, calendar=school_calendar)
    school_days = sorted({d for d in days if school_calendar.is_school_day(d)})
    if trigger is None:
        for year in (2024, 2025):
            in_year = [d for d in school_days if date(year, 9, 1) <= d <= date(year + 1, 8, 31)]
            assert len(in_year) < 15
    else:
        start = date(trigger.year if trigger.month >= 9 else trigger.year - 1, 9, 1)
        assert len([d for d in school_days if start <= d <= trigger]) == 15
        # Earliest: no earlier school year reached 15.
        assert len([d for d in school_days if d < start]) < 15
