"""The project's front door: the console command, the settings profiles, the database in use."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
APTRACK = Path(sys.executable).with_name("aptrack")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    drop = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in drop} | env
    return subprocess.run([str(APTRACK), *args], capture_output=True, text=True, cwd=ROOT,
                          env=environ, timeout=120, check=False)


def test_console_command_runs_management_commands():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_demand_a_secret_key_and_hosts():
    result = run("check", DJANGO_SETTINGS_MODULE="aptrack.settings.production",
                 SECRET_KEY="", ALLOWED_HOSTS="aptrack.example.org")
    assert result.returncode != 0
    os.environ.pop("SECRET_KEY", None)
    result = run("check", DJANGO_SETTINGS_MODULE="aptrack.settings.production",
                 ALLOWED_HOSTS="aptrack.example.org")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = run("check", "--deploy", "--fail-level", "WARNING",
                 DJANGO_SETTINGS_MODULE="aptrack.settings.production",
                 SECRET_KEY="x" * 20 + "-a-long-random-looking-secret-for-the-check-only",
                 ALLOWED_HOSTS="aptrack.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_rotation_keeps_what_the_old_key_signed(tmp_path):
    """Rotation (docs/operations.md): a value signed with the old key still verifies when the
    old key is a fallback, and no longer once it is removed; the current key as a fallback is
    refused."""
    from django.core import signing

    old, new = "o" * 60, "n" * 60
    token = signing.dumps("still signed in", key=old, salt="rotation")
    env = {"DJANGO_SETTINGS_MODULE": "aptrack.settings.production", "SECRET_KEY": new,
           "ALLOWED_HOSTS": "aptrack.example.org",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    load = f"from django.core import signing; print(signing.loads({token!r}, salt='rotation'))"
    kept = run("shell", "-v", "0", "-c", load, SECRET_KEY_FALLBACKS=old, **env)
    assert kept.returncode == 0 and kept.stdout.strip() == "still signed in", kept.stderr
    dropped = run("shell", "-v", "0", "-c", load, **env)
    assert dropped.returncode != 0 and "BadSignature" in dropped.stderr
    same = run("check", SECRET_KEY_FALLBACKS=new, **env)
    assert same.returncode != 0 and "must not hold the current SECRET_KEY" in same.stderr


def test_seed_demo_refused_under_production_settings(tmp_path):
    result = run("seed_demo", DJANGO_SETTINGS_MODULE="aptrack.settings.production",
                 SECRET_KEY="s" * 60, ALLOWED_HOSTS="aptrack.example.org",
                 DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    assert result.returncode != 0 and "refuses to run with production settings" in result.stderr


@pytest.mark.django_db
def test_the_database_in_use_is_the_one_asked_for():
    """CI runs the suite twice; make sure the second run really is on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
