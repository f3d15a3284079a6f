"""Limits, each a setting, each answered with its standard status and a JSON error body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aptrack.learners.models import Learner

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


@pytest.fixture
def limits(settings: Any) -> dict[str, Any]:
    settings.APTRACK_API = {**settings.APTRACK_API}
    return settings.APTRACK_API


def test_a_body_over_the_limit_is_413(api: Any, limits: dict[str, Any]) -> None:
    limits["MAX_BODY_BYTES"] = 200
    body = {"given_name": "x" * 300, "family_name": "Big", "date_of_birth": "2013-01-01",
            "sex": "F", "home_la": "332"}
    response = api.client("la_officer").post("/api/v1/learners/", json.dumps(body),
                                             content_type="application/json")
    assert response.status_code == 413
    assert "most accepted is 200 bytes" in response.json()["detail"]
    assert not Learner.objects.filter(family_name="Big").exists()
    body["given_name"] = "Small"
    assert len(json.dumps(body)) < 200
    ok = api.client("la_officer").post("/api/v1/learners/", json.dumps(body),
                                       content_type="application/json")
    assert ok.status_code == 201


def test_the_rate_limit_per_token_is_429_with_retry_after(api: Any,
                                                          limits: dict[str, Any]) -> None:
    limits["RATE_PER_TOKEN"] = "3/minute"
    client = api.client("la_officer")
    codes = [client.get("/api/v1/establishments/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/establishments/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"]
    # another token (even of the same user) has its own allowance
    assert api.client("la_officer", read_only=True).get(
        "/api/v1/establishments/").status_code == 200


def test_page_size_default_and_most(api: Any, limits: dict[str, Any]) -> None:
    limits.update(PAGE_SIZE=2, MAX_PAGE_SIZE=3)
    client = api.client("la_officer")
    page = client.get("/api/v1/establishments/").json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    assert page["previous"] is None
    assert len(client.get("/api/v1/establishments/?page_size=3").json()["results"]) == 3
    too_many = client.get("/api/v1/establishments/?page_size=4")
    assert too_many.status_code == 400
    assert too_many.json()["errors"]["page_size"] == ["Give a page size from 1 to 3."]
    assert client.get("/api/v1/establishments/?page_size=x").status_code == 400
    last = client.get(page["next"].replace("http://testserver", "")).json()
    assert len(last["results"]) == 2 and last["next"] is None and last["previous"]


def test_a_page_past_the_end_is_404_json(api: Any) -> None:
    response = api.client("la_officer").get("/api/v1/establishments/?page=99")
    assert response.status_code == 404 and "detail" in response.json()
