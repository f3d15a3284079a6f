from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Organisations, users, roles, two-factor sign-in, the audit trail, data protection."""

    name = "aptrack.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib import admin

        from . import signals  # noqa: F401  (connects the sign-in audit)
        from .views import admin_sign_in

        # The admin signs in through the service's own sign-in (lockout, two factors).
        admin.site.login = admin_sign_in  # type: ignore[method-assign]
