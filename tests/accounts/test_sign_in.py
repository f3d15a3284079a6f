"""Sign-in: audit of success and failure, lockout, two-factor sign-in (required, offered,
replayed codes, recovery codes), session limits and deactivation."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aptrack.accounts import services
from aptrack.accounts.middleware import LAST_SEEN, SIGNED_IN_AT
from aptrack.accounts.models import AuditEvent
from tests.accounts.conftest import PASSWORD, code_now

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("web:sign-in"), {"username": username, "password": password},
                       REMOTE_ADDR=extra.get("addr", "192.0.2.1"))


@pytest.fixture
def require_mfa(settings):
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}


def test_sign_in_success_and_failure_are_audited(client, people):
    assert sign_in(client, "school_dsl", "wrong password").status_code == 200
    assert sign_in(client, "nobody", "wrong password").status_code == 200
    assert sign_in(client, "school_dsl").status_code == 302
    failed = AuditEvent.objects.filter(action="sign_in.failure")
    assert {(e.username, e.user_id) for e in failed} == {
        ("school_dsl", people["school_dsl"].pk), ("nobody", None)}
    assert AuditEvent.objects.filter(action="sign_in.success",
                                     user=people["school_dsl"]).count() == 1
    assert "wrong password" not in str(list(failed.values_list("changes", flat=True)))


def test_five_failures_lock_the_username_for_30_minutes(client, people):
    for _ in range(4):
        assert sign_in(client, "school_dsl", "not-it").status_code == 200
    assert sign_in(client, "school_dsl", "not-it").status_code == 429  # the 5th locks
    locked = sign_in(client, "school_dsl")  # the right password, from elsewhere too
    assert locked.status_code == 429
    assert b"You cannot sign in for 30 minutes" in locked.content
    assert sign_in(client, "school_dsl", addr="198.51.100.7").status_code == 429
    assert AuditEvent.objects.filter(action="sign_in.failure",
                                     changes__locked_out=True).count() == 3  # 5th + 2
    assert AuditEvent.objects.filter(action="sign_in.success").count() == 0
    # another user from another address is not affected
    assert sign_in(client, "la_officer", addr="198.51.100.8").status_code == 302
    # 31 minutes later the lock has gone
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert sign_in(client, "school_dsl").status_code == 302


def test_five_failures_from_one_address_lock_that_address(client, people):
    for name in ["a", "b", "c", "d", "e"]:
        sign_in(client, name, "guess", addr="203.0.113.9")
    assert sign_in(client, "la_officer", addr="203.0.113.9").status_code == 429
    assert sign_in(client, "la_officer", addr="203.0.113.10").status_code == 302


def test_four_failures_then_success_resets_the_count(client, people):
    for _ in range(4):
        sign_in(client, "school_dsl", "not-it")
    assert sign_in(client, "school_dsl").status_code == 302
    client.post(reverse("web:sign-out"))
    for _ in range(4):
        sign_in(client, "school_dsl", "not-it")
    assert sign_in(client, "school_dsl").status_code == 302


def set_up_totp(client, next_url="/"):
    """Walk the set-up page as a user would: read the key, answer with the app's code."""
    page = client.get(reverse("accounts:two-factor-setup"), {"next": next_url})
    assert page.status_code == 200 and b"Set up two-factor sign-in" in page.content
    device = TOTPDevice.objects.get(pk=client.session["aptrack_totp_setup_device"])
    done = client.post(reverse("accounts:two-factor-setup"),
                       {"token": code_now(device), "next": next_url})
    assert done.status_code == 200 and b"Your recovery codes" in done.content
    return device, [c for c in done.context["codes"]]


@pytest.mark.parametrize("route", ["/", "/account/", "/admin/", "/learners/1/"])
def test_required_mfa_guards_every_route_until_a_code(client, people, require_mfa, route):
    response = sign_in(client, "la_officer")
    assert reverse("accounts:two-factor-setup") in response["Location"]
    blocked = client.get(route)
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("accounts:two-factor-setup"))
    set_up_totp(client)
    after = client.get(route)
    assert not after.get("Location", "").startswith("/account/two-factor")


