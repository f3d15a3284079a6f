"""Writes about accounts: two-factor devices, organisation administrators managing their users,
and legal holds. Each is one transaction with its audit event inside it; e-mails go after commit.

Also the checks other areas call: ``mfa_required`` and ``user_may_use_api`` (the API's bearer
tokens), so that a rule about who may sign in is decided here once.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .choices import ROLES_BY_ORGANISATION, OrganisationKind
from .models import LegalHold, User

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


# --- Who may sign in, and how -------------------------------------------------------------

def has_second_factor(user: Any) -> bool:
    """The user has a confirmed authenticator app."""
    return bool(getattr(user, "pk", None)) and TOTPDevice.objects.filter(
        user_id=user.pk, confirmed=True).exists()


def mfa_required(user: Any) -> bool:
    """Two-factor sign-in is required: always under production settings (or
    ``APTRACK_REQUIRE_MFA=1``), and for anyone who has set up an authenticator app."""
    return bool(settings.APTRACK.get("REQUIRE_MFA")) or has_second_factor(user)


def user_may_use_api(user: Any) -> bool:
    """An API token of this user may act now: the account is active, and when two-factor
    sign-in is required the user has set it up (tokens are made after a verified sign-in)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if settings.APTRACK.get("REQUIRE_MFA") and not has_second_factor(user):
        return False
    return True


# --- Two-factor devices ---------------------------------------------------------------------

@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """Begin setting up an authenticator app: a new unconfirmed TOTP device (replacing any
    earlier unconfirmed one). It counts only once confirmed with a code from the app."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator app with a current code; replace any earlier app; return new
    recovery codes (shown once). RFC 6238 TOTP, 30-second steps, 6 digits; a code is never
    accepted twice (django-otp keeps the last time step used)."""
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied("This is not your authenticator set-up.")
    if not device.verify_token(_digits(token)):
        raise ValidationError({"token": "The code is not right: enter the 6-digit code your "
                                        "authenticator app shows now."})
    TOTPDevice.objects.filter(user=actor, confirmed=True).delete()
    device.confirmed = True
    device.save()
    audit.record(actor=actor, action="mfa.enrolled", object_type="user",
                 object_id=str(actor.pk))
    return _new_recovery_codes(actor)


@transaction.atomic
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    """Replace the user's recovery codes with new ones (the old ones stop working)."""
    codes = _new_recovery_codes(actor)
    audit.record(actor=actor, action="mfa.recovery_codes_replaced", object_type="user",
                 object_id=str(actor.pk))
    return codes


