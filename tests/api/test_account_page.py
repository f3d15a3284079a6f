"""The account page: make a token (shown once), see and revoke your tokens."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from aptrack.accounts.models import AuditEvent
from aptrack.api.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def test_sign_in_is_needed(client: Any) -> None:
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_make_use_and_revoke_a_token(client: Any, world: Any) -> None:
    user = world.users["school_dsl"]
    client.force_login(user)
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and b"You have no tokens." in page.content
    made = client.post("/account/tokens/", {"name": "Our MIS", "days": "30",
                                            "read_only": "on"})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    token = made.context["token"]
    assert token.encode() in made.content
    record = ApiToken.objects.get(user=user)
    assert record.read_only and record.name == "Our MIS"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/learners/").status_code == 200
    assert api.post("/api/v1/learners/", {}, format="json").status_code == 403  # read-only
    listing = client.get("/account/tokens/")
    assert b"Our MIS" in listing.content and token.encode() not in listing.content
    assert client.post(f"/account/tokens/{record.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/learners/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", user=user).exists()


def test_errors_are_shown_with_the_fields(client: Any, world: Any) -> None:
    client.force_login(world.users["school_dsl"])
    response = client.post("/account/tokens/", {"name": "", "days": ""})
    assert response.status_code == 400
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="#id_name">Enter what the token is for' in content
    assert 'href="#id_days_0">Choose how long it should work' in content
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_users_token(client: Any, world: Any) -> None:
    from aptrack.api import services

    record, _ = services.token_create(actor=None, user=world.users["la_officer"], name="x")
    client.force_login(world.users["school_dsl"])
    assert client.post(f"/account/tokens/{record.pk}/revoke/").status_code == 404
    assert client.get(f"/account/tokens/{record.pk}/revoke/").status_code == 405
    record.refresh_from_db()
    assert record.revoked_at is None
