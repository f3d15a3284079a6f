"""Settings for benchmarks: the local profile with debugging off (as in production, so the
numbers carry no query log or debug pages), e-mail kept in memory, quiet logs. The database
comes from DATABASE_URL, set by bench/run.py.
"""

from aptrack.settings.local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
    "loggers": {"django.server": {"handlers": [], "level": "ERROR", "propagate": False}},
}
