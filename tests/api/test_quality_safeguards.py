"""The quality endpoints (/api/v1/quality/) keep the API's safeguards, as every API view does:
the body-size limit, ETag and If-Match (412 when stale), Idempotency-Key on POST, the per-token
rate limit, and JSON error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from aptrack.api.models import IdempotencyKey
from aptrack.quality.models import (
    LiaisonEntry,
    PlacementAgreement,
    PlacementOutcome,
    ProviderCheck,
)

from .test_schema import DOC, _response_schema, _validate

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
Q = "/api/v1/quality"


@pytest.fixture
def limits(settings: Any) -> dict[str, Any]:
    settings.APTRACK_API = {**settings.APTRACK_API}
    return settings.APTRACK_API


def _check(api: Any, **kw: Any) -> dict[str, Any]:
    return {"provider": api.world.ap.pk, "kind": "dsl", "outcome": "met",
            "checked_on": "2025-09-01", **kw}


def _agreement(api: Any) -> dict[str, Any]:
    return {"placement": api.mine_placement.pk, "intervention": "Mentoring",
            "reintegration_plan": "Phased return", "reporting_arrangements": "Weekly",
            "learner_views": "Keen", "parent_views": "Keen", "agreed_on": "2025-10-01",
            "objectives": [{"description": "Attend", "target": "90%"}]}


# --- body size --------------------------------------------------------------------------------

def test_a_body_over_the_limit_is_413_and_writes_nothing(api: Any,
                                                         limits: dict[str, Any]) -> None:
    limits["MAX_BODY_BYTES"] = 300
    client = api.client("school_dsl")
    before = ProviderCheck.objects.count()
    big = json.dumps(_check(api, notes="x" * 400))
    response = client.post(f"{Q}/provider-checks/", big, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "most accepted is 300 bytes" in response.json()["detail"]
    assert ProviderCheck.objects.count() == before
    small = json.dumps(_check(api))
    assert len(small) < 300
    assert client.post(f"{Q}/provider-checks/", small,
                       content_type="application/json").status_code == 201


# --- ETag, If-None-Match and If-Match -----------------------------------------------------------

def test_every_quality_record_is_read_with_an_etag(api: Any) -> None:
    client = api.client("school_dsl")
    for url, tag in ((f"{Q}/reviews/{api.mine_review.pk}/",
                      f'"placementreview-{api.mine_review.pk}-'),
                     (f"{Q}/liaison/{api.mine_liaison.pk}/",
                      f'"liaisonentry-{api.mine_liaison.pk}-')):
        first = client.get(url)
        assert first.status_code == 200 and first["ETag"].startswith(tag), url
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_agreement_patch_with_a_stale_etag_is_412_and_changes_nothing(api: Any) -> None:
    client = api.client("school_dsl")
    made = client.post(f"{Q}/agreements/", _agreement(api), format="json")
    assert made.status_code == 201, made.json()
    url = f"{Q}/agreements/{made.json()['id']}/"
    assert made["Location"].endswith(url) and made["ETag"] == client.get(url)["ETag"]
    stale = made["ETag"]
    assert stale == f'"placementagreement-{made.json()["id"]}-v1"'
    # someone else changes it first (e.g. on the web page, through the same service)
    fresh = client.patch(url, {"intervention": "Mentoring and tutoring"}, format="json",
                         HTTP_IF_MATCH=stale)
    assert fresh.status_code == 200, fresh.json()
    assert fresh.json()["version"] == 2 and fresh["ETag"] != stale
    assert fresh.json()["objectives"] == made.json()["objectives"]  # kept when not sent
    lost = client.patch(url, {"parent_views": "Worried"}, format="json", HTTP_IF_MATCH=stale)
    assert lost.status_code == 412
    assert "changed since you read it" in lost.json()["detail"]
    agreement = PlacementAgreement.objects.get(pk=made.json()["id"])
    assert agreement.parent_views == "Keen" and agreement.version == 2
    # a stale version in the body is refused the same way
    assert client.patch(url, {"parent_views": "Worried", "version": 1},
                        format="json").status_code == 412
    ok = client.patch(url, {"parent_views": "Worried"}, format="json",
                      HTTP_IF_MATCH=fresh["ETag"])
    assert ok.status_code == 200 and ok.json()["parent_views"] == "Worried"
    assert ok.json()["intervention"] == "Mentoring and tutoring"


def test_agreement_patch_keeps_its_placement_and_scope(api: Any) -> None:
    made = api.client("school_dsl").post(f"{Q}/agreements/", _agreement(api), format="json")
    url = f"{Q}/agreements/{made.json()['id']}/"
    moved = api.client("la_officer").patch(url, {"placement": api.theirs_placement.pk},
                                           format="json")
    assert moved.status_code == 400 and "placement" in moved.json()["errors"]
    assert api.client("other_school_dsl").patch(url, {"intervention": "X"},
                                                format="json").status_code == 404
    assert api.client("school_dsl", read_only=True).patch(
        url, {"intervention": "X"}, format="json").status_code == 403


def test_follow_up_honours_if_match(api: Any) -> None:
    client = api.client("school_dsl")
    outcome = client.post(f"{Q}/outcomes/", {
        "placement": api.mine_placement.pk, "destination": "home_school",
        "end_date": "2025-12-18", "end_reason": "objectives_met"}, format="json")
    assert outcome.status_code == 201, outcome.json()
    url = f"{Q}/outcomes/{outcome.json()['id']}/"
    stale = client.get(url)["ETag"]
    body = {"followed_up_on": "2026-06-20", "result": "still_there"}
    first = client.post(f"{url}follow-up/", body, format="json", HTTP_IF_MATCH=stale)
    assert first.status_code == 200 and first["ETag"] != stale
    again = client.post(f"{url}follow-up/", {**body, "result": "left"}, format="json",
                        HTTP_IF_MATCH=stale)
    assert again.status_code == 412
    assert PlacementOutcome.objects.get(pk=outcome.json()["id"]).follow_up_result == \
        "still_there"


# --- Idempotency-Key ------------------------------------------------------------------------

def test_the_same_key_and_body_replays_the_first_answer(api: Any) -> None:
    client = api.client("school_dsl")
    before = ProviderCheck.objects.count()
    first = client.post(f"{Q}/provider-checks/", _check(api), format="json",
                        HTTP_IDEMPOTENCY_KEY="check-1")
    second = client.post(f"{Q}/provider-checks/", dict(reversed(_check(api).items())),
                         format="json", HTTP_IDEMPOTENCY_KEY="check-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"] and second["ETag"] == first["ETag"]
    assert ProviderCheck.objects.count() == before + 1


def test_the_same_key_with_another_body_is_422(api: Any) -> None:
    client = api.client("school_dsl")
    assert client.post(f"{Q}/provider-checks/", _check(api), format="json",
                       HTTP_IDEMPOTENCY_KEY="check-2").status_code == 201
    other = client.post(f"{Q}/provider-checks/", _check(api, kind="insurance"), format="json",
                        HTTP_IDEMPOTENCY_KEY="check-2")
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    assert not ProviderCheck.objects.filter(kind="insurance",
                                            checked_on="2025-09-01").exists()


def test_a_request_still_in_progress_is_409(api: Any) -> None:
    client = api.client("school_dsl")
    body = {"placement": api.mine_placement.pk, "kind": "call", "occurred_on": "2025-10-09",
            "with_whom": "Parent", "summary": "Rang about transport"}
    assert client.post(f"{Q}/liaison/", body, format="json",
                       HTTP_IDEMPOTENCY_KEY="slow").status_code == 201
    IdempotencyKey.objects.filter(key="slow").update(state=IdempotencyKey.IN_PROGRESS)
    response = client.post(f"{Q}/liaison/", body, format="json", HTTP_IDEMPOTENCY_KEY="slow")
    assert response.status_code == 409 and "still being processed" in response.json()["detail"]
    assert LiaisonEntry.objects.filter(summary="Rang about transport").count() == 1


def test_follow_up_is_idempotent_too(api: Any) -> None:
    client = api.client("school_dsl")
    outcome = client.post(f"{Q}/outcomes/", {
        "placement": api.mine_placement.pk, "destination": "home_school",
        "end_date": "2025-12-18", "end_reason": "objectives_met"}, format="json").json()
    url = f"{Q}/outcomes/{outcome['id']}/follow-up/"
    body = {"followed_up_on": "2026-06-20", "result": "still_there"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="f1")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="f1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert client.post(url, {**body, "result": "left"}, format="json",
                       HTTP_IDEMPOTENCY_KEY="f1").status_code == 422


# --- rate limit and JSON errors ---------------------------------------------------------------

def test_the_rate_limit_per_token_is_429_with_retry_after(api: Any,
                                                          limits: dict[str, Any]) -> None:
    limits["RATE_PER_TOKEN"] = "2/minute"
    client = api.client("school_dsl")
    codes = [client.get(f"{Q}/reviews/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.post(f"{Q}/provider-checks/", _check(api), format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    assert not ProviderCheck.objects.filter(checked_on="2025-09-01").exists()


@pytest.mark.parametrize(("who", "method", "url", "code"), [
    (None, "get", "/provider-checks/", 401),
    ("provider_staff", "post", "/provider-statuses/", 403),
    ("school_dsl", "get", "/reviews/999999/", 404),
    ("other_school_dsl", "post", "/agreements/", 404),  # the placement named is out of scope
    ("school_dsl", "delete", "/reviews/{review}/", 405),
    ("school_dsl", "post", "/provider-checks/", 400),
])
def test_errors_are_json_with_a_detail(api: Any, who: str | None, method: str, url: str,
                                       code: int) -> None:
    client = api.client(who)
    body = {"placement": api.mine_placement.pk} if "agreements" in url else {"kind": "x"}
    response = getattr(client, method)(f"{Q}{url.format(review=api.mine_review.pk)}", body,
                                       format="json")
    assert response.status_code == code
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    if code == 400:
        assert set(response.json()["errors"]) >= {"provider", "kind", "outcome"}


def test_reviews_due_is_a_list_as_documented(api: Any) -> None:
    doc = yaml.safe_load(DOC.read_text())
    response = api.client("school_dsl").get(f"{Q}/reviews/due/")
    assert response.status_code == 200
    rows = response.json()
    assert [r["placement"] for r in rows] == [api.mine_placement.pk]
    assert rows[0]["last_review"] == "2025-11-03" and rows[0]["due"] == "2025-12-12"
    assert rows[0]["overdue"] is True
    _validate(rows, _response_schema(doc, "/api/v1/quality/reviews/due/", "get", 200))
    theirs = api.client("other_school_dsl").get(f"{Q}/reviews/due/").json()
    assert [r["placement"] for r in theirs] == [api.theirs_placement.pk]  # not mine
    assert theirs[0]["last_review"] is None and theirs[0]["overdue"] is True


def test_liaison_filter_by_learner_is_checked(api: Any) -> None:
    client = api.client("la_officer")
    mine = client.get(f"{Q}/liaison/", {"learner": api.mine.pk}).json()
    assert [e["id"] for e in mine["results"]] == [api.mine_liaison.pk]
    assert client.get(f"{Q}/liaison/", {"learner": api.theirs.pk}).json()["count"] == 0
    for bad in ("x", "\u00b2", "-1"):  # "²" passes str.isdigit() but is no number
        response = client.get(f"{Q}/liaison/", {"learner": bad})
        assert response.status_code == 400 and "learner" in response.json()["errors"], bad
