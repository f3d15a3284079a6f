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
        # Second-factor devices are each user's own: set up, replaced and removed through the
        # account pages and services.second_factor_remove, audited. The admin pages django-otp
        # registers would show authenticator seeds and recovery-code hashes, and let a code be
        # typed in clear. (The admin's autodiscovery has run: it is the first app.)
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (StaticDevice, TOTPDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
