"""The kept counts (attendance/counts.py) always equal what the marks say.

Random histories of marks on both registers (new marks, amendments, derived home-school marks,
refused batches) are written through the service; after every step the counts kept beside the
marks must equal the counted rule applied to the marks themselves, and the year summaries read
from them must equal ``summaries_by_learner`` over the marks.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aptrack.attendance import counts
from aptrack.attendance.models import AttendanceCount, AttendanceMark
from aptrack.attendance.selectors import summaries_by_learner, year_summaries
from aptrack.attendance.services import MarksInvalid, attendance_marks_record
from aptrack.rules.calendar import school_year_of
from tests.attendance.conftest import MON, TODAY

pytestmark = pytest.mark.django_db

DAYS = [MON, MON + timedelta(days=1), MON + timedelta(days=2)]
CODES = ["/", "\\", "O", "I", "L", "M", "C", "G"]

step = st.tuples(st.sampled_from(["dual", "offsite"]), st.booleans(),  # home school register?
                 st.sampled_from(DAYS), st.sampled_from(["AM", "PM"]), st.sampled_from(CODES))


def _agree(year: int) -> None:
    assert counts.differences() == []
    marks = AttendanceMark.objects.filter(date__year__gte=year)
    assert year_summaries(actor=None, year=year) == summaries_by_learner(marks)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.lists(step, min_size=1, max_size=4), min_size=1, max_size=6))
def test_counts_follow_every_write(dual, offsite, history):  # type: ignore[no-untyped-def]
    placements = {"dual": dual, "offsite": offsite}
    year = school_year_of(MON)
    with transaction.atomic():
        for batch in history:
            marks = []
            for which, at_home, day, session, code in batch:
                p = placements[which]
                setting = p.home_school if at_home else p.provider
                marks.append({"learner": p.learner_id, "setting": setting.pk, "date": day,
                              "session": session, "code": code, "reason": "checked"})
            try:
                attendance_marks_record(actor=None, marks=marks, today=TODAY, notify=False)
            except MarksInvalid:
                pass  # refused as a whole: the counts must not have moved either
            _agree(year)
        transaction.set_rollback(True)


def test_counts_start_and_grow_with_a_register(dual, offsite):  # type: ignore[no-untyped-def]
    year = school_year_of(MON)
    assert not AttendanceCount.objects.exists()
    attendance_marks_record(actor=None, today=TODAY, notify=False, marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": MON,
         "session": "AM", "code": "/"},
        {"learner": offsite.learner_id, "setting": offsite.provider_id, "date": MON,
         "session": "AM", "code": "O"}])
    kept = dict(((lid, cat), n) for lid, cat, n in AttendanceCount.objects.filter(
        school_year=year).values_list("learner_id", "category", "sessions"))
    # The PRU's present mark counts (the home school's derived D is "not counted"); at the
    # unregistered AP the home school's register holds the absence (O replaces B) and counts.
    assert kept[(dual.learner_id, "present")] == 1
    assert kept[(dual.learner_id, "not_counted")] == 1
    assert kept[(offsite.learner_id, "unauthorised")] == 1
    assert (offsite.learner_id, "present") not in kept
    # An amendment moves the session from one category to the other.
    attendance_marks_record(actor=None, today=TODAY, notify=False, marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": MON,
         "session": "AM", "code": "I", "reason": "phoned in ill"}])
    kept = dict(((lid, cat), n) for lid, cat, n in AttendanceCount.objects.filter(
        school_year=year).values_list("learner_id", "category", "sessions"))
    assert kept[(dual.learner_id, "present")] == 0
    assert kept[(dual.learner_id, "authorised")] == 1
    _agree(year)


def test_rebuild_restores_counts_after_marks_are_deleted(dual):  # type: ignore[no-untyped-def]
    year = school_year_of(MON)
    attendance_marks_record(actor=None, today=TODAY, notify=False, marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": d, "session": s,
         "code": "/"} for d in DAYS for s in ("AM", "PM") if d != DAYS[1]])
    AttendanceMark.objects.filter(date=MON).delete()
    assert counts.differences() != []  # a bare delete leaves them stale ...
    counts.rebuild([dual.learner_id])  # ... until they are rebuilt
    _agree(year)


def test_retention_deleting_register_entries_rebuilds_their_counts(dual):  # type: ignore[no-untyped-def]
    from aptrack.accounts import dataprotection

    attendance_marks_record(actor=None, today=TODAY, notify=False, marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": MON, "session": "AM",
         "code": "/"}])
    assert AttendanceCount.objects.filter(learner_id=dual.learner_id, sessions__gt=0).exists()
    done = dataprotection.retention_apply(dry_run=False, today=TODAY + timedelta(days=7 * 366))
    assert any(i.model == "attendance.AttendanceMark" for i in done)
    assert not AttendanceMark.objects.filter(learner_id=dual.learner_id).exists()
    assert not AttendanceCount.objects.filter(learner_id=dual.learner_id).exists()
    assert counts.differences() == []


def test_large_batches_written_as_rows_keep_every_rule(dual, offsite, world, monkeypatch):  # type: ignore[no-untyped-def]
    """Batches above STREAM_ABOVE go as plain rows (COPY on PostgreSQL): the marks, the derived
    home-school marks, the alerts and the counts must be what the ORM path writes."""
    from aptrack.attendance import services
    from aptrack.attendance.models import Alert

    monkeypatch.setattr(services, "STREAM_ABOVE", 0)
    staff = world.users["provider_staff"]
    result = attendance_marks_record(actor=staff, today=TODAY, notify=False, source="import",
                                     marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": MON, "session": "AM",
         "code": "/"},
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": DAYS[1],
         "session": "AM", "code": "O"}])
    assert (result.created, result.derived, result.alerts) == (2, 2, 1)
    mark = AttendanceMark.objects.get(learner_id=dual.learner_id, setting_id=dual.provider_id,
                                      date=MON)
    assert (mark.code, mark.category, mark.at_school, mark.placement_id, mark.source,
            mark.recorded_by_id) == ("/", "present", True, dual.pk, "import", staff.pk)
    assert mark.recorded_at is not None
    home = AttendanceMark.objects.get(learner_id=dual.learner_id, setting_id=dual.home_school_id,
                                      date=MON)
    assert (home.code, home.source, home.at_school) == ("D", "derived", True)
    assert Alert.objects.filter(learner_id=dual.learner_id, date=DAYS[1], code="O").exists()
    _agree(school_year_of(MON))


def test_the_command_checks_and_rebuilds(dual):  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import CommandError, call_command

    attendance_marks_record(actor=None, today=TODAY, notify=False, marks=[
        {"learner": dual.learner_id, "setting": dual.provider_id, "date": MON, "session": "AM",
         "code": "/"}])
    out = StringIO()
    call_command("attendance_counts", "--check", stdout=out)
    assert "agree" in out.getvalue()
    AttendanceCount.objects.filter(category="present").update(sessions=5)
    with pytest.raises(CommandError, match="1 count"):
        call_command("attendance_counts", "--check", stdout=StringIO())
    call_command("attendance_counts", "--rebuild", stdout=StringIO())
    call_command("attendance_counts", "--check", stdout=StringIO())
    assert AttendanceCount.objects.get(category="present").sessions == 1
