"""Each demo account signs in with two factors when they are required, and then sees only the
learners in its own scope."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aptrack.accounts.models import User
from aptrack.learners.models import Learner
from tests.accounts.conftest import code_now

pytestmark = pytest.mark.django_db
PASSWORD = "Demo-Test-Password-2026!"
DEMO = ["la.officer", "la.admin", "school.dsl", "school2.dsl", "provider.staff",
        "provider2.staff"]


@pytest.fixture
def demo(monkeypatch, settings):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=StringIO())
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}


def test_each_demo_account_signs_in_with_two_factors_and_sees_its_own(client, demo):
    """One demo load for all six accounts (loading the demo is the slow part)."""
    for username in DEMO:
        client.logout()
        response = client.post(reverse("web:sign-in"),
                               {"username": username, "password": PASSWORD})
        assert response["Location"].startswith(reverse("accounts:two-factor-setup")), username
        assert client.get(reverse("web:home")).status_code == 302  # not before the code
        client.get(reverse("accounts:two-factor-setup"))
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        done = client.post(reverse("accounts:two-factor-setup"), {"token": code_now(device)})
        assert b"Your recovery codes" in done.content
        assert client.get(reverse("web:home")).status_code == 200
        user = User.objects.get(username=username)
        mine = set(Learner.objects.for_user(user).values_list("pk", flat=True))
        others = set(Learner.objects.values_list("pk", flat=True)) - mine
        assert mine and others, username  # every role has records it may and may not see
        assert client.get(reverse("web:learner", args=[min(mine)])).status_code == 200
        assert client.get(reverse("web:learner", args=[min(others)])).status_code == 404
