"""Recording marks: validation, amendments, derived home-school marks and absence alerts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aptrack.accounts.models import AuditEvent
from aptrack.attendance import services
from aptrack.attendance.models import Alert, AttendanceMark, MarkAmendment
from aptrack.attendance.services import MarksInvalid, attendance_marks_record
from tests import factories
from tests.attendance.conftest import MON, TODAY, item

TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)


def record(actor, marks, **kw):  # type: ignore[no-untyped-def]
    return attendance_marks_record(actor=actor, marks=marks, today=kw.pop("today", TODAY), **kw)


def errors_of(exc: pytest.ExceptionInfo[MarksInvalid]) -> list[tuple[int, str]]:
    return [(e["index"], e["field"]) for e in exc.value.errors]


def test_provider_mark_is_recorded_with_who_when_and_how(dual, provider_staff):
    result = record(provider_staff, [item(dual, MON, "AM", "/")], source="register")
    mark = AttendanceMark.objects.get(setting=dual.provider)
    assert (mark.code, mark.category, mark.source) == ("/", "present", "register")
    assert mark.recorded_by == provider_staff and mark.recorded_at is not None
    assert mark.placement == dual
    assert result.created == 1
    event = AuditEvent.objects.get(action="attendance.record")
    assert event.object_id == str(dual.provider_id) and event.changes["created"] == 1


def test_dual_registered_home_school_mark_is_derived_as_d(dual, provider_staff, world):
    result = record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "O")])
    home = AttendanceMark.objects.filter(setting=world.school).order_by("date")
    # D while expected at the provider, whatever the provider records (its register counts).
    assert [(m.date, m.code, m.source) for m in home] == [(MON, "D", "derived"),
                                                         (TUE, "D", "derived")]
    assert result.derived == 2


def test_non_school_ap_home_mark_is_b_replaced_by_the_absence_code(offsite, ap_staff, world):
    record(ap_staff, [item(offsite, MON, "AM", "/"), item(offsite, MON, "PM", "O")])
    home = dict(AttendanceMark.objects.filter(setting=world.school).values_list("session", "code"))
    assert home == {"AM": "B", "PM": "O"}
    # The provider corrects the absence: the derived home mark follows, as an amendment.
    record(ap_staff, [item(offsite, MON, "PM", "L", reason="arrived at 13:20")])
    pm = AttendanceMark.objects.get(setting=world.school, session="PM")
    assert pm.code == "B" and pm.amendments.get().old_code == "O"


def test_a_mark_the_school_typed_is_never_overwritten_by_derivation(offsite, ap_staff, world,
                                                                    school_dsl):
    record(school_dsl, [item(offsite, MON, "AM", "I", setting=world.school)])
    record(ap_staff, [item(offsite, MON, "AM", "/")])
    home = AttendanceMark.objects.get(setting=world.school)
    assert (home.code, home.source) == ("I", "api")


def test_identical_resubmission_changes_nothing(dual, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "/")])
    again = record(provider_staff, [item(dual, MON, "AM", "/")])
    assert (again.created, again.amended, again.unchanged) == (0, 0, 1)
    assert AttendanceMark.objects.get(setting=dual.provider).version == 1
    assert not MarkAmendment.objects.exists()


def test_a_different_code_is_an_amendment_keeping_original_reason_who_and_when(
        dual, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "N")])
    result = record(provider_staff, [item(dual, MON, "AM", "I", reason="Parent phoned: ill")])
    mark = AttendanceMark.objects.get(setting=dual.provider)
    amendment = mark.amendments.get()
    assert result.amended == 1 and mark.code == "I" and mark.version == 2
    assert (amendment.old_code, amendment.new_code, amendment.reason) == ("N", "I",
                                                                          "Parent phoned: ill")
    assert amendment.amended_by == provider_staff and amendment.amended_at is not None
    audit = AuditEvent.objects.get(action="attendance.amend")
    assert audit.learner_id == dual.learner_id and audit.changes["code"] == ["N", "I"]


@pytest.mark.parametrize(("day", "session", "code", "field", "words"), [
    (date(2025, 10, 11), "AM", "/", "date", "not a school day"),       # a Saturday
    (date(2025, 9, 2), "AM", "/", "date", "not a school day"),         # INSET day
    (date(2025, 10, 27), "AM", "/", "date", "not a school day"),       # half term
    (date(2025, 10, 3), "AM", "/", "date", "no placement or enrolment"),  # before the start
    (date(2025, 12, 1), "AM", "/", "date", "in the future"),
    (MON, "XX", "/", "session", "AM or PM"),
    (MON, "AM", "H", "code", "withdrawn"),                              # API: never silently
    (MON, "AM", "ZZ", "code", "not a code"),
    (MON, "AM", "", "code", "required"),
])
def test_bad_marks_are_refused_with_field_and_reason(dual, provider_staff, day, session, code,
                                                     field, words):
    with pytest.raises(MarksInvalid) as exc:
        record(provider_staff, [item(dual, day, session, code)], today=date(2025, 11, 28))
    (error,) = exc.value.errors
    assert error["field"] == field and words in error["reason"]
    assert not AttendanceMark.objects.exists()


def test_all_or_nothing_every_problem_reported(dual, provider_staff):
    marks = [item(dual, MON, "AM", "/"), item(dual, date(2025, 10, 11), "AM", "/"),
             item(dual, TUE, "AM", "Q1"), item(dual, WED, "AM", "/")]
    with pytest.raises(MarksInvalid) as exc:
        record(provider_staff, marks)
    assert errors_of(exc) == [(1, "date"), (2, "code")]
    assert not AttendanceMark.objects.exists()


def test_same_session_twice_in_one_batch_with_different_codes_is_refused(dual, provider_staff):
    with pytest.raises(MarksInvalid) as exc:
        record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, MON, "AM", "O")])
    assert errors_of(exc) == [(1, "session")]


def test_only_the_settings_own_staff_record_its_register(dual, ap_staff, la_officer, world):
    learner_elsewhere = factories.learner(world.other_school)
    with pytest.raises(MarksInvalid) as exc:
        record(ap_staff, [item(dual, MON, "AM", "/")])
    # The AP provider does not see the PRU's learner: refused as unknown, not as forbidden.
    assert exc.value.errors[0]["field"] == "learner"
    with pytest.raises(MarksInvalid) as exc:
        record(la_officer, [item(dual, MON, "AM", "/")])
    assert "only its own staff" in exc.value.errors[0]["reason"]
    with pytest.raises(MarksInvalid) as exc:
        record(world.users["school_dsl"], [{"learner": learner_elsewhere.pk,
                                            "setting": world.school.pk, "date": MON,
                                            "session": "AM", "code": "/"}])
    assert exc.value.errors[0]["field"] == "learner"


def test_absence_alerts_home_school_dsl_and_commissioner_same_session(dual, provider_staff,
                                                                      world, smtp):
    world.users["school_dsl"].email = "dsl@test-high.invalid"
    world.users["school_dsl"].save()
    world.users["other_school_dsl"].email = "dsl@other-high.invalid"
    world.users["other_school_dsl"].save()
    with smtp.capture() as inbox:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            result = record(provider_staff, [item(dual, WED, "AM", "O"),
                                             item(dual, TUE, "AM", "/")])
    alert = Alert.objects.get()
    assert (alert.kind, alert.code, alert.date, alert.session) == ("absence", "O", WED, "AM")
    assert result.alerts == 1
    (message,) = inbox.messages
    assert message["To"] == "dsl@test-high.invalid"
    assert dual.learner.family_name not in message.get_payload()
    assert f"/attendance/alerts/{alert.pk}/" in message.get_payload()
    alert.refresh_from_db()
    assert alert.emailed_to == ["dsl@test-high.invalid"]


def test_absence_in_a_session_not_expected_at_the_provider_raises_no_alert(dual, provider_staff):
    record(provider_staff, [item(dual, MON, "PM", "O")])  # Monday PM is at school
    assert not Alert.objects.exists()


def test_old_absences_are_history_not_alerts(dual, provider_staff):
    record(provider_staff, [item(dual, MON, "AM", "O")], today=MON + timedelta(days=30))
    assert not Alert.objects.exists()


def test_alert_acknowledged_with_outcome(dual, provider_staff, school_dsl, other_school_dsl):
    record(provider_staff, [item(dual, WED, "AM", "O")])
    alert = Alert.objects.get()
    with pytest.raises(Alert.DoesNotExist):
        services.alert_acknowledge(actor=other_school_dsl, alert_id=alert.pk,
                                   outcome="contact_made")
    with pytest.raises(Alert.DoesNotExist):
        services.alert_acknowledge(actor=provider_staff, alert_id=alert.pk,
                                   outcome="contact_made")
    services.alert_acknowledge(actor=school_dsl, alert_id=alert.pk, outcome="whereabouts_known",
                               note="At home with mum, returns tomorrow")
    alert.refresh_from_db()
    assert alert.outcome == "whereabouts_known" and alert.acknowledged_by == school_dsl
    assert AuditEvent.objects.filter(action="alert.acknowledge", learner_id=alert.learner_id)


def test_unmarked_register_flagged_after_close_once(dual, provider_staff):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    before_close = datetime(2025, 10, 8, 9, 20, tzinfo=london)
    after_close = datetime(2025, 10, 8, 9, 31, tzinfo=london)
    assert services.registers_flag_unmarked(now=before_close) == 0
    assert services.registers_flag_unmarked(now=after_close) == 1
    assert services.registers_flag_unmarked(now=after_close) == 0
    alert = Alert.objects.get()
    assert (alert.kind, alert.date, alert.session) == ("unmarked", WED, "AM")


def test_register_all_present_with_exceptions(dual, world, provider_staff):
    other = factories.learner(world.school)
    p2 = world.commission(other, provider=world.pru, reason="off_site_direction", start=MON)
    from aptrack.placements import services as placements

    placements.placement_start(actor=None, placement=p2, on=MON)
    result = services.register_all_present(actor=provider_staff, setting=world.pru, day=MON,
                                           session="AM", exceptions={other.pk: "M"},
                                           today=TODAY)
    codes = dict(AttendanceMark.objects.filter(setting=world.pru).values_list("learner_id",
                                                                              "code"))
    assert codes == {dual.learner_id: "/", other.pk: "M"} and result.created == 2


def test_unmarked_register_emails_the_setting_and_the_commissioner(dual, world, smtp,
                                                                   provider_staff):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.test import TestCase

    for name, address in (("provider_staff", "pru@test.invalid"),
                          ("school_dsl", "dsl@test-high.invalid")):
        world.users[name].email = address
        world.users[name].save()
    with smtp.capture() as inbox, TestCase.captureOnCommitCallbacks(execute=True):
        services.registers_flag_unmarked(
            now=datetime(2025, 10, 8, 9, 45, tzinfo=ZoneInfo("Europe/London")))
    (message,) = inbox.messages
    assert set(message["X-Envelope-To"].split(", ")) == {"pru@test.invalid",
                                                         "dsl@test-high.invalid"}
    assert "was not marked on the register" in message.get_payload()


def test_totals_over_a_period_for_a_school_provider_and_la(dual, world, provider_staff,
                                                           la_officer, school_dsl):
    from aptrack.attendance.selectors import attendance_totals

    record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "O")])
    for actor in (la_officer, school_dsl):
        totals = attendance_totals(actor=actor, start=MON, end=TUE)
        assert (totals.possible, totals.present, totals.unauthorised) == (2, 1, 1)
    at_pru = attendance_totals(actor=provider_staff, start=MON, end=MON, setting=world.pru)
    assert (at_pru.possible, at_pru.present) == (1, 1)
    assert attendance_totals(actor=world.users["other_school_dsl"], start=MON,
                             end=TUE).possible == 0


def test_a_session_written_meanwhile_by_someone_else_is_refused_not_overwritten(
        dual, provider_staff, monkeypatch):
    """Two staff save the same session at once: the second is told, nothing is lost."""
    from aptrack.attendance import services as svc

    # The other person's mark is written; our read happened just before it landed.
    AttendanceMark.objects.create(learner_id=dual.learner_id, setting_id=dual.provider_id,
                                  date=MON, session="AM", code="/", category="present",
                                  source="register", placement=dual)

    def racing(keys):  # type: ignore[no-untyped-def]
        return {}

    monkeypatch.setattr(svc, "_existing", racing)
    with pytest.raises(MarksInvalid) as exc:
        record(provider_staff, [item(dual, MON, "AM", "O")])
    assert "at the same moment" in exc.value.errors[0]["reason"]
    monkeypatch.undo()
    assert AttendanceMark.objects.get(setting=dual.provider).code == "/"


def test_the_same_mark_twice_in_one_batch_is_recorded_once(dual, provider_staff):  # type: ignore[no-untyped-def]
    """Found by the counts property test: a duplicated item used to fail the whole batch as if
    someone else had saved the session at the same moment."""
    result = record(provider_staff, [item(dual, MON, "AM", "/"), item(dual, MON, "AM", "/")])
    assert result.created == 1
    assert AttendanceMark.objects.filter(learner=dual.learner, setting=dual.provider).count() == 1
