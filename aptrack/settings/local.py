"""Local and demo profile: embedded SQLite under var/, debug pages on, e-mails printed."""

from .base import *  # noqa: F403
from .base import env_bool, local_secret_key

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = local_secret_key()
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
