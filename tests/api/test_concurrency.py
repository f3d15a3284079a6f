"""ETag and If-Match: no update is lost silently (412 when stale)."""

from __future__ import annotations

from typing import Any

import pytest

from aptrack.learners import services as learner_services

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def test_a_read_carries_an_etag_and_if_none_match_gives_304(api: Any) -> None:
    client = api.client("school_dsl")
    first = client.get(f"/api/v1/learners/{api.mine.pk}/")
    tag = first["ETag"]
    assert tag == f'"learner-{api.mine.pk}-v1"'
    again = client.get(f"/api/v1/learners/{api.mine.pk}/", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again["ETag"] == tag


@pytest.mark.parametrize("kind", ["learners", "placements"])
def test_patch_with_a_stale_etag_is_412_and_changes_nothing(api: Any, kind: str) -> None:
    client = api.client("school_dsl")
    pk = api.mine.pk if kind == "learners" else api.mine_placement.pk
    url = f"/api/v1/{kind}/{pk}/"
    body = {"looked_after": True} if kind == "learners" else {"tier": 3}
    stale = client.get(url)["ETag"]
    # someone else saves first
    other = {"family_name": "Changed"} if kind == "learners" else {"tier": 1}
    fresh = client.patch(url, other, format="json", HTTP_IF_MATCH=stale)
    assert fresh.status_code == 200 and fresh["ETag"] != stale
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert "changed since you read it" in response.json()["detail"]
    now = client.get(url).json()
    assert now[next(iter(body))] != body[next(iter(body))]
    ok = client.patch(url, body, format="json", HTTP_IF_MATCH=fresh["ETag"])
    assert ok.status_code == 200 and ok.json()[next(iter(body))] == body[next(iter(body))]


def test_a_change_made_elsewhere_after_the_read_is_caught(api: Any) -> None:
    """The web form (or any service caller) saves between this client's read and write."""
    client = api.client("la_officer")
    tag = client.get(f"/api/v1/learners/{api.mine.pk}/")["ETag"]
    learner_services.learner_update(actor=None, learner=api.mine, given_name="Other")
    response = client.patch(f"/api/v1/learners/{api.mine.pk}/", {"given_name": "Mine"},
                            format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 412
    api.mine.refresh_from_db()
    assert api.mine.given_name == "Other"


def test_the_service_refuses_a_version_that_went_stale_under_the_lock(api: Any) -> None:
    """If-Match is checked again inside the locked transaction, not only before it."""
    from django.core.exceptions import ValidationError

    learner_services.learner_update(actor=None, learner=api.mine, given_name="First")
    with pytest.raises(ValidationError) as caught:
        learner_services.learner_update(actor=None, learner=api.mine, version=1,
                                        given_name="Second")
    assert caught.value.code == "stale"


def test_if_match_star_and_a_list_of_tags(api: Any) -> None:
    client = api.client("school_dsl")
    url = f"/api/v1/learners/{api.mine.pk}/"
    tag = client.get(url)["ETag"]
    assert client.patch(url, {"uln": ""}, format="json",
                        HTTP_IF_MATCH="*").status_code == 200
    assert client.patch(url, {"uln": ""}, format="json",
                        HTTP_IF_MATCH=f'"x", {tag}').status_code == 412  # tag is stale now
    current = client.get(url)["ETag"]
    assert client.patch(url, {"uln": ""}, format="json",
                        HTTP_IF_MATCH=f'"x", W/{current}').status_code == 200


def test_webhook_subscription_patch_honours_if_match(api: Any, settings: Any) -> None:
    client = api.client("la_officer")
    made = client.post("/api/v1/webhooks/", {"url": "https://example.invalid/h",
                                              "events": ["placement.ended"]}, format="json")
    url = f"/api/v1/webhooks/{made.json()['id']}/"
    tag = client.get(url)["ETag"]
    assert client.patch(url, {"active": False}, format="json",
                        HTTP_IF_MATCH=tag).status_code == 200
    assert client.patch(url, {"active": True}, format="json",
                        HTTP_IF_MATCH=tag).status_code == 412


def test_the_placement_service_refuses_a_stale_version(api: Any) -> None:
    """placement_update lives with the placement services (the web's stale-edit form uses the
    same one): a version that went stale is refused with code ``stale`` and nothing changes."""
    from django.core.exceptions import ValidationError

    from aptrack.placements import services as placement_services

    api.mine_placement.refresh_from_db()
    read = api.mine_placement.version
    placement_services.placement_update(actor=None, placement=api.mine_placement, tier=3)
    with pytest.raises(ValidationError) as caught:
        placement_services.placement_update(actor=None, placement=api.mine_placement,
                                            version=read, tier=1)
    assert caught.value.code == "stale"
    api.mine_placement.refresh_from_db()
    assert api.mine_placement.tier == 3 and api.mine_placement.version == read + 1
    with pytest.raises(ValidationError):
        placement_services.placement_update(actor=None, placement=api.mine_placement,
                                            reason="suspension")
