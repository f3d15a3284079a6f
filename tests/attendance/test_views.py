"""The attendance pages, per role and scope: registers, alerts, reconciliation, imports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from aptrack.accounts.models import AuditEvent
from aptrack.attendance.models import Alert, AttendanceImport, AttendanceMark
from aptrack.attendance.services import attendance_marks_record
from tests.attendance.conftest import MON, item

REG = "/attendance/register/"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_provider_register_lists_expected_learners(dual, provider_staff):
    page = client_for(provider_staff).get(REG, {"date": "2025-10-06", "session": "AM"})
    assert page.status_code == 200
    assert f"{dual.learner.family_name}, {dual.learner.given_name}<" in page.content.decode()
    assert f'name="code-{dual.learner_id}"' in page.content.decode()
    afternoon = client_for(provider_staff).get(REG, {"date": "2025-10-06", "session": "PM"})
    assert "No learners are expected" in afternoon.content.decode()


def test_register_on_a_non_school_day(dual, provider_staff):
    page = client_for(provider_staff).get(REG, {"date": "2025-10-11", "session": "AM"})
    assert "is not a school day" in page.content.decode()


@pytest.mark.parametrize("role", ["la_officer"])
def test_users_without_a_register_get_404(world, role):
    assert client_for(world.users[role]).get(REG).status_code == 404


def test_all_present_in_one_action_with_exceptions(dual, world, provider_staff):
    from aptrack.placements import services as placements
    from tests import factories

    other = factories.learner(world.school)
    p2 = world.commission(other, provider=world.pru, reason="off_site_direction", start=MON)
    placements.placement_start(actor=None, placement=p2, on=MON)
    response = client_for(provider_staff).post(REG, {
        "date": "2025-10-06", "session": "AM", "action": "all_present",
        f"code-{other.pk}": "M"})
    assert response.status_code == 302
    codes = dict(AttendanceMark.objects.filter(setting=world.pru).values_list("learner_id",
                                                                              "code"))
    assert codes == {dual.learner_id: "/", other.pk: "M"}
    assert AttendanceMark.objects.get(learner=other, setting=world.pru).source == "register"


def test_changing_a_recorded_mark_needs_a_reason(dual, provider_staff):
    c = client_for(provider_staff)
    c.post(REG, {"date": "2025-10-06", "session": "AM", "action": "all_present"})
    refused = c.post(REG, {"date": "2025-10-06", "session": "AM", "action": "save",
                           f"code-{dual.learner_id}": "L"})
    assert refused.status_code == 400
    assert "Give the reason" in refused.content.decode()
    assert AttendanceMark.objects.get(setting=dual.provider).code == "/"
    ok = c.post(REG, {"date": "2025-10-06", "session": "AM", "action": "save",
                      f"code-{dual.learner_id}": "L", "reason": "Arrived 09:20 by taxi"})
    assert ok.status_code == 302
    mark = AttendanceMark.objects.get(setting=dual.provider)
    assert mark.code == "L" and mark.amendments.get().reason == "Arrived 09:20 by taxi"


def test_invalid_mark_shows_error_summary_naming_the_learner(dual, provider_staff):
    response = client_for(provider_staff).post(REG, {
        "date": "2025-10-06", "session": "AM", "action": "save",
        f"code-{dual.learner_id}": "H"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and dual.learner.full_name in body
    assert "withdrawn" in body
    assert not AttendanceMark.objects.exists()


def test_school_register_shows_pupils_at_ap_and_records_proposed_codes(dual, world, school_dsl):
    c = client_for(school_dsl)
    page = c.get(REG, {"date": "2025-10-06", "session": "AM"})
    body = page.content.decode()
    assert "Pupils expected at alternative provision" in body and "D proposed" in body
    c.post(REG, {"date": "2025-10-06", "session": "AM", "action": "accept_proposed"})
    home = AttendanceMark.objects.get(setting=world.school)
    assert (home.code, home.source) == ("D", "register")


def _alert(dual, provider_staff) -> Alert:  # type: ignore[no-untyped-def]
    attendance_marks_record(actor=provider_staff, marks=[item(dual, MON, "AM", "O")],
                            today=MON)
    return Alert.objects.get()


def test_alerts_listed_for_home_school_and_commissioner_not_others(dual, provider_staff,
                                                                   school_dsl,
                                                                   other_school_dsl):
    alert = _alert(dual, provider_staff)
    name = f">{dual.learner.family_name}, {dual.learner.given_name}<"
    mine = client_for(school_dsl).get("/attendance/alerts/").content.decode()
    assert name in mine and "Action needed" in mine
    theirs = client_for(other_school_dsl).get("/attendance/alerts/").content.decode()
    assert name not in theirs
    assert client_for(other_school_dsl).get(f"/attendance/alerts/{alert.pk}/").status_code == 404


def test_alert_acknowledged_with_an_outcome_from_the_page(dual, provider_staff, school_dsl):
    alert = _alert(dual, provider_staff)
    c = client_for(school_dsl)
    page = c.get(f"/attendance/alerts/{alert.pk}/")
    assert page.status_code == 200 and "What has been done?" in page.content.decode()
    assert AuditEvent.objects.filter(action="learner.view", learner_id=dual.learner_id).exists()
    refused = c.post(f"/attendance/alerts/{alert.pk}/", {})
    assert refused.status_code == 400 and "Choose what has been done" in refused.content.decode()
    done = c.post(f"/attendance/alerts/{alert.pk}/", {"outcome": "contact_made",
                                                     "note": "Spoke to carer"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.outcome == "contact_made" and alert.acknowledged_by == school_dsl


def test_provider_sees_its_alert_but_cannot_close_it(dual, provider_staff):
    alert = _alert(dual, provider_staff)
    c = client_for(provider_staff)
    page = c.get(f"/attendance/alerts/{alert.pk}/")
    assert page.status_code == 200 and "What has been done?" not in page.content.decode()
    assert c.post(f"/attendance/alerts/{alert.pk}/", {"outcome": "contact_made"}
                  ).status_code == 404


def test_reconcile_page_for_schools_only(dual, world, school_dsl, provider_staff, la_officer):
    today = date.today()
    attendance_marks_record(actor=school_dsl, today=today, marks=[
        item(dual, today - timedelta(days=d), "AM", "D", setting=world.school)
        for d in range(1, 8) if (today - timedelta(days=d)).weekday() == 0][:1])
    page = client_for(school_dsl).get("/attendance/reconcile/")
    assert page.status_code == 200
    assert client_for(provider_staff).get("/attendance/reconcile/").status_code == 404
    assert client_for(la_officer).get("/attendance/reconcile/").status_code == 404


def test_watch_lists_and_index_render_for_every_role(world, dual):
    for user in world.users.values():
        assert client_for(user).get("/attendance/watch-lists/").status_code == 200
        assert client_for(user).get("/attendance/").status_code == 200


def test_learner_attendance_page_is_scoped_and_audited(dual, provider_staff, school_dsl,
                                                       other_school_dsl):
    attendance_marks_record(actor=provider_staff, marks=[item(dual, MON, "AM", "/")], today=MON)
    url = f"/attendance/learners/{dual.learner_id}/?from=2025-10-06"
    page = client_for(school_dsl).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "app-mark--present" in body and "Show the marks as a list" in body
    assert AuditEvent.objects.filter(action="learner.view", learner_id=dual.learner_id,
                                     username="school_dsl").exists()
    assert client_for(other_school_dsl).get(url).status_code == 404


def test_upload_small_file_loads_at_once(dual, provider_staff, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("week.csv", (f"upn,date,session,code\n{dual.learner.upn},"
                                             "2025-10-06,AM,/\n").encode())
    response = client_for(provider_staff).post("/attendance/imports/", {"file": upload})
    assert response.status_code == 302
    job = AttendanceImport.objects.get()
    assert job.status == "done" and job.result["created"] == 1
    page = client_for(provider_staff).get(response["Location"]).content.decode()
    assert "Marks loaded" in page
    assert not list((tmp_path / "uploads" / "attendance").iterdir())  # upload removed


def test_upload_with_problems_lists_them_and_loads_nothing(dual, provider_staff, tmp_path,
                                                           settings):
    settings.VAR_DIR = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bad.csv", (f"upn,date,session,code\n{dual.learner.upn},"
                                            "2025-10-06,AM,/\nX,2025-10-07,AM,/\n").encode())
    response = client_for(provider_staff).post("/attendance/imports/", {"file": upload})
    page = client_for(provider_staff).get(response["Location"]).content.decode()
    assert "Nothing was loaded" in page and "line 3: upn:" in page
    assert not AttendanceMark.objects.exists()


def test_upload_refuses_other_file_types(world, provider_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(provider_staff).post(
        "/attendance/imports/", {"file": SimpleUploadedFile("marks.pdf", b"%PDF")})
    assert response.status_code == 400 and "CSV or an XLSX" in response.content.decode()


def test_import_status_of_another_setting_is_404(world, provider_staff, ap_staff):
    job = AttendanceImport.objects.create(setting=world.pru, filename="x.csv")
    assert client_for(ap_staff).get(f"/attendance/imports/{job.pk}/").status_code == 404
    assert client_for(provider_staff).get(f"/attendance/imports/{job.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_large_upload_loads_in_the_background_with_progress(tmp_path, settings, monkeypatch):
    """A file above the inline limit is loaded by a background thread; the page polls."""
    import threading
    import time
    from types import SimpleNamespace

    from django.core.files.uploadedfile import SimpleUploadedFile

    from aptrack.placements import services as placements
    from tests import factories

    settings.VAR_DIR = tmp_path
    settings.ATTENDANCE = {**settings.ATTENDANCE, "UPLOAD_INLINE_MAX_BYTES": 1024}
    world = factories.World.build()
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=world.pru, reason="off_site_direction",
                         start=date(2024, 9, 2))
    placements.placement_start(actor=None, placement=p, on=date(2024, 9, 2))
    from aptrack.attendance.whereabouts import calendar_of

    days = calendar_of(world.pru).school_days(date(2024, 9, 2), date(2026, 7, 1))
    rows = "".join(f"{learner.upn},{d.isoformat()},{s},/\n" for d in days for s in ("AM", "PM"))
    body = ("upn,date,session,code\n" + rows).encode()
    assert len(body) > 1024
    staff = world.users["provider_staff"]
    from django.db import connection

    from aptrack.attendance import jobs

    held: list[threading.Thread] = []
    if connection.vendor == "sqlite":
        # SQLite's shared in-memory test database refuses a writer at once ("table is locked",
        # no busy wait) while another connection touches the table, so here the load's thread
        # starts only once the request has finished, and the test reads nothing until it ends.
        # (PostgreSQL below runs them side by side, polling the page meanwhile.)
        class Held(threading.Thread):
            def start(self) -> None:
                held.append(self)

        monkeypatch.setattr(jobs, "threading", SimpleNamespace(Thread=Held))
    response = client_for(staff).post("/attendance/imports/",
                                      {"file": SimpleUploadedFile("year.csv", body)})
    if connection.vendor == "sqlite":
        assert len(held) == 1, "a file above the inline limit is loaded in the background"
        threading.Thread.start(held[0])
        held[0].join(120)
    job = AttendanceImport.objects.get()
    for _ in range(600):
        status = AttendanceImport.objects.values_list("status", flat=True).get(pk=job.pk)
        if status in ("done", "failed"):
            break
        assert jobs.progress_of(job)[0] >= 0
        if connection.vendor == "postgresql":
            # While the load runs, the page answers and shows progress (or the result).
            page = client_for(staff).get(response["Location"])
            assert page.status_code == 200
            text = page.content.decode()
            assert "This page updates itself" in text or "Marks loaded" in text
        time.sleep(0.05)
    job.refresh_from_db()
    assert job.status == "done", job.problems
    assert AttendanceMark.objects.filter(setting=world.pru).count() == 2 * len(days)
    assert "Marks loaded" in client_for(staff).get(response["Location"]).content.decode()


# ---- attendance on the web service's pages ---------------------------------------------------
def test_school_home_says_whether_learners_arrived(dual, world, provider_staff, school_dsl):
    from aptrack.web.selectors import current_placements

    TUE = MON + timedelta(days=1)
    attendance_marks_record(actor=provider_staff, today=TUE, marks=[
        item(dual, MON, "AM", "/"), item(dual, TUE, "AM", "O")])
    arrived = {on: current_placements(school_dsl, on)[0]["arrived"]
               for on in (MON, TUE, MON + timedelta(days=2))}
    assert arrived == {MON: True, TUE: False, MON + timedelta(days=2): None}


def test_dashboard_lists_learners_not_where_expected(dual, offsite, world, provider_staff,
                                                     la_officer):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from aptrack.attendance.selectors import today_overview

    attendance_marks_record(actor=provider_staff, today=MON, marks=[item(dual, MON, "AM", "I")])
    at = datetime(2025, 10, 6, 9, 45, tzinfo=ZoneInfo("Europe/London"))
    overview = today_overview(actor=la_officer, now=at)
    rows = {(r.learner.pk, r.session, r.code) for r in overview["not_where_expected"]}
    # The PRU recorded illness; the AP has not marked its register, which closed at 09:30.
    assert rows == {(dual.learner_id, "AM", "I"), (offsite.learner_id, "AM", None)}
    assert overview["open_alerts"] == 1
    assert today_overview(actor=world.users["other_school_dsl"], now=at)[
        "not_where_expected"] == []


def test_learner_page_shows_attendance_with_heatmap(dual, school_dsl):
    body = client_for(school_dsl).get(f"/learners/{dual.learner_id}/").content.decode()
    assert "See all attendance" in body and "app-heatmap" in body
    assert "Show the marks as a list" in body


def test_dashboard_and_homes_render_with_attendance(dual, la_officer, school_dsl,
                                                    provider_staff):
    assert "Attendance today" in client_for(la_officer).get("/").content.decode()
    assert "Reconcile your register" in client_for(school_dsl).get("/").content.decode()
    assert "Morning register" in client_for(provider_staff).get("/").content.decode()


def test_an_upload_abandoned_by_a_stopped_server_is_marked_failed(world, provider_staff):
    """A background load dies with its server process; after the time limit the job says so
    instead of running for ever (docs/operations.md), and a fresh one is left alone."""
    from django.utils import timezone

    from aptrack.attendance import jobs

    old = AttendanceImport.objects.create(setting=world.pru, filename="old.csv",
                                          status="running")
    AttendanceImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=61))
    fresh = AttendanceImport.objects.create(setting=world.pru, filename="new.csv",
                                            status="running")
    page = client_for(provider_staff).get(f"/attendance/imports/{old.pk}/")
    assert page.status_code == 200
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "failed" and old.problems == [jobs.ABANDONED]
    assert fresh.status == "running"
    assert jobs.expire_abandoned() == 0
