"""Tokens: issued by `aptrack issue_token` or the account page; hashed, expiring, revocable,
read-only on request, with the time last used."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aptrack.accounts.models import AuditEvent
from aptrack.api import services
from aptrack.api.models import ApiToken, hash_secret

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


def _issue(*args: str) -> str:
    out = io.StringIO()
    call_command("issue_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_issue_token_prints_a_working_token_as_the_last_line(world: Any) -> None:
    from rest_framework.test import APIClient

    token = _issue("school_dsl")
    record = ApiToken.objects.get()
    assert token not in (record.key_hash, record.key_id)
    assert record.key_hash == hash_secret(token)  # only the hash is kept
    assert not record.read_only and record.expires_at > timezone.now() + timedelta(days=89)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/learners/").status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None
    assert AuditEvent.objects.filter(action="api_token.create", username="system").exists()


def test_issue_token_options_and_errors(world: Any) -> None:
    _issue("la_officer", "--read-only", "--days", "7", "--name", "Case system")
    record = ApiToken.objects.get()
    assert record.read_only and record.name == "Case system"
    assert record.expires_at < timezone.now() + timedelta(days=8)
    with pytest.raises(CommandError, match="No user"):
        _issue("nobody")
    with pytest.raises(CommandError, match="between 1 and 365"):
        _issue("la_officer", "--days", "400")


def test_expired_and_revoked_tokens_and_inactive_users_are_401(api: Any) -> None:
    client = api.client("school_dsl")
    assert client.get("/api/v1/learners/").status_code == 200
    token = ApiToken.objects.get(user__username="school_dsl", read_only=False)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/learners/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/api/v1/learners/").status_code == 200
    services.token_revoke(actor=token.user, token=token)
    assert client.get("/api/v1/learners/").status_code == 401
    other = api.client("la_officer")
    user = api.world.users["la_officer"]
    user.is_active = False
    user.save()
    assert other.get("/api/v1/learners/").status_code == 401


def test_only_the_owner_revokes_a_token(api: Any) -> None:
    token = ApiToken.objects.filter(user__username="school_dsl").first()
    with pytest.raises(ApiToken.DoesNotExist):
        services.token_revoke(actor=api.world.users["la_officer"], token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_tampered_token_with_a_real_key_id_is_refused(api: Any) -> None:
    real = api.tokens["school_dsl"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    client = api.client(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/api/v1/learners/").status_code == 401
