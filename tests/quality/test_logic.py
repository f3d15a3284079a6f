"""Pure rules of the quality app: compulsory school age, check states, the planned national
limits for unregistered AP, calendar months."""

from datetime import date, timedelta

import pytest

from aptrack.quality import logic


@pytest.mark.parametrize(("dob", "start"), [
    (date(2020, 3, 31), date(2025, 3, 31)),   # 5th birthday on a prescribed day
    (date(2020, 4, 1), date(2025, 8, 31)),
    (date(2020, 9, 1), date(2025, 12, 31)),
    (date(2020, 12, 31), date(2025, 12, 31)),
    (date(2021, 1, 1), date(2026, 3, 31)),
])
def test_compulsory_school_age_starts_on_the_prescribed_day(dob, start):
    """SI 1998/1607: 31 March, 31 August, 31 December on or after the 5th birthday."""
    assert logic.csa_start(dob) == start
    assert not logic.compulsory_school_age(dob, start.replace(day=start.day - 1))
    assert logic.compulsory_school_age(dob, start)


@pytest.mark.parametrize(("dob", "end"), [
    (date(2010, 9, 1), date(2027, 6, 25)),   # turns 16 on 1 Sep 2026: school year 2026/27
    (date(2010, 8, 31), date(2026, 6, 26)),  # turns 16 on 31 Aug 2026: leaves June 2026
    (date(2010, 7, 10), date(2026, 6, 26)),  # 16 in the summer holidays: same leaving date
])
def test_compulsory_school_age_ends_on_the_last_friday_of_june(dob, end):
    """SI 1997/1970: the last Friday in June of the school year in which the child turns 16."""
    assert logic.csa_end(dob) == end and end.weekday() == 4
    assert logic.compulsory_school_age(dob, end)
    assert not logic.compulsory_school_age(dob, end + timedelta(days=1))


def test_leap_day_birthdays():
    assert logic.csa_start(date(2016, 2, 29)) == date(2021, 3, 31)
    assert logic.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert logic.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert logic.add_months(date(2025, 1, 15), 12) == date(2026, 1, 15)


@pytest.mark.parametrize(("outcome", "expires", "state"), [
    (None, None, "missing"),
    ("not_met", date(2027, 1, 1), "not_met"),
    ("met", date(2026, 1, 9), "expired"),
    ("met", date(2026, 1, 10), "expiring"),   # valid up to and including the expiry day
    ("met", date(2026, 2, 9), "expiring"),    # 30 days ahead
    ("met", date(2026, 2, 10), "valid"),
    ("met", None, "valid"),
    ("not_applicable", None, "valid"),
])
def test_check_state(outcome, expires, state):
    assert logic.check_state(outcome=outcome, expires_on=expires, on=date(2026, 1, 10),
                             reminder_days=30) == state


@pytest.mark.parametrize(("weeks", "sessions", "warn"), [
    (12, 10, False),   # short and intensive: within the limits
    (13, 4, False),    # long but part-time (2 days / 4 sessions): within
    (13, 5, True),     # long and more than 4 sessions: beyond both
    (None, 10, True),  # open-ended full time
    (None, 4, False),
])
def test_planned_national_limits_are_warnings(weeks, sessions, warn):
    start = date(2025, 9, 8)
    end = None if weeks is None else date.fromordinal(start.toordinal() + 7 * weeks)
    found = logic.national_limit_warnings(start=start, end=end, sessions_per_week=sessions,
                                          max_weeks=12, max_sessions=4)
    assert bool(found) is warn
    if warn:
        assert "planned national limits" in found[0]
