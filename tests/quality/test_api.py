"""The quality API: each part through /api/v1/quality/, the same services as the pages; 401
without a user, 403 where the role may not write, 404 out of scope (placements named in the
body included), validation errors named by field."""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.models import LiaisonEntry, ProviderCheck
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.quality.api_urls")]
BASE = "/api/v1/quality"


def _api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def placed(world):
    placement = world.commission(factories.learner(world.school),
                                 hours_per_week=Decimal("10"), sessions_pattern="1100000000")
    return placements.placement_start(actor=None, placement=placement)


def test_unauthenticated_is_401(world):
    assert _api().get(f"{BASE}/provider-checks/").status_code == 401


def test_provider_checks(world, school_dsl, other_school_dsl, provider_staff):
    response = _api(school_dsl).post(f"{BASE}/provider-checks/", {
        "provider": world.ap.pk, "kind": "dsl", "outcome": "met", "checked_on": "2026-09-01"},
        format="json")
    assert response.status_code == 201, response.data
    assert response.data["commissioning_establishment"] == world.school.pk
    assert response.data["expires_on"] == "2027-09-01"
    check = ProviderCheck.objects.get()
    assert _api(school_dsl).get(f"{BASE}/provider-checks/").data["count"] == 1
    assert _api(other_school_dsl).get(f"{BASE}/provider-checks/{check.pk}/").status_code == 404
    assert _api(provider_staff).post(f"{BASE}/provider-checks/", {}, format="json"
                                     ).status_code == 403
    bad = _api(school_dsl).post(f"{BASE}/provider-checks/", {
        "provider": world.ap.pk, "kind": "dsl", "outcome": "met", "checked_on": "2999-01-01"},
        format="json")
    assert bad.status_code == 400 and "checked_on" in bad.data["errors"]


def test_provider_status_only_for_la(world, la_officer, school_dsl):
    data = {"provider": world.ap.pk, "status": "suspended", "reasons": "Unsafe site"}
    assert _api(school_dsl).post(f"{BASE}/provider-statuses/", data,
                                 format="json").status_code == 403
    response = _api(la_officer).post(f"{BASE}/provider-statuses/", data, format="json")
    assert response.status_code == 201 and response.data["la"] == world.la.pk


def test_agreement_review_and_scope_of_the_placement_in_the_body(world, placed, school_dsl,
                                                                 other_school_dsl):
    body = {"placement": placed.pk, "intervention": "Mentoring",
            "reintegration_plan": "Phased", "reporting_arrangements": "Weekly",
            "learner_views": "Keen", "parent_views": "Keen", "agreed_on": "2025-10-01",
            "objectives": [{"description": "Attend", "target": "90%"}]}
    assert _api(other_school_dsl).post(f"{BASE}/agreements/", body,
                                       format="json").status_code == 404
    body_missing = {**body, "placement": 999999}
    assert _api(school_dsl).post(f"{BASE}/agreements/", body_missing,
                                 format="json").status_code == 404  # same as out of scope
    response = _api(school_dsl).post(f"{BASE}/agreements/", body, format="json")
    assert response.status_code == 201 and response.data["version"] == 1
    objective = response.data["objectives"][0]["id"]
    review = _api(school_dsl).post(f"{BASE}/reviews/", {
        "placement": placed.pk, "held_on": "2025-10-20", "attendees": "All",
        "learner_view": "Good", "decision": "continue",
        "progress": [{"objective": objective, "progress": "good"}]}, format="json")
    assert review.status_code == 201, review.data
    assert review.data["next_review_on"] == "2025-12-18"  # held in Autumn 1
    # The register's figure for the period is read-only, beside the one typed at the review.
    assert {"register_from", "register_to", "register_possible",
            "register_attended"} <= set(review.data)
    assert review.data["progress"] == [{"objective": objective, "progress": "good",
                                        "note": ""}]
    missing = _api(school_dsl).post(f"{BASE}/reviews/", {
        "placement": placed.pk, "held_on": "2025-10-21", "attendees": "All",
        "learner_view": "Good", "decision": "continue"}, format="json")
    assert missing.status_code == 400 and "progress" in missing.data["errors"]
    assert isinstance(_api(school_dsl).get(f"{BASE}/reviews/due/").data, list)


def test_liaison_safeguarding_is_filtered_and_providers_can_write(world, placed, school_dsl,
                                                                  other_provider_staff,
                                                                  provider_staff):
    services.liaison_record(actor=school_dsl, placement=placed, kind="concern",
                            occurred_on=date(2025, 10, 7), with_whom="Parent",
                            summary="Worry", safeguarding=True)
    response = _api(other_provider_staff).post(f"{BASE}/liaison/", {
        "placement": placed.pk, "kind": "call", "occurred_on": "2025-10-08",
        "with_whom": "School", "summary": "Late twice"}, format="json")
    assert response.status_code == 201
    seen = _api(other_provider_staff).get(f"{BASE}/liaison/", {"learner": placed.learner_id})
    assert [e["summary"] for e in seen.data["results"]] == ["Late twice"]
    seen = _api(school_dsl).get(f"{BASE}/liaison/")
    assert {e["summary"] for e in seen.data["results"]} == {"Worry", "Late twice"}
    assert _api(provider_staff).post(f"{BASE}/liaison/", {
        "placement": placed.pk, "kind": "call", "occurred_on": "2025-10-08",
        "with_whom": "School", "summary": "Not mine"}, format="json").status_code == 404
    assert LiaisonEntry.objects.count() == 2


def test_outcome_and_follow_up(world, placed, school_dsl):
    response = _api(school_dsl).post(f"{BASE}/outcomes/", {
        "placement": placed.pk, "destination": "home_school", "end_date": "2025-12-18",
        "end_reason": "objectives_met"}, format="json")
    assert response.status_code == 201 and response.data["follow_up_due"] == "2026-06-18"
    follow = _api(school_dsl).post(f"{BASE}/outcomes/{response.data['id']}/follow-up/", {
        "followed_up_on": "2026-06-20", "result": "still_there"}, format="json")
    assert follow.status_code == 200 and follow.data["follow_up_result"] == "still_there"


def test_notice_and_review_request(world, school_dsl):
    p = world.commission(factories.learner(world.school), provider=world.pru,
                         reason="off_site_direction", start=date(2025, 10, 8))
    late = _api(school_dsl).post(f"{BASE}/off-site-notices/", {
        "placement": p.pk, "parent_name": "P", "given_on": "2025-10-07", "number_of_days": 10,
        "reasons": "R", "session_times": "9-3", "contact": "C"}, format="json")
    assert late.status_code == 400 and "given_on" in late.data["errors"]
    request = _api(school_dsl).post(f"{BASE}/review-requests/", {
        "placement": p.pk, "requested_on": "2025-10-09", "requested_by": "parent"},
        format="json")
    assert request.status_code == 201 and request.data["must_hold"] is True


def test_registration_alerts_for_la_only(world, la_officer, school_dsl):
    for _ in range(5):
        world.commission(factories.learner(world.school), status="agreed")
    services.registration_watch(provider_id=world.ap.pk, on=date(2025, 10, 20))
    data = _api(la_officer).get(f"{BASE}/registration-alerts/").data
    assert data["count"] == 1 and len(data["results"][0]["tipping_placements"]) == 5
    assert _api(school_dsl).get(f"{BASE}/registration-alerts/").data["count"] == 0