def test_sign_in_with_totp_and_replayed_code_is_refused(client, people, require_mfa):
    sign_in(client, "school_dsl")
    device, _ = set_up_totp(client)
    client.post(reverse("web:sign-out"))
    response = sign_in(client, "school_dsl")
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    code = code_now(device, 1)  # the next time step: the set-up code may not be reused
    ok = client.post(reverse("accounts:two-factor"), {"token": code, "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200
    # a new session, the same code: refused
    client.post(reverse("web:sign-out"))
    sign_in(client, "school_dsl")
    again = client.post(reverse("accounts:two-factor"), {"token": code, "next": "/"})
    assert again.status_code == 200 and b"was used already" in again.content
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="sign_in.second_factor_failure",
                                     user=people["school_dsl"]).count() == 1


def test_recovery_code_works_once(client, people, require_mfa):
    sign_in(client, "school_dsl")
    _, codes = set_up_totp(client)
    assert len(codes) == 10 and StaticToken.objects.count() == 10
    for attempt, expected in [(codes[0], 302), (codes[0], 200)]:
        client.post(reverse("web:sign-out"))
        sign_in(client, "school_dsl")
        response = client.post(reverse("accounts:two-factor"), {"token": attempt, "next": "/"})
        assert response.status_code == expected
    assert StaticToken.objects.count() == 9


def test_demo_offers_mfa_and_then_requires_it_of_who_set_it_up(client, people):
    assert sign_in(client, "school_dsl")["Location"] == "/"
    assert client.get("/").status_code == 200  # not forced
    set_up_totp(client)
    client.post(reverse("web:sign-out"))
    assert sign_in(client, "school_dsl")["Location"].startswith(reverse("accounts:two-factor"))
    assert services.mfa_required(people["school_dsl"])
    assert not services.mfa_required(people["la_officer"])


def test_user_may_use_api(people, settings):
    dsl = people["school_dsl"]
    assert services.user_may_use_api(dsl)
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}
    assert not services.user_may_use_api(dsl)
    device = services.totp_device_start(actor=dsl)
    services.totp_device_confirm(actor=dsl, device=device, token=code_now(device))
    assert services.user_may_use_api(dsl)
    dsl.is_active = False
    dsl.save()
    assert not services.user_may_use_api(dsl)
    assert not services.user_may_use_api(None)


def age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"signed_in": SIGNED_IN_AT, "seen": LAST_SEEN}[key]] = now - ago
    session.save()


def test_idle_timeout_after_30_minutes(client, people):
    sign_in(client, "school_dsl")
    age_session(client, seen=29 * 60)
    assert client.get("/").status_code == 200
    age_session(client, seen=31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "signed_out=idle" in response["Location"]
    assert client.get("/").status_code == 302  # signed out for good
    assert AuditEvent.objects.filter(action="session.expired_idle").count() == 1
    page = client.get(response["Location"])
    assert b"did nothing for 30 minutes" in page.content


def test_absolute_timeout_after_12_hours_even_when_active(client, people):
    sign_in(client, "school_dsl")
    age_session(client, signed_in=12 * 3600 - 60, seen=10)
    assert client.get("/").status_code == 200
    age_session(client, signed_in=12 * 3600 + 1, seen=10)
    response = client.get("/")
    assert response.status_code == 302 and "signed_out=absolute" in response["Location"]
    assert AuditEvent.objects.filter(action="session.expired_absolute").count() == 1


def test_deactivated_user_is_stopped_at_the_next_request(client, people):
    sign_in(client, "school_staff")
    assert client.get("/").status_code == 200
    services.user_deactivate(actor=people["school_dsl"], user=people["school_staff"])
    response = client.get("/")
    assert response.status_code == 302 and "signed_out=deactivated" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="session.ended_deactivated",
                                     user=people["school_staff"]).count() == 1
    assert sign_in(client, "school_staff").status_code == 200  # and cannot sign in again


def test_admin_sign_in_is_the_service_sign_in(client, people):
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("web:sign-in"))


def test_signed_in_pages_are_not_cached(client, people):
    sign_in(client, "school_dsl")
    assert "no-store" in client.get("/")["Cache-Control"]
