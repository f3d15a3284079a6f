"""Production profile: every secret and host from the environment, HTTPS only, MFA forced.

Passes ``aptrack check --deploy --fail-level WARNING`` when SECRET_KEY and ALLOWED_HOSTS are set.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import APTRACK, VAR_DIR, env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production")
# Rotating the key (docs/operations.md "Rotating SECRET_KEY"): the old keys, comma-separated,
# still verify what they signed (sessions, reset links) until they expire; nothing new uses them.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
if SECRET_KEY in SECRET_KEY_FALLBACKS:
    raise ImproperlyConfigured("SECRET_KEY_FALLBACKS must not hold the current SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"

EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

APTRACK = {**APTRACK, "REQUIRE_MFA": True, "DEMO_ALLOWED": False}
