"""Settings shared by every profile, driven by environment variables with safe defaults.

Profiles: ``local`` (default for ``aptrack`` and ``manage.py``), ``test`` and ``production``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("APTRACK_HOME", PACKAGE_DIR.parent)).resolve()
VAR_DIR = Path(os.environ.get("APTRACK_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key() -> str:
    """A secret key generated once into var/ for local use; production must set SECRET_KEY."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "aptrack.accounts",
    "aptrack.directory",
    "aptrack.learners",
    "aptrack.placements",
    "aptrack.web",
    "aptrack.attendance",
    "aptrack.quality",
    "aptrack.exchange",
    "aptrack.sufficiency",
    "aptrack.api",
    "aptrack.scale",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aptrack.accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aptrack.accounts.middleware.SessionLimitsMiddleware",
    "aptrack.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aptrack.accounts.middleware.DeniedAccessAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aptrack.urls"
WSGI_APPLICATION = "aptrack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aptrack.web.context_processors.service",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite database lives here
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'aptrack.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Writers take the lock when their transaction begins, so two requests that read then
    # write wait for each other instead of one failing with "database is locked" (measured:
    # 311 of 379 concurrent POSTs failed without it, none with it; tests/scale/test_faults.py).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("APTRACK_TEST_SQLITE") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for the application's connections (decision 0007; docs/operations.md):
    # no JIT compilation for short, repeated queries (compiling a summary query whose cost
    # passed jit_above_cost took seconds), and random_page_cost for SSD storage, so queries
    # scoped to one LA probe indexes instead of scanning national tables (a dashboard count
    # at national scale: 46 ms by a sequential scan, 2.4 ms by the index). Override with
    # APTRACK_PG_OPTIONS (e.g. "-c jit=off" on spinning disks).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", os.environ.get("APTRACK_PG_OPTIONS", "-c jit=off -c random_page_cost=1.1"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "aptrack.accounts.backends.LockoutBackend",  # 5 failures / 30 min (parts/security.py)
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:sign-in"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = None  # production collects into var/static
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [
    d for d in [BASE_DIR / "node_modules" / "govuk-frontend" / "dist"] if d.is_dir()
]

SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute limit of a signed-in session: 12 hours
SESSION_IDLE_SECONDS = 30 * 60  # signed out after 30 minutes without a request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "AP Track <no-reply@aptrack.invalid>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("APTRACK_LOG_LEVEL", "WARNING")},
}

# --- AP Track rules that the law leaves open ([open] in DOMAIN.md): settings, never constants ---
APTRACK = {
    # Hours a week above which provision counts as full-time for the registration test
    # (Education and Skills Act 2008 s92; "all or substantially all": 18 h is the usual rule).
    "FULL_TIME_HOURS": float(os.environ.get("APTRACK_FULL_TIME_HOURS", "18")),
    # Children's Wellbeing and Schools Act 2026 s43: one learner with SEN is enough, once commenced.
    "SEN_WIDENING": env_bool("APTRACK_SEN_WIDENING", False),
    # Provider staff keep seeing a learner this many days after the placement ends.
    "PROVIDER_RECENT_DAYS": int(os.environ.get("APTRACK_PROVIDER_RECENT_DAYS", "30")),
    # Sign-in requires a second factor (always under production settings).
    "REQUIRE_MFA": env_bool("APTRACK_REQUIRE_MFA", False),
    # seed_demo may load synthetic learners and demo accounts (never under production settings).
    "DEMO_ALLOWED": True,
    # The most an uploaded XLSX workbook may declare it holds unzipped, all its parts together
    # (zip bombs; aptrack.exchange.xlsxguard): a 1,000,000-row attendance workbook is ~300 MB.
    "XLSX_MAX_UNCOMPRESSED_BYTES": int(os.environ.get("APTRACK_XLSX_MAX_UNCOMPRESSED_BYTES",
                                                      str(512 * 2**20))),
}


# --- Settings owned by each area live in their own module, imported last so they may extend
# the values above (e.g. INSTALLED_APPS, MIDDLEWARE).
from .parts.api import *  # noqa: E402, F403
from .parts.attendance import *  # noqa: E402, F403
from .parts.exchange import *  # noqa: E402, F403
from .parts.operations import *  # noqa: E402, F403
from .parts.operations import with_replica  # noqa: E402
from .parts.quality import *  # noqa: E402, F403
from .parts.security import *  # noqa: E402, F403
from .parts.sufficiency import *  # noqa: E402, F403

# A read replica for reports when DATABASE_REPLICA_URL is set (docs/operations.md).
DATABASES, MIDDLEWARE, DATABASE_ROUTERS = with_replica(DATABASES, MIDDLEWARE)
