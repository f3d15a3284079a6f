"""Recovery codes are stored as keyed hashes (HMAC-SHA256 from SECRET_KEY), never in clear: a
copy of the table does not sign anyone in. Each code still works once through the real sign-in,
wrong codes are throttled as django-otp throttles, key rotation keeps codes working while the old
key is a fallback, and the data migration hashes the codes stored in clear before it."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aptrack.accounts import services
from aptrack.accounts.models import AuditEvent
from tests.accounts.conftest import PASSWORD, code_now

pytestmark = pytest.mark.django_db

OLD_KEY = "the-old-secret-key-of-this-test-0123456789-abcdefghijklmnop"
NEW_KEY = "the-new-secret-key-of-this-test-9876543210-zyxwvutsrqponmlk"
migration = importlib.import_module("aptrack.accounts.migrations.0005_hash_recovery_codes")


@pytest.fixture
def require_mfa(settings):
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}


def enrol(user):
    """Set up an authenticator app for the user; return the device and the codes shown."""
    device = services.totp_device_start(actor=user)
    codes = services.totp_device_confirm(actor=user, device=device, token=code_now(device))
    return device, codes


def sign_in_with(client, username, code):
    """Password, then the two-factor page with ``code``: the response to the code."""
    client.post(reverse("web:sign-out"))
    signed = client.post(reverse("web:sign-in"), {"username": username, "password": PASSWORD},
                         REMOTE_ADDR="192.0.2.1")
    assert signed["Location"].startswith(reverse("accounts:two-factor"))
    return client.post(reverse("accounts:two-factor"), {"token": code, "next": "/"})


def signed_in(response, client):
    return response.status_code == 302 and client.get("/").status_code == 200


def age_throttle(device, seconds=3600):
    """As if the last wrong code was ``seconds`` ago (django-otp's wait is 1, 2, 4... s)."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp
        - timedelta(seconds=seconds))


def test_stored_tokens_are_keyed_hashes_not_the_codes(people):
    """What the table holds is 16 hex characters per code, none of them a code or any
    10-digit string, and the hash of the code under SECRET_KEY."""
    dsl = people["school_dsl"]
    _, codes = enrol(dsl)
    stored = list(StaticToken.objects.filter(device__user=dsl).values_list("token", flat=True))
    digits = [c.replace("-", "") for c in codes]
    assert len(stored) == len(codes) == 10 and all(re.fullmatch(r"\d{5}-\d{5}", c) for c in codes)
    assert not set(stored) & set(digits)
    assert not any(re.fullmatch(r"\d{10}", token) for token in stored)
    assert all(re.fullmatch(r"[0-9a-f]{16}", token) for token in stored)
    assert sorted(stored) == sorted(services.recovery_code_hash(d) for d in digits)
    # a copy of the table is no use as codes: the stored value typed in is refused
    assert services.second_factor_verify(dsl, stored[0]) is None
    assert StaticToken.objects.filter(device__user=dsl).count() == 10


def test_a_recovery_code_signs_in_once(client, people, require_mfa):
    """Through the sign-in pages: the code as shown (12345-67890) signs in and is deleted; the
    same code again is refused; the audit trail says a recovery code was used."""
    dsl = people["school_dsl"]
    _, codes = enrol(dsl)
    assert signed_in(sign_in_with(client, "school_dsl", codes[3]), client)
    assert StaticToken.objects.filter(device__user=dsl).count() == 9
    assert AuditEvent.objects.get(action="sign_in.second_factor_success",
                                  user=dsl).changes["method"] == "recovery_code"
    age_throttle(TOTPDevice.objects.get(user=dsl))  # the app's device saw a wrong code
    again = sign_in_with(client, "school_dsl", codes[3])
    assert again.status_code == 200 and b"was used already" in again.content
    assert client.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=dsl).count() == 9
    # another of the codes still works
    age_throttle(StaticDevice.objects.get(user=dsl))
    assert signed_in(sign_in_with(client, "school_dsl", codes[4].replace("-", "")), client)
    assert StaticToken.objects.filter(device__user=dsl).count() == 8


