"""Browser hardening headers, cookies, upload limits and the production deployment check."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_every_page_carries_the_security_headers(client, world):
    response = client.get(reverse("web:sign-in"))
    csp = response["Content-Security-Policy"]
    for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'",
                      "object-src 'none'", "base-uri 'none'", "form-action 'self'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_forms_need_a_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("web:sign-in"), {"username": "la_officer",
                                                    "password": "a-long-test-password-1"})
    assert response.status_code == 403 and b"that form has expired" in response.content


def test_passwords_are_argon2_and_sessions_bounded():
    assert django_settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12
    assert any("CommonPassword" in v["NAME"] for v in django_settings.AUTH_PASSWORD_VALIDATORS)
    from aptrack.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert django_settings.SESSION_COOKIE_AGE == 12 * 3600
    assert django_settings.SESSION_IDLE_SECONDS == 30 * 60
    assert django_settings.SESSION_COOKIE_HTTPONLY


def test_a_too_large_request_body_is_refused(client, world):
    big = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("web:sign-in"), data=big,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="aptrack.settings.production",
               SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="aptrack.example",
               DATABASE_URL=os.environ.get("DATABASE_URL") or "sqlite:///:memory:", **extra)
    return env


def run_production(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], env=production_env(), cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_production_check_deploy_is_clean():
    result = subprocess.run([sys.executable, "-m", "django", "check", "--deploy",
                             "--fail-level", "WARNING"], env=production_env(), cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_production_forces_mfa_https_and_host_cookies():
    out = run_production(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.APTRACK['REQUIRE_MFA'], s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, "
        "s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT)")
    assert out.split() == ["True", "__Host-sessionid", "__Host-csrftoken", "True", "True",
                           "True"]
