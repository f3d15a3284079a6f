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