def test_a_wrong_code_is_refused_and_throttled(client, people, require_mfa, settings):
    """A wrong code counts a failure on the recovery codes; until the wait has passed even a
    right code is refused (and not used up); after it, the right code works and the count
    starts again."""
    settings.OTP_STATIC_THROTTLE_FACTOR = 600  # a wait of 600 s, not 1 s: no race with the clock
    dsl = people["school_dsl"]
    _, codes = enrol(dsl)
    wrong = sign_in_with(client, "school_dsl", "11111-11111")
    assert wrong.status_code == 200 and b"The code is not right" in wrong.content
    recovery = StaticDevice.objects.get(user=dsl)
    assert recovery.throttling_failure_count == 1
    assert not recovery.verify_is_allowed()[0]
    refused = client.post(reverse("accounts:two-factor"), {"token": codes[0], "next": "/"})
    assert refused.status_code == 200 and client.get("/").status_code == 302
    assert StaticToken.objects.filter(device__user=dsl).count() == 10  # not used up
    recovery.refresh_from_db()
    age_throttle(recovery)
    ok = client.post(reverse("accounts:two-factor"), {"token": codes[0], "next": "/"})
    assert signed_in(ok, client)
    recovery.refresh_from_db()
    assert recovery.throttling_failure_count == 0
    assert StaticToken.objects.filter(device__user=dsl).count() == 9


def test_a_code_of_another_user_is_refused(people):
    """Codes are looked up among the user's own: another user's code does not sign in."""
    _, theirs = enrol(people["school_dsl"])
    enrol(people["la_officer"])
    assert services.second_factor_verify(people["la_officer"], theirs[0]) is None
    assert StaticToken.objects.count() == 20


def test_codes_survive_key_rotation_while_the_old_key_is_a_fallback(client, people,
                                                                    require_mfa, settings):
    """Codes made under the old SECRET_KEY sign in after rotation with the old key in
    SECRET_KEY_FALLBACKS; with the old key gone they do not."""
    settings.SECRET_KEY = OLD_KEY
    _, codes = enrol(people["school_dsl"])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    assert signed_in(sign_in_with(client, "school_dsl", codes[0]), client)
    # new codes are hashed with the new key
    new_codes = services.recovery_codes_regenerate(actor=people["school_dsl"])
    assert StaticToken.objects.filter(
        token=services.recovery_code_hash(new_codes[0], NEW_KEY)).exists()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = OLD_KEY, []
    _, codes = enrol(people["school_dsl"])
    settings.SECRET_KEY = NEW_KEY  # rotated without the fallback
    refused = sign_in_with(client, "school_dsl", codes[0])
    assert refused.status_code == 200 and client.get("/").status_code == 302
    assert StaticToken.objects.count() == 10


def test_the_migration_hashes_clear_codes_and_leaves_the_rest(people):
    """A 10-digit token (a code stored in clear before this release) becomes its hash and then
    works once as a code; a hash, or a token that is not 10 digits, is left as it is, so running
    the migration twice changes nothing. Backwards does nothing (a hash cannot be undone)."""
    dsl = people["school_dsl"]
    device = StaticDevice.objects.create(user=dsl, name=services.RECOVERY_NAME, confirmed=True)
    clear = StaticToken.objects.create(device=device, token="0123456789")
    hashed = StaticToken.objects.create(device=device,
                                        token=services.recovery_code_hash("9876543210"))
    other = StaticToken.objects.create(device=device, token="abcdefgh")
    editor = SimpleNamespace(connection=connection)
    migration.hash_clear_tokens(apps, editor)
    clear.refresh_from_db()
    assert clear.token == services.recovery_code_hash("0123456789")
    assert StaticToken.objects.get(pk=hashed.pk).token == hashed.token
    assert StaticToken.objects.get(pk=other.pk).token == "abcdefgh"
    migration.hash_clear_tokens(apps, editor)
    assert StaticToken.objects.get(pk=clear.pk).token == clear.token
    assert services.second_factor_verify(dsl, "01234-56789") == device
    assert not StaticToken.objects.filter(pk=clear.pk).exists()
    assert services.second_factor_verify(dsl, "01234-56789") is None  # used once
    age_throttle(StaticDevice.objects.get(pk=device.pk))
    assert services.second_factor_verify(dsl, "98765-43210") == device  # not hashed twice
    operation = migration.Migration.operations[0]
    assert operation.reversible and operation.reverse_code is operation.noop


def test_authenticator_app_codes_still_work(client, people, require_mfa):
    """The app's 6-digit code signs in (and is recorded as such); it is not used up from the
    recovery codes."""
    dsl = people["school_dsl"]
    device, _ = enrol(dsl)
    assert signed_in(sign_in_with(client, "school_dsl", code_now(device, 1)), client)
    assert AuditEvent.objects.get(action="sign_in.second_factor_success",
                                  user=dsl).changes["method"] == "totp"
    assert StaticToken.objects.filter(device__user=dsl).count() == 10
