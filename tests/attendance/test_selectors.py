"""Reconciliation between the two registers, watch lists, summaries and whereabouts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from aptrack.attendance import selectors, whereabouts
from aptrack.attendance.services import attendance_marks_record
from tests import factories
from tests.attendance.conftest import MON, item

TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
LATE = datetime(2025, 12, 1, 18, 0, tzinfo=ZoneInfo("Europe/London"))


def record(actor, marks, today=date(2025, 11, 28)):  # type: ignore[no-untyped-def]
    return attendance_marks_record(actor=actor, marks=marks, today=today)


def kinds(found):  # type: ignore[no-untyped-def]
    return [(m.kind, m.date, m.session) for m in found]


# ---- expected whereabouts --------------------------------------------------------------------
def test_whereabouts_split_between_provider_and_school(dual, world):
    pru_rows = whereabouts.register_rows(world.pru, MON, "AM")
    assert [(r.learner.pk, r.expected_here) for r in pru_rows] == [(dual.learner_id, True)]
    assert whereabouts.register_rows(world.pru, MON, "PM") == []
    (school_am,) = whereabouts.register_rows(world.school, MON, "AM")
    assert (school_am.expected_here, school_am.proposed_code) == (False, "D")
    (school_pm,) = whereabouts.register_rows(world.school, MON, "PM")
    assert school_pm.expected_here and school_pm.expected_at == world.school
    # Before the placement starts nobody is expected at the PRU.
    assert whereabouts.register_rows(world.pru, MON - timedelta(days=7), "AM") == []


def test_school_register_proposes_the_providers_absence_code(offsite, world):
    record(world.users["other_provider_staff"], [item(offsite, MON, "AM", "G")])
    (row,) = whereabouts.register_rows(world.school, MON, "PM")
    assert row.proposed_code == "B"
    (row,) = whereabouts.register_rows(world.school, MON, "AM")
    # The derived mark exists already; the proposal is the absence code.
    assert row.proposed_code == "G" and row.mark.code == "G"


# ---- reconciliation: every case ---------------------------------------------------------------
def test_home_says_d_but_provider_has_no_mark(dual, world, school_dsl):
    record(school_dsl, [item(dual, MON, "AM", "D", setting=world.school)])
    found = selectors.mismatches(actor=school_dsl, school=world.school, start=MON, end=MON,
                                 now=LATE)
    assert kinds(found) == [("home_d_provider_missing", MON, "AM")]


def test_no_mark_is_not_a_mismatch_before_the_register_closes(dual, world, school_dsl):
    record(school_dsl, [item(dual, MON, "AM", "D", setting=world.school)])
    early = datetime(2025, 10, 6, 9, 10, tzinfo=ZoneInfo("Europe/London"))
    assert selectors.mismatches(actor=school_dsl, school=world.school, start=MON, end=MON,
                                now=early) == []


def test_home_says_d_but_provider_records_absence(dual, world, school_dsl, provider_staff):
    record(school_dsl, [item(dual, TUE, "AM", "D", setting=world.school)])
    record(provider_staff, [item(dual, TUE, "AM", "O")])
    found = selectors.mismatches(actor=school_dsl, school=world.school, start=TUE, end=TUE,
                                 now=LATE)
    assert kinds(found) == [("home_d_provider_absent", TUE, "AM")]
    assert found[0].provider_code == "O" and found[0].home_code == "D"


def test_both_registers_claim_presence(dual, world, school_dsl, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "/")])
    # The school overwrites its derived D with present: now both claim the learner.
    record(school_dsl, [item(dual, MON, "AM", "/", setting=world.school,
                             reason="Saw him in assembly")])
    found = selectors.mismatches(actor=school_dsl, school=world.school, start=MON, end=MON,
                                 now=LATE)
    assert kinds(found) == [("both_present", MON, "AM")]


def test_provider_marks_a_session_the_learner_was_expected_at_school(dual, world, school_dsl,
                                                                     provider_staff):
    record(provider_staff, [item(dual, MON, "PM", "\\")])  # Monday PM is at school
    found = selectors.mismatches(actor=school_dsl, school=world.school, start=MON, end=MON,
                                 now=LATE)
    assert ("provider_mark_when_expected_at_school", MON, "PM") in kinds(found)


def test_agreeing_registers_have_no_mismatch(dual, world, school_dsl, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "/")])
    record(school_dsl, [item(dual, MON, "PM", "\\", setting=world.school)])
    assert selectors.mismatches(actor=school_dsl, school=world.school, start=MON, end=MON,
                                now=LATE) == []


def test_mismatches_are_scoped_to_the_schools_own_pupils(dual, world, other_school_dsl,
                                                         school_dsl):
    record(school_dsl, [item(dual, MON, "AM", "D", setting=world.school)])
    assert selectors.mismatches(actor=other_school_dsl, school=world.school, start=MON, end=MON,
                                now=LATE) == []


# ---- summaries -------------------------------------------------------------------------------
def test_learner_summary_counts_each_session_once_across_registers(offsite, world):
    ap = world.users["other_provider_staff"]
    record(ap, [item(offsite, MON, "AM", "/"), item(offsite, MON, "PM", "O"),
                item(offsite, TUE, "AM", "/"), item(offsite, TUE, "PM", "/")])
    overall = selectors.attendance_summary(actor=None, learner=offsite.learner)
    # Home school B (approved activity) x3 and O x1 count; the AP's own marks do not add again.
    assert overall.as_dict() == {
        "possible": 4, "present": 0, "approved_activity": 3, "authorised": 0,
        "unauthorised": 1, "not_counted": 0, "attendance_rate": 0.75, "absence_rate": 0.25,
        "persistent_absence": True, "severe_absence": False}
    at_ap = selectors.attendance_summary(actor=None, learner=offsite.learner, setting=world.ap)
    assert (at_ap.present, at_ap.unauthorised) == (3, 1)


def test_dual_registered_summary_counts_the_provider_not_the_d(dual, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "I")])
    summary = selectors.attendance_summary(actor=None, learner=dual.learner)
    assert (summary.possible, summary.present, summary.authorised, summary.not_counted) == (
        2, 1, 1, 2)


def test_summary_period_and_scope(dual, provider_staff, other_school_dsl):
    record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "O")])
    assert selectors.attendance_summary(actor=None, learner=dual.learner, start=TUE,
                                        end=TUE, setting=dual.provider).unauthorised == 1
    # Another school sees no marks of a learner it has nothing to do with.
    assert selectors.attendance_summary(actor=other_school_dsl,
                                        learner=dual.learner).possible == 0


# ---- watch lists -----------------------------------------------------------------------------
@pytest.fixture
def full_time(world):  # type: ignore[no-untyped-def]
    learner = factories.learner(world.school)
    p = world.placed(learner, provider=world.pru, reason="off_site_direction", start=MON)
    return p


def days(cal_days, n):  # type: ignore[no-untyped-def]
    return cal_days[:n]


def school_days(world, start, n):  # type: ignore[no-untyped-def]
    cal = whereabouts.calendar_of(world.pru)
    return cal.school_days(start, start + timedelta(days=120))[:n]


def test_persistent_and_severe_absence(full_time, world, provider_staff, la_officer):
    ds = school_days(world, MON, 10)
    # 2 of 20 sessions absent: 10% is persistent; severe needs 50%.
    marks = [item(full_time, d, s, "O" if (d == ds[0]) else "/") for d in ds for s in ("AM",
                                                                                      "PM")]
    record(provider_staff, marks)
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    assert [e.learner.pk for e in lists.persistent] == [full_time.learner_id]
    assert lists.severe == []
    record(provider_staff, [item(full_time, d, s, "O") for d in ds[:5] for s in ("AM", "PM")],
           today=date(2025, 11, 28))
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    assert [e.learner.pk for e in lists.severe] == [full_time.learner_id]


def test_ten_continuous_school_days_unauthorised_across_a_weekend(full_time, world,
                                                                  provider_staff, la_officer):
    ds = school_days(world, MON, 10)  # Mon 6 Oct .. Fri 17 Oct, a weekend in the middle
    record(provider_staff, [item(full_time, d, s, "O") for d in ds[:9] for s in ("AM", "PM")])
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    assert lists.unauthorised_run == []
    record(provider_staff, [item(full_time, ds[9], s, "G") for s in ("AM", "PM")])
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    (entry,) = lists.unauthorised_run
    assert entry.since == ds[9] == date(2025, 10, 17)


def test_a_present_session_breaks_the_unauthorised_day(full_time, world, provider_staff,
                                                        la_officer):
    ds = school_days(world, MON, 10)
    marks = [item(full_time, d, s, "O") for d in ds for s in ("AM", "PM")]
    marks[9]["code"] = "L"  # arrived late one afternoon in the middle
    record(provider_staff, marks)
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    assert lists.unauthorised_run == []


def test_illness_reaching_15_school_days_across_half_term(full_time, world, provider_staff,
                                                          la_officer):
    ds = school_days(world, MON, 15)  # 14 days to 23 Oct, then half term, then 3 Nov
    record(provider_staff, [item(full_time, d, "AM", "I") for d in ds[:14]])
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    assert lists.illness == []  # not ill lately: not expected to reach 15
    record(provider_staff, [item(full_time, ds[14], "AM", "I")])
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 11, 28))
    (entry,) = lists.illness
    assert entry.since == date(2025, 11, 3)


def test_illness_expected_to_reach_15_days(full_time, world, provider_staff, la_officer):
    ds = school_days(world, MON, 9)  # ill every day up to yesterday (Fri 16 Oct)
    record(provider_staff, [item(full_time, d, "AM", "I") for d in ds],
           today=date(2025, 10, 17))
    lists = selectors.watch_lists(actor=la_officer, year=2025, today=date(2025, 10, 17))
    (entry,) = lists.illness
    assert "expected to reach 15" in entry.detail


def test_n_code_not_replaced_within_5_school_days(full_time, world, provider_staff, la_officer):
    record(provider_staff, [item(full_time, MON, "AM", "N")])
    # Due by the 5th school day after Monday 6 Oct: Monday 13 Oct.
    assert selectors.watch_lists(actor=la_officer, year=2025,
                                 today=date(2025, 10, 13)).n_codes == []
    (entry,) = selectors.watch_lists(actor=la_officer, year=2025,
                                     today=date(2025, 10, 14)).n_codes
    assert entry.since == MON
    record(provider_staff, [item(full_time, MON, "AM", "M", reason="Dentist letter")])
    assert selectors.watch_lists(actor=la_officer, year=2025,
                                 today=date(2025, 10, 14)).n_codes == []


def test_e_code_beyond_the_5th_day_is_provision_overdue(world, la_officer, school_dsl):
    learner = factories.learner(world.school)
    ds = school_days(world, MON, 6)
    record(school_dsl, [{"learner": learner.pk, "setting": world.school.pk, "date": d,
                         "session": "AM", "code": "E"} for d in ds[:5]])
    assert selectors.watch_lists(actor=la_officer, year=2025,
                                 today=date(2025, 11, 28)).e_codes == []
    record(school_dsl, [{"learner": learner.pk, "setting": world.school.pk, "date": ds[5],
                         "session": "AM", "code": "E"}])
    (entry,) = selectors.watch_lists(actor=la_officer, year=2025,
                                     today=date(2025, 11, 28)).e_codes
    assert entry.since == ds[5] and "overdue" in entry.detail


def test_watch_lists_are_scoped(full_time, world, provider_staff, other_school_dsl):
    ds = school_days(world, MON, 5)
    record(provider_staff, [item(full_time, d, s, "O") for d in ds for s in ("AM", "PM")])
    lists = selectors.watch_lists(actor=other_school_dsl, year=2025, today=date(2025, 11, 28))
    assert lists.counts() == dict.fromkeys(lists.counts(), 0)


def test_heatmap_weeks_of_am_pm(dual, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "O")])
    weeks = selectors.heatmap(actor=None, learner=dual.learner, start=MON, end=WED)
    (week,) = weeks
    assert [d.date for d in week.days][:3] == [MON, TUE, WED]
    assert week.days[0].am.code == "/" and week.days[1].am.code == "O"
    assert week.days[0].pm is None


def test_this_years_lists_from_the_kept_counts_equal_those_from_the_marks(
        full_time, dual, world, provider_staff, la_officer):  # type: ignore[no-untyped-def]
    """Watch lists for the year so far read the kept counts (today is the real today); for a
    day in the past they read the marks. Both must give the same learners."""
    from django.utils import timezone

    ds = school_days(world, MON, 5)
    record(provider_staff, [item(full_time, d, s, "O") for d in ds for s in ("AM", "PM")])
    record(provider_staff, [item(dual, MON, "AM", "O"), item(dual, TUE, "AM", "/")])
    year_end = date(2026, 8, 31)
    from_counts = selectors.watch_lists(actor=la_officer, year=2025, today=timezone.localdate())
    from_marks = selectors.watch_lists(actor=la_officer, year=2025, today=year_end)
    assert from_counts.severe and from_counts.severe[0].learner == full_time.learner
    for name in ("persistent", "severe"):
        assert ([(e.learner, e.summary) for e in getattr(from_counts, name)]
                == [(e.learner, e.summary) for e in getattr(from_marks, name)])
    counts = (len(from_marks.persistent), len(from_marks.severe))
    assert selectors.absence_counts(actor=la_officer, today=year_end) == counts
