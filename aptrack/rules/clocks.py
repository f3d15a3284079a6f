"""Statutory and guidance clocks (DOMAIN.md section 4), counted on a school's own calendar.

Every function takes the relevant :class:`~aptrack.rules.calendar.SchoolCalendar` and returns a
date (or None when the clock does not run). Periods the law fixes are constants of the rule;
periods set by guidance or secondary sources are keyword parameters with the usual default.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, timedelta

from aptrack.rules.arrangements import REASONS
from aptrack.rules.calendar import SchoolCalendar, school_year_of

__all__ = [
    "PROVISION_SCHOOL_DAY",
    "governing_board_review_by",
    "health_trigger",
    "join_suspensions",
    "n_code_follow_up_by",
    "next_review_due",
    "off_site_direction_notice_by",
    "off_site_direction_review_required",
    "provision_due",
    "review_due",
    "suspension_days_remaining",
    "unauthorised_absence_return_due",
]

#: Full-time provision is due from this school day of an exclusion (2007 Regs regs 3, 4) [law].
PROVISION_SCHOOL_DAY = 6


def provision_due(
    *,
    reason: str,
    first_day: date,
    calendar: SchoolCalendar,
    school_days_excluded: int | None = None,
) -> date | None:
    """Return the day from which full-time provision must be in place, or None if no clock runs.

    * permanent_exclusion: the 6th school day of the exclusion, counting ``first_day`` as day 1
      (EA 1996 s19(3A); Education (Provision of Full-Time Education for Excluded Pupils)
      (England) Regulations 2007 reg 3) [law].
    * suspension: the 6th school day when more than 5 school days are excluded, else None
      (EIA 2006 s100; 2007 Regs reg 4 as amended by SI 2014/3216) [law]. Back-to-back
      suspensions count as one period: join them first (see :func:`join_suspensions`) and pass
      the joined first day and total. ``school_days_excluded`` is required for a suspension.
    * any other reason: None (no statutory start day; DOMAIN.md section 1).

    Counted on the excluding school's calendar. Raises ``ValueError`` for an unknown reason, a
    missing or non-positive ``school_days_excluded`` on a suspension, or a calendar that ends
    before the 6th school day.
    """
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}; got {reason!r}")
    if reason == "permanent_exclusion":
        return calendar.nth_school_day(first_day, PROVISION_SCHOOL_DAY)
    if reason != "suspension":
        return None
    if school_days_excluded is None:
        raise ValueError(
            "school_days_excluded is required for a suspension: provision is due from the 6th "
            "school day only when more than 5 school days are excluded (2007 Regs reg 4)"
        )
    if school_days_excluded < 1:
        raise ValueError(
            f"school_days_excluded must be at least 1 for a suspension, got {school_days_excluded}"
        )
    if school_days_excluded < PROVISION_SCHOOL_DAY:
        return None
    return calendar.nth_school_day(first_day, PROVISION_SCHOOL_DAY)


def join_suspensions(
    *, periods: Iterable[tuple[date, date]], calendar: SchoolCalendar
) -> tuple[tuple[date, date, int], ...]:
    """Join back-to-back suspensions into single periods: ``(first_day, last_day, school_days)``.

    Two suspensions join when the second starts on or before the first school day after the
    first ends (so a suspension Monday-Friday followed by one from the next Monday is one period
    of 10 school days). Periods are inclusive (first, last) dates; overlaps merge.
    Source: 2007 Regs reg 4 as amended: "consecutive" fixed-period exclusions are aggregated
    [law]. Pass each result to :func:`provision_due`.
    """
    ordered = sorted(periods)
    joined: list[tuple[date, date]] = []
    for start, end in ordered:
        if start > end:
            raise ValueError(
                f"suspension {start.isoformat()} to {end.isoformat()} ends before it starts"
            )
        if joined:
            previous_start, previous_end = joined[-1]
            index = bisect_right(calendar.days, previous_end)
            link = (
                calendar.days[index] if index < len(calendar.days) else previous_end + timedelta(1)
            )
            if start <= link:
                joined[-1] = (previous_start, max(previous_end, end))
                continue
        joined.append((start, end))
    return tuple((start, end, calendar.count_school_days(start, end)) for start, end in joined)


def health_trigger(
    *, illness_days: Iterable[date], calendar: SchoolCalendar, threshold: int = 15
) -> date | None:
    """Return the school day on which the ``threshold``-th illness school day of a year falls.

    Illness days that are not school days, and repeated dates, are ignored. The count is per
    school year (1 September-31 August) and resets on 1 September; the earliest day on which any
    school year reaches the threshold is returned, else None. Counted on the home school's
    calendar. Source: DfE "Arranging education for children who cannot attend school because of
    health needs" (December 2023): the LA should act once it is clear a child will miss 15 school
    days, consecutive or cumulative [guidance]. The LA should also act earlier when the absence
    is *foreseen*; that is a judgement this function cannot make.
    """
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    counts: dict[int, int] = {}
    for day in sorted({d for d in illness_days if calendar.is_school_day(d)}):
        year = school_year_of(day)
        counts[year] = counts.get(year, 0) + 1
        if counts[year] == threshold:
            return day
    return None


def unauthorised_absence_return_due(
    *, unauthorised_days: Iterable[date], calendar: SchoolCalendar, school_days: int = 10
) -> date | None:
    """Return the day a run of ``school_days`` continuous unauthorised-absence school days ends.

    ``unauthorised_days`` are the dates the learner was absent with unauthorised codes (the
    caller decides what counts as a day's absence, e.g. both sessions G/N/O/U). Runs are
    continuous on the school calendar: weekends, holidays and closures neither break nor extend
    a run. Returns the school day completing the earliest such run, or None.
    Source: DfE "Working together to improve school attendance" (2024): schools inform the LA of
    pupils absent for 10 continuous school days without authorisation [guidance].
    """
    if school_days < 1:
        raise ValueError(f"school_days must be at least 1, got {school_days}")
    days = calendar.days
    run = 0
    previous_index = -2
    for day in sorted({d for d in unauthorised_days if calendar.is_school_day(d)}):
        index = bisect_left(days, day)
        run = run + 1 if index == previous_index + 1 else 1
        previous_index = index
        if run == school_days:
            return day
    return None


def off_site_direction_notice_by(
    *, first_day: date, calendar: SchoolCalendar, school_days: int = 2
) -> date:
    """Return the latest date on which written notice of an off-site direction may be given.

    The notice must be given "not less than two school days before the relevant day", the first
    school day the learner must attend the off-site provision (day 1 = ``first_day`` or the next
    school day). Notice given on the returned school day, or earlier, complies: for a Wednesday
    start it is the Monday. Counted on the directing school's calendar.
    Source: EA 2002 s29A; Education (Educational Provision for Improving Behaviour) Regulations
    2010 reg 3(2) [law].
    """
    relevant_day = calendar.nth_school_day(first_day, 1)
    return calendar.school_days_before(relevant_day, school_days)


def off_site_direction_review_required(
    *, request_date: date, last_review: date | None, weeks: int = 10
) -> bool:
    """Return True when a requested review of an off-site direction must be held.

    The governing board must hold a review meeting on request (by the parent, or the LA for a
    learner with an EHC plan) unless one was held in the ``weeks`` (10) weeks before the day of
    the request. A review exactly 10 weeks before counts as within the period.
    Source: Education (Educational Provision for Improving Behaviour) Regulations 2010
    reg 4A(4), inserted by SI 2012/2532 [law].
    """
    if last_review is None:
        return True
    return last_review < request_date - timedelta(weeks=weeks)


def governing_board_review_by(
    *, first_day: date, calendar: SchoolCalendar, school_days: int = 15
) -> date:
    """Return the latest day the governing board must consider a permanent exclusion.

    Returned as the 15th school day counting the day the board is told of the exclusion
    (``first_day``, normally day 1 of the exclusion) as day 1: the earlier, safer reading of
    "within 15 school days of receiving notice". Counted on the excluding school's calendar.
    Source: School Discipline (Pupil Exclusions and Reviews) (England) Regulations 2012 regs 6, 15
    and 24 [secondary in DOMAIN.md; period configurable].
    """
    return calendar.nth_school_day(first_day, school_days)


def n_code_follow_up_by(*, marked_on: date, calendar: SchoolCalendar, school_days: int = 5) -> date:
    """Return the school day by which an N mark (reason not yet established) must be replaced.

    The 5th school day after ``marked_on`` (the marking day itself not counted), on the calendar
    of the setting that made the mark. Source: DfE "Working together to improve school
    attendance" (2024), code N [secondary in DOMAIN.md; period configurable].
    """
    return calendar.school_days_after(marked_on, school_days)


def suspension_days_remaining(*, days_this_year: int, cap: int = 45) -> int:
    """Return how many more school days a learner may be suspended this school year (>= 0).

    A head teacher may suspend for one or more fixed periods up to 45 school days in a school
    year. Source: EA 2002 s51A; School Discipline (Pupil Exclusions and Reviews) (England)
    Regulations 2012 [secondary in DOMAIN.md; cap configurable].
    """
    if days_this_year < 0:
        raise ValueError(f"days_this_year must not be negative, got {days_this_year}")
    return max(cap - days_this_year, 0)


def next_review_due(*, since: date, weeks: int = 6) -> date:
    """Return the date a placement review is next due, ``weeks`` weeks after ``since``.

    ``since`` is the placement start or the last review. Six weeks approximates "at least
    half-termly" where the half-term dates are not known; prefer :func:`review_due`.
    Source: DfE Alternative provision statutory guidance (2013, updated 2025) [guidance].
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    return since + timedelta(weeks=weeks)


def review_due(*, since: date, half_term_ends: Iterable[date],
               after_review: bool = False,
               half_term_starts: Iterable[date] = ()) -> date | None:
    """Return when the next placement review is due, or None if the half terms are unknown.

    Placements are reviewed at least half-termly. From the placement's start (``since``), the
    first review is due by the end of the half term it starts in (a start on the last day of a
    half term: by the end of the next one). A review (``after_review``, held on ``since``)
    counts for the half term it is held in, so the next is due by the end of the following half
    term: a review on 21 October in a half term ending 24 October is next due in December, not
    three days later. With ``half_term_starts`` (paired with the ends), a review held in a
    holiday counts for no half term, so the next is due by the end of the coming one. Source:
    DfE Alternative provision statutory guidance (2013, updated 2025) [guidance].
    """
    ends_in = list(half_term_ends)
    starts = list(half_term_starts)
    ends = sorted(set(ends_in))
    if after_review:
        if starts:
            held_in = [end for start, end in zip(starts, ends_in, strict=True)
                       if start <= since <= end]
            if held_in:
                since = held_in[0]
        else:
            current = [end for end in ends if end >= since]
            if not current:
                return None
            since = current[0]
    later = [end for end in ends if end > since]
    return later[0] if later else None
