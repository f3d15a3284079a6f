"""Attendance through the API: marks all or nothing with per-item errors, the summary object,
marks and alerts lists, acknowledging alerts, and absence webhooks."""

from __future__ import annotations

from typing import Any

import pytest

from aptrack.accounts.models import AuditEvent
from aptrack.attendance.models import Alert, AttendanceMark

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

SUMMARY_KEYS = {"possible", "present", "approved_activity", "authorised", "unauthorised",
                "not_counted", "attendance_rate", "absence_rate", "persistent_absence",
                "severe_absence"}


def _marks(api: Any, *codes: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"learner": api.mine.pk, "setting": api.world.pru.pk, "date": day,
             "session": session, "code": code} for day, session, code in codes]


def test_provider_records_marks_and_the_summary_counts_them(api: Any) -> None:
    client = api.client("provider_staff")
    body = _marks(api, ("2025-10-07", "AM", "/"), ("2025-10-07", "PM", "O"))
    response = client.post("/api/v1/attendance/marks/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    again = client.post("/api/v1/attendance/marks/", body, format="json")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)
    summary = api.client("la_officer").get(
        f"/api/v1/learners/{api.mine.pk}/attendance/?from=2025-10-01&to=2025-10-31")
    assert summary.status_code == 200
    got = summary.json()
    assert set(got) == SUMMARY_KEYS
    assert (got["possible"], got["present"], got["unauthorised"]) == (2, 1, 1)
    assert got["attendance_rate"] == 0.5
    empty = api.client("la_officer").get(
        f"/api/v1/learners/{api.mine.pk}/attendance/?from=2025-11-01&to=2025-11-30").json()
    assert (empty["possible"], empty["attendance_rate"]) == (0, None)
    assert AuditEvent.objects.filter(action="learner.attendance_view",
                                     learner_id=api.mine.pk).count() == 2


def test_marks_are_all_or_nothing_with_errors_per_item(api: Any) -> None:
    body = _marks(api, ("2025-10-07", "AM", "/"), ("2025-10-07", "PM", "Q9"),
                  ("2025-10-11", "AM", "/"))  # a Saturday
    body.append({"learner": api.mine.pk, "setting": api.world.pru.pk, "date": "2025-10-08",
                 "session": "XX", "code": "/"})
    response = api.client("provider_staff").post("/api/v1/attendance/marks/", body,
                                                 format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "code"), (2, "date"),
                                                         (3, "session")]
    assert all(e["reason"] for e in errors)
    assert "nothing was recorded" in response.json()["detail"]
    assert not AttendanceMark.objects.exists()


def test_marks_request_shape_and_limit(api: Any, settings: Any) -> None:
    client = api.client("provider_staff")
    not_a_list = client.post("/api/v1/attendance/marks/", {"learner": 1}, format="json")
    assert not_a_list.status_code == 400 and not_a_list.json()["errors"] == []
    assert "Send a JSON list of marks" in not_a_list.json()["detail"]
    empty = client.post("/api/v1/attendance/marks/", [], format="json")
    assert empty.status_code == 400
    assert empty.json() == {"detail": "The list of marks is empty.", "errors": []}
    settings.APTRACK_API = {**settings.APTRACK_API, "MAX_MARKS_PER_REQUEST": 1}
    two = _marks(api, ("2025-10-07", "AM", "/"), ("2025-10-07", "PM", "/"))
    response = client.post("/api/v1/attendance/marks/", two, format="json")
    assert response.status_code == 413 and "the most is 1" in response.json()["detail"]


def test_marks_post_is_idempotent(api: Any) -> None:
    client = api.client("provider_staff")
    body = _marks(api, ("2025-10-07", "AM", "/"))
    first = client.post("/api/v1/attendance/marks/", body, format="json",
                        HTTP_IDEMPOTENCY_KEY="register-2025-10-07-am")
    second = client.post("/api/v1/attendance/marks/", body, format="json",
                         HTTP_IDEMPOTENCY_KEY="register-2025-10-07-am")
    assert first.json() == second.json() and first.json()["created"] == 1
    assert second["Idempotent-Replayed"] == "true"


def test_marks_list_is_scoped(api: Any) -> None:
    api.client("provider_staff").post(
        "/api/v1/attendance/marks/", _marks(api, ("2025-10-07", "AM", "/")), format="json")
    own = api.client("provider_staff").get("/api/v1/attendance/marks/").json()
    assert own["count"] == 1 and own["results"][0]["code"] == "/"
    assert api.client("other_provider_staff").get("/api/v1/attendance/marks/").json()[
        "count"] == 0
    la = api.client("la_officer").get(
        f"/api/v1/attendance/marks/?setting={api.world.pru.pk}&date_from=2025-10-07").json()
    assert la["count"] == 1


def test_alerts_list_and_acknowledge(api: Any) -> None:
    client = api.client("school_dsl")
    listed = client.get("/api/v1/attendance/alerts/?open=true").json()
    assert [a["id"] for a in listed["results"]] == [api.mine_alert.pk]
    url = f"/api/v1/attendance/alerts/{api.mine_alert.pk}/acknowledge/"
    assert client.post(url, {"outcome": "phoned"}, format="json").status_code == 400
    done = client.post(url, {"outcome": "whereabouts_known", "note": "At home, unwell."},
                       format="json")
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == "whereabouts_known" and done.json()["acknowledged_at"]
    assert client.get("/api/v1/attendance/alerts/?open=true").json()["count"] == 0
    assert AuditEvent.objects.filter(action="alert.acknowledge",
                                     learner_id=api.mine.pk).exists()


def test_bad_summary_parameters(api: Any) -> None:
    client = api.client("la_officer")
    url = f"/api/v1/learners/{api.mine.pk}/attendance/"
    assert client.get(url + "?from=07/10/2025").status_code == 400
    assert client.get(url + "?setting=999999").status_code == 400
    assert client.get(url + f"?setting={api.world.pru.pk}").status_code == 200


def test_absence_alerts_become_webhooks(api: Any, settings: Any) -> None:
    from aptrack.api import webhooks
    from tests.api.test_webhooks import Receiver

    settings.APTRACK_API = {**settings.APTRACK_API, "WEBHOOK_ALLOW_HTTP": True,
                            "WEBHOOK_ALLOW_PRIVATE": True,
                            "WEBHOOK_SETTLE_SECONDS": 0}
    receiver = Receiver()
    receiver.thread.start()
    try:
        api.client("school_dsl").post("/api/v1/webhooks/", {
            "url": receiver.url, "events": ["absence.recorded"]}, format="json")
        api.client("other_school_dsl").post("/api/v1/webhooks/", {
            "url": receiver.url + "/other", "events": ["absence.recorded"]}, format="json")
        alert = Alert.objects.create(kind="absence", learner=api.mine, setting=api.world.pru,
                                     placement=api.mine_placement, date="2025-10-09",
                                     session="PM", code="O")
        assert webhooks.deliver_due().delivered == 1
        assert receiver.payloads()[0]["data"] == {
            "alert": alert.pk, "learner": api.mine.pk, "setting": api.world.pru.pk,
            "placement": api.mine_placement.pk}
        assert receiver.received[0]["path"] == "/hook"
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