@transaction.atomic
def second_factor_remove(*, actor: User, user: User) -> None:
    """Remove a user's authenticator app and recovery codes (a lost phone). Their own, or by
    their organisation administrator; they set it up again at the next sign-in if required."""
    if actor.pk != user.pk:
        _require_manages(actor, user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action="mfa.removed", object_type="user", object_id=str(user.pk))


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                   defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(settings.APTRACK_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _digits(token: str) -> str:
    return "".join(ch for ch in str(token) if ch.isdigit())


def normalise_code(token: str) -> str:
    """A code as typed (spaces, dashes) reduced to its digits."""
    return _digits(token)


# --- Organisation administrators manage their own users --------------------------------------

class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Links in invitations: single use like reset links, valid for APTRACK_INVITATION_DAYS."""

    key_salt = "aptrack.accounts.InvitationTokenGenerator"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        max_age = int(settings.APTRACK_INVITATION_DAYS) * 24 * 60 * 60
        return (self._num_seconds(self._now()) - ts) <= max_age


invitation_tokens = InvitationTokenGenerator()


def _require_manages(actor: User, user: User | None = None) -> None:
    """Only organisation administrators, and only for users of their own organisation; another
    organisation's user is treated as if it did not exist."""
    if not actor.manages_users:
        raise PermissionDenied("Only organisation administrators manage users.")
    if user is not None and user.organisation_id != actor.organisation_id:
        raise User.DoesNotExist("No such user in your organisation.")


def _check_role(actor: User, role: str) -> None:
    allowed = ROLES_BY_ORGANISATION[OrganisationKind(actor.organisation.kind)]
    if role not in allowed:
        raise ValidationError({"role": "Choose a role of your organisation."})


@transaction.atomic
def user_invite(*, actor: User, username: str, email: str, first_name: str, last_name: str,
                role: str, is_org_admin: bool = False, base_url: str = "") -> User:
    """Create an account in the administrator's organisation and e-mail its holder a link to
    choose a password (single use, expires after APTRACK_INVITATION_DAYS)."""
    _require_manages(actor)
    _check_role(actor, role)
    user = User(username=username.strip(), email=email.strip(), first_name=first_name.strip(),
                last_name=last_name.strip(), role=role, is_org_admin=is_org_admin,
                organisation=actor.organisation)
    user.set_unusable_password()
    user.full_clean()
    if not user.email:
        raise ValidationError({"email": "Enter the e-mail address the invitation goes to."})
    user.save()
    audit.record(actor=actor, action="user.invited", obj=user,
                 changes=audit.diff({}, audit.snapshot(user, ["username", "role",
                                                             "organisation", "is_org_admin"])))
    link = base_url + reverse("accounts:invitation", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": invitation_tokens.make_token(user)})
    context = {"user": user, "link": link, "inviter": actor,
               "days": settings.APTRACK_INVITATION_DAYS}
    transaction.on_commit(lambda: send_mail(
        "Your AP Track account", render_to_string("accounts/email/invitation.txt", context),
        None, [user.email]))
    return user


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: str, is_org_admin: bool) -> User:
    """Change a user's role (within the organisation) and whether they administer it."""
    _require_manages(actor, user)
    _check_role(actor, role)
    if user.pk == actor.pk and not is_org_admin and actor.role != "la_admin":
        raise ValidationError({"is_org_admin": "You cannot remove your own administrator rights: "
                                               "ask another administrator."})
    return audit.change(actor=actor, obj=user, action="user.role_changed", learner_id=None,
                        role=role, is_org_admin=is_org_admin)  # type: ignore[return-value]


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop an account: its sessions and API tokens stop working at their next request (the
    session middleware and the API both check ``is_active``)."""
    _require_manages(actor, user)
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot deactivate your own account."})
    return audit.change(actor=actor, obj=user, action="user.deactivated", learner_id=None,
                        is_active=False)  # type: ignore[return-value]


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """Let a deactivated account sign in again."""
    _require_manages(actor, user)
    return audit.change(actor=actor, obj=user, action="user.reactivated", learner_id=None,
                        is_active=True)  # type: ignore[return-value]


# --- Legal holds ------------------------------------------------------------------------------

@transaction.atomic
def legal_hold_place(*, actor: User, learner: Any, reason: str) -> LegalHold:
    """Keep everything on a learner past its retention date until the hold is released
    (UK GDPR Art. 17(3)(e): data needed for legal claims). LA administrators only."""
    if actor.role != "la_admin" and not actor.is_superuser:
        raise PermissionDenied("Only LA administrators place legal holds.")
    from aptrack.accounts import scopes

    scopes.require(type(learner), learner.pk, actor, scopes.VIEW)
    hold = LegalHold(learner=learner, reason=reason.strip(), placed_by=actor)
    hold.full_clean()
    hold.save()
    audit.record(actor=actor, action="legal_hold.placed", obj=hold, learner_id=learner.pk)
    return hold


@transaction.atomic
def legal_hold_release(*, actor: User, hold: LegalHold) -> LegalHold:
    """End a legal hold; retention applies again from the next run."""
    if actor.role != "la_admin" and not actor.is_superuser:
        raise PermissionDenied("Only LA administrators release legal holds.")
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.full_clean()
    hold.save()
    audit.record(actor=actor, action="legal_hold.released", obj=hold, learner_id=hold.learner_id)
    return hold
