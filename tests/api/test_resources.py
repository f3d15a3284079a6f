"""What a school and a provider do on the pages, done through the API: create learners,
commission and move placements on, record exclusions, filter lists."""

from __future__ import annotations

from typing import Any

import pytest

from aptrack.accounts.models import AuditEvent
from aptrack.learners.models import Learner

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def test_establishment_fields_and_kinds(api: Any) -> None:
    results = api.client("provider_staff").get("/api/v1/establishments/?ordering=urn").json()
    first = results["results"][0]
    assert {"id", "urn", "ukprn", "name", "kind", "la_code"} <= set(first)
    assert {e["kind"] for e in results["results"]} == {"mainstream_school", "pru",
                                                       "unregistered"}
    pru = api.client("la_officer").get("/api/v1/establishments/?urn=100003").json()["results"]
    assert [(e["name"], e["la_code"]) for e in pru] == [("Test PRU", "332")]


def test_a_school_creates_a_learner_on_its_roll(api: Any) -> None:
    client = api.client("school_dsl")
    response = client.post("/api/v1/learners/", {
        "given_name": "Nia", "family_name": "Newcomer", "date_of_birth": "2013-04-04",
        "sex": "F", "home_la": "332", "upn": "", "enrolled_from": "2026-09-02"}, format="json")
    assert response.status_code == 201, response.content
    learner = Learner.objects.get(pk=response.json()["id"])
    assert learner.upn is None
    assert [(e.establishment, str(e.start_date)) for e in learner.enrolments.all()] == [
        (api.world.school, "2026-09-02")]
    assert response["Location"].endswith(f"/api/v1/learners/{learner.pk}/")
    assert AuditEvent.objects.filter(action="learner.create", learner_id=learner.pk,
                                     username="school_dsl").exists()


def test_bad_learner_input_names_field_and_reason(api: Any) -> None:
    response = api.client("la_officer").post("/api/v1/learners/", {
        "given_name": "Bad", "family_name": "Upn", "date_of_birth": "2013-04-04", "sex": "F",
        "home_la": "332", "upn": "A123456789012"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and "upn" in body["errors"]


def test_learner_filters(api: Any) -> None:
    client = api.client("la_officer")
    got = client.get(f"/api/v1/learners/?upn={api.mine.upn.lower()}").json()
    assert [r["id"] for r in got["results"]] == [api.mine.pk]
    assert client.get("/api/v1/learners/?home_la=333").json()["count"] == 0
    ordered = client.get("/api/v1/learners/?ordering=-upn").json()["results"]
    assert [r["upn"] for r in ordered] == sorted((r["upn"] for r in ordered), reverse=True)


def test_placement_life_through_patch(api: Any) -> None:
    client = api.client("school_dsl")
    made = client.post("/api/v1/placements/", {
        "learner": api.mine.pk, "provider": api.world.ap.pk, "reason": "preventative",
        "tier": 1, "start_date": "2026-01-05", "planned_end_date": "2026-03-27",
        "hours_per_week": 6.5, "sessions_pattern": "1100000000"}, format="json")
    assert made.status_code == 201, made.content
    p = made.json()
    assert (p["status"], p["commissioner"], p["responsible"], p["registration_at_provider"],
            p["remains_on_roll"]) == ("referred", "school", "school", "none", True)
    url = f"/api/v1/placements/{p['id']}/"
    for status in ["agreed", "active"]:
        moved = client.patch(url, {"status": status}, format="json")
        assert moved.status_code == 200 and moved.json()["status"] == status
    half = client.patch(url, {"status": "ended", "end_date": "2026-03-20"}, format="json")
    assert half.status_code == 400
    assert set(half.json()["errors"]) == {"end_reason", "destination"}
    ended = client.patch(url, {"status": "ended", "end_date": "2026-03-20",
                               "end_reason": "objectives_met",
                               "destination": "returned_home_school"}, format="json")
    assert ended.status_code == 200, ended.content
    assert (ended.json()["status"], ended.json()["end_date"]) == ("ended", "2026-03-20")
    back = client.patch(url, {"status": "referred"}, format="json")
    assert back.status_code == 400
    fixed = client.patch(url, {"reason": "health"}, format="json")
    assert fixed.status_code == 400 and "reason" in fixed.json()["errors"]
    actions = list(AuditEvent.objects.filter(object_type="placement", object_id=str(p["id"]))
                   .values_list("action", flat=True))
    assert actions == ["placement.commission", "placement.agree", "placement.start",
                       "placement.end"]


def test_placement_filters(api: Any) -> None:
    client = api.client("la_officer")
    got = client.get(f"/api/v1/placements/?upn={api.theirs.upn}").json()["results"]
    assert [r["id"] for r in got] == [api.theirs_placement.pk]
    assert client.get("/api/v1/placements/?status=ended").json()["count"] == 0
    assert client.get("/api/v1/placements/?start_from=2025-10-06&reason=preventative"
                      ).json()["count"] == 2


def test_exclusion_record_and_make_final(api: Any) -> None:
    client = api.client("school_dsl")
    made = client.post("/api/v1/exclusions/", {
        "learner": api.mine.pk, "school": api.world.school.pk, "category": "PERM",
        "first_day": "2026-01-12", "reason_1": "BU"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending"
    url = f"/api/v1/exclusions/{made.json()['id']}/"
    stale = '"exclusion-0-0000000000000000"'
    assert client.post(f"{url}final/", {"final_on": "2026-02-02"}, format="json",
                       HTTP_IF_MATCH=stale).status_code == 412
    final = client.post(f"{url}final/", {"final_on": "2026-02-02"}, format="json",
                        HTTP_IF_MATCH=client.get(url)["ETag"])
    assert final.status_code == 200 and final.json()["status"] == "final"
    assert client.post(f"{url}reinstate/", format="json").status_code == 400
    assert api.client("provider_staff").post(f"{url}final/", {"final_on": "2026-02-02"},
                                             format="json").status_code == 403
    assert api.client("other_school_dsl").post(f"{url}reinstate/",
                                               format="json").status_code == 404


def test_a_code_with_a_nul_character_is_a_400_not_a_server_error(api: Any) -> None:
    """Found by schemathesis on PostgreSQL, whose text cannot hold NUL: the LA lookup failed."""
    body = {"given_name": "Nul", "family_name": "Byte", "date_of_birth": "2013-01-01",
            "sex": "F", "home_la": "33\x002"}
    response = api.client("la_officer").post("/api/v1/learners/", body, format="json")
    assert response.status_code == 400
    assert "home_la" in response.json()["errors"]
    assert not Learner.objects.filter(family_name="Byte").exists()
