"""Idempotency-Key on POST: replay, 422 for another body, 409 while in progress, 24 hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from aptrack.api.models import IdempotencyKey
from aptrack.learners.models import Learner

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

BODY = {"given_name": "Ida", "family_name": "Empotent", "date_of_birth": "2013-02-03",
        "sex": "F", "home_la": "332"}


def _post(client: Any, body: dict[str, Any], key: str | None = "key-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/learners/", body, format="json", **headers)


def test_the_same_key_and_body_replays_the_first_answer(api: Any) -> None:
    client = api.client("la_officer")
    first = _post(client, BODY)
    assert first.status_code == 201
    second = _post(client, dict(reversed(BODY.items())))  # same JSON, other key order
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == first["Location"] and second["ETag"] == first["ETag"]
    assert second["Idempotent-Replayed"] == "true"
    assert Learner.objects.filter(family_name="Empotent").count() == 1


def test_the_same_key_with_another_body_is_422(api: Any) -> None:
    client = api.client("la_officer")
    assert _post(client, BODY).status_code == 201
    response = _post(client, {**BODY, "given_name": "Other"})
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Learner.objects.filter(family_name="Empotent").count() == 1


def test_a_request_still_in_progress_is_409(api: Any) -> None:
    client = api.client("la_officer")
    first = _post(client, BODY, key="slow")
    IdempotencyKey.objects.filter(key="slow").update(state=IdempotencyKey.IN_PROGRESS)
    response = _post(client, BODY, key="slow")
    assert first.status_code == 201 and response.status_code == 409
    assert Learner.objects.filter(family_name="Empotent").count() == 1


def test_without_a_key_each_post_writes(api: Any) -> None:
    client = api.client("la_officer")
    assert _post(client, {**BODY, "upn": None}, key=None).status_code == 201
    assert _post(client, {**BODY, "upn": None}, key=None).status_code == 201
    assert Learner.objects.filter(family_name="Empotent").count() == 2


def test_keys_belong_to_their_user(api: Any) -> None:
    assert _post(api.client("la_officer"), BODY, key="shared").status_code == 201
    school = _post(api.client("school_dsl"), {**BODY, "given_name": "Two"}, key="shared")
    assert school.status_code == 201


def test_an_error_answer_frees_the_key(api: Any) -> None:
    client = api.client("la_officer")
    bad = _post(client, {**BODY, "sex": "X"}, key="retry-me")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.filter(key="retry-me").exists()
    assert _post(client, BODY, key="retry-me").status_code == 201


def test_keys_older_than_the_setting_are_forgotten(api: Any) -> None:
    client = api.client("la_officer")
    assert _post(client, BODY, key="old").status_code == 201
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25))
    again = _post(client, {**BODY, "given_name": "Later"}, key="old")
    assert again.status_code == 201  # a new request, not a 422
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    call_command("purge_idempotency_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not IdempotencyKey.objects.exists()


def test_idempotent_placement_commission(api: Any) -> None:
    client = api.client("school_dsl")
    body = {"learner": api.mine.pk, "provider": api.world.ap.pk, "reason": "preventative",
            "tier": 1, "start_date": "2026-01-05", "hours_per_week": 10}
    first = client.post("/api/v1/placements/", body, format="json", HTTP_IDEMPOTENCY_KEY="p1")
    second = client.post("/api/v1/placements/", body, format="json", HTTP_IDEMPOTENCY_KEY="p1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["hours_per_week"] == 10.0
