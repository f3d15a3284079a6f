from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations, users, roles and the audit trail."""

    name = "aptrack.accounts"
    label = "accounts"
