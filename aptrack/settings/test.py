"""Test profile: fast password hashing, a throw-away secret, e-mail kept in memory by default."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105 - used only by the test suite
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Transactional tests empty the database between tests, audit trail included.
APTRACK = {**APTRACK, "ALLOW_AUDIT_FLUSH": True}  # noqa: F405
# The suite's webhook receivers listen on loopback and its example addresses do not resolve here;
# tests/api/test_webhook_addresses.py turns the address check back on and tests it.
APTRACK_API = {**APTRACK_API, "WEBHOOK_ALLOW_PRIVATE": True}  # noqa: F405

# The suite's own SQLite database is in memory, shared between threads through SQLite's shared
# cache, whose table locks fail at once ("database table is locked") instead of waiting for the
# busy timeout. There a write transaction begun IMMEDIATE by a background import locks every
# other thread out of its session save, so the in-memory database keeps SQLite's default
# (DEFERRED). Processes started on a database file (DATABASE_URL) keep IMMEDIATE, as in
# production: tests/scale/test_faults.py proves it there under a burst of concurrent writes.
if (DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"  # noqa: F405
        and not os.environ.get("DATABASE_URL")):  # noqa: F405
    DATABASES["default"]["OPTIONS"].pop("transaction_mode", None)  # noqa: F405
