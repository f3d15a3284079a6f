"""Writes about accounts: two-factor devices, organisation administrators managing their users,
and legal holds. Each is one transaction with its audit event inside it; e-mails go after commit.

Also the checks other areas call: ``mfa_required`` and ``user_may_use_api`` (the API's bearer
tokens), so that a rule about who may sign in is decided here once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Func, Q
from django.db.models.functions import SHA256
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .choices import ROLES_BY_ORGANISATION, OrganisationKind
from .models import LegalHold, SignedInSession, User

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_SALT = "aptrack.recovery-code"


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
    StaticToken.objects.bulk_create([StaticToken(device=device, token=recovery_code_hash(c))
                                     for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def recovery_code_hash(code: str, secret: str | bytes | None = None) -> str:
    """What is stored for a recovery code, never the code itself: HMAC-SHA256 of its digits
    keyed from ``secret`` (default SECRET_KEY), hex, cut to the 16 characters StaticToken.token
    holds (64 bits). The key is not in the database, so a copy of the table alone does not let
    anyone try the 10^10 possible codes offline."""
    return salted_hmac(RECOVERY_CODE_SALT, _digits(code), secret=secret,
                       algorithm="sha256").hexdigest()[:16]


def _recovery_code_hashes(code: str) -> list[str]:
    """The code's hash under SECRET_KEY and under each SECRET_KEY_FALLBACKS key, so that
    rotating the key does not stop recovery codes made under the old one."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [recovery_code_hash(code, key) for key in keys]


def _recovery_code_verify(device: StaticDevice, code: str) -> bool:
    """StaticDevice.verify_token, but matching the hashes of the code: throttled as django-otp
    throttles (each wrong code doubles the wait), and the matched code is deleted (single use)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    match = device.token_set.filter(token__in=_recovery_code_hashes(code)).first()
    if match is None:
        device.throttle_increment()
        return False
    match.delete()
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    return True


def second_factor_verify(user: Any, token: str) -> Device | None:
    """The user's confirmed device that accepts this code, or None: the authenticator app
    with the code's digits, the recovery codes by hash. Replaces ``django_otp.match_token``
    (which would compare recovery codes in clear). Devices are locked while checked, so two
    requests cannot both use one code; wrong codes are throttled on each device as django-otp
    does."""
    code = _digits(token)
    with transaction.atomic():
        for device in django_otp.devices_for_user(user, for_verify=True):
            if isinstance(device, StaticDevice):
                verified = _recovery_code_verify(device, code)
            else:
                verified = device.verify_token(code)
            if verified:
                return device
    return None


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
    SignedInSession.objects.filter(user=user).delete()  # its sessions end at their next request
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


# --- Signed-in sessions: where a user is signed in, and signing them out ---------------------
#
# Each signed-in browser session has a SignedInSession row (the "Where you are signed in"
# page). The row holds a SHA-256 of the session key, never the key: the session itself is found
# in Django's session store by comparing digests in the database. The session's own data keeps
# the row's id, so requests do not read the row; the middleware writes it at most once a minute.

SESSION_ROW = "aptrack_session_row"  # session data: the id of this session's SignedInSession
SESSION_ROW_KEY = "aptrack_session_row_key"  # the key digest the row was last given
SESSION_ROW_SEEN = "aptrack_session_row_seen"  # when last_seen_at was last written (epoch)
SESSION_SEEN_EVERY = 60  # seconds: last_seen_at is written at most once a minute
SESSION_CLOCK_MARGIN = 300  # seconds allowed for the write interval and the servers' clocks


def session_key_digest(session_key: str) -> str:
    """What a SignedInSession stores of a session key: its SHA-256, in hex."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class _KeyDigest(SHA256):
    """``session_key_digest`` in SQL: Django's SHA256 on SQLite, and on PostgreSQL its own
    sha256() (Django's would need the pgcrypto extension)."""

    def as_postgresql(self, compiler: Any, connection: Any,
                      **extra_context: Any) -> Any:
        return Func.as_sql(self, compiler, connection,
                           template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
                           **extra_context)


_BROWSERS = (  # the first match wins: Edge, Opera, Samsung say Chrome; Chrome says Safari
    ("Edge", ("Edg/", "Edge/", "EdgA/", "EdgiOS/")), ("Opera", ("OPR/", "Opera")),
    ("Samsung Internet", ("SamsungBrowser/",)), ("Firefox", ("Firefox/", "FxiOS/")),
    ("Chrome", ("CriOS/", "Chrome/", "Chromium/")),
    ("Internet Explorer", ("MSIE ", "Trident/")), ("Safari", ("Safari/",)),
)
_SYSTEMS = (  # iPhones say "like Mac OS X", Android says Linux
    ("iPadOS", ("iPad",)), ("iOS", ("iPhone", "iPod")), ("Android", ("Android",)),
    ("ChromeOS", ("CrOS",)), ("Windows", ("Windows",)), ("macOS", ("Macintosh", "Mac OS X")),
    ("Linux", ("Linux", "X11")),
)


def describe_device(user_agent: str) -> str:
    """The browser and operating system of a User-Agent in plain words ("Firefox on
    Windows"); the User-Agent itself is not kept."""
    def first(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
        return next((name for name, marks in rules if any(m in user_agent for m in marks)), "")

    browser, system = first(_BROWSERS), first(_SYSTEMS)
    if not (browser or system):
        return "Unknown device"
    return f"{browser or 'Unknown browser'} on {system}" if system else browser


def ip_network(address: str) -> str:
    """The network of an IP address, not the address (data minimisation): its /24 for IPv4,
    its /48 for IPv6 ("203.0.113.0/24"); an IPv4 address written as IPv6 counts as IPv4."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(ip), 24), strict=False))
    return str(ipaddress.IPv6Network((int(ip), 48), strict=False))


def session_signed_in(*, request: Any, user: Any,
                      signed_in_at: datetime | None = None) -> SignedInSession | None:
    """List the request's session as one where ``user`` is signed in (at sign-in, from the
    ``user_logged_in`` signal; or a session signed in before the list existed)."""
    session = getattr(request, "session", None)
    if session is None or not getattr(user, "pk", None):
        return None
    if session.session_key is None:
        session.save()  # Django emptied the session (another user's): it gets its key now
    digest = session_key_digest(session.session_key)
    now = timezone.now()
    row, _ = SignedInSession.objects.update_or_create(session_key=digest, defaults={
        "user": user, "signed_in_at": signed_in_at or now, "last_seen_at": now,
        "device": describe_device(request.META.get("HTTP_USER_AGENT", "")),
        "ip_network": ip_network(request.META.get("REMOTE_ADDR", "")),
    })
    session[SESSION_ROW] = row.pk
    session[SESSION_ROW_KEY] = digest
    session[SESSION_ROW_SEEN] = int(time.time())
    sessions_purge_ended()
    return row


def sessions_purge_ended() -> int:
    """Delete the rows of sessions that have certainly ended although nobody signed out or came
    back (the browser was closed): last seen longer ago than the idle limit (the row is written
    at least once a minute while the session is used) or signed in longer ago than the
    absolute limit. Run at every sign-in, so rows are not kept past their use."""
    now = timezone.now()
    idle = settings.SESSION_IDLE_SECONDS + SESSION_CLOCK_MARGIN
    deleted, _ = SignedInSession.objects.filter(
        Q(last_seen_at__lt=now - timedelta(seconds=idle))
        | Q(signed_in_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE
                                              + SESSION_CLOCK_MARGIN))).delete()
    return deleted


def session_seen(request: Any, *, now: int, started: int) -> bool:
    """Keep the row of the request's signed-in session up to date: its key digest when the
    key changed (at sign-in, after the second factor, at a password change) and
    ``last_seen_at`` at most once a minute, so most requests write nothing. False when the
    row has gone: the session was ended (from another device, or by deactivation)."""
    session, user = request.session, request.user
    pk = session.get(SESSION_ROW)
    if pk is None:  # signed in before sessions were listed
        session_signed_in(request=request, user=user,
                          signed_in_at=datetime.fromtimestamp(started, tz=UTC))
        return True
    key = session.session_key
    digest = session_key_digest(key) if key else session.get(SESSION_ROW_KEY)
    if digest == session.get(SESSION_ROW_KEY) and \
            now - int(session.get(SESSION_ROW_SEEN, 0)) < SESSION_SEEN_EVERY:
        return True
    if not SignedInSession.objects.filter(pk=pk, user_id=user.pk).update(
            session_key=digest, last_seen_at=timezone.now()):
        return False
    session[SESSION_ROW_KEY] = digest
    session[SESSION_ROW_SEEN] = now
    return True


def session_key_followed(request: Any) -> None:
    """After the view: if it changed the session key (sign-in, the second factor, a password
    change), give the row the new key's digest now, so the session can be found to end it."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or not session.session_key or user is None or \
            not user.is_authenticated or SESSION_ROW not in session:
        return
    digest = session_key_digest(session.session_key)
    if digest != session.get(SESSION_ROW_KEY):
        SignedInSession.objects.filter(pk=session[SESSION_ROW], user_id=user.pk).update(
            session_key=digest)
        session[SESSION_ROW_KEY] = digest


def session_forget(session: Any) -> None:
    """Delete the row of a session that is ending (signed out, expired, deactivated, or
    emptied by Django when the password changed elsewhere)."""
    keys = [session_key_digest(session.session_key)] if session.session_key else []
    SignedInSession.objects.filter(
        Q(pk=session.get(SESSION_ROW, 0)) | Q(session_key__in=keys)).delete()


def session_forget_row(pk: Any) -> None:
    """Delete one row by its id (the id from a session's own data)."""
    SignedInSession.objects.filter(pk=pk).delete()


def _session_store() -> Any:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        raise ImproperlyConfigured("Listing signed-in sessions needs a database-backed "
                                   "SESSION_ENGINE (django.contrib.sessions.backends.db).")
    return store


def _stored_sessions(digests: list[str], *, since: datetime) -> list[tuple[str, str, str]]:
    """(digest, key, data) of the stored sessions, unexpired at ``since``, whose key has one of
    these digests (a scan of the sessions saved since then: the key cannot be indexed by its
    digest)."""
    if not digests:
        return []
    model = _session_store().get_model_class()
    return list(model.objects.filter(expire_date__gt=since)
                .annotate(digest=_KeyDigest("session_key")).filter(digest__in=digests)
                .values_list("digest", "session_key", "session_data"))


def _session_alive(data: dict[str, Any], user: Any, now: int) -> bool:
    """The session is signed in as ``user`` now: the same account, the password unchanged
    since (Django's session hash), and within the idle and absolute limits."""
    from .middleware import LAST_SEEN, SIGNED_IN_AT, expiry_reason

    if str(data.get(auth.SESSION_KEY)) != str(user.pk) or not user.is_active:
        return False
    stored = str(data.get(auth.HASH_SESSION_KEY) or "")
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not (stored and any(constant_time_compare(stored, h) for h in hashes)):
        return False
    return not expiry_reason(int(data.get(SIGNED_IN_AT, now)), int(data.get(LAST_SEEN, now)),
                             now)


def sessions_of(user: User, *, current: Any = None) -> list[SignedInSession]:
    """The user's signed-in sessions, the latest active first. Rows of sessions that have
    ended without signing out (idle, 12 hours, the password changed, the browser's session
    emptied) are deleted as they are found; the current session (``current``: its row id)
    is signed in by definition."""
    rows = list(SignedInSession.objects.filter(user=user))
    others = [r.session_key for r in rows if r.pk != current]
    now = timezone.now()
    # Every signed-in request saves its session, moving its expiry SESSION_COOKIE_AGE ahead: a
    # session saved before the idle limit (and a margin) is not signed in, so it is not read.
    since = now + timedelta(seconds=max(
        0, settings.SESSION_COOKIE_AGE - settings.SESSION_IDLE_SECONDS - SESSION_CLOCK_MARGIN))
    store, epoch = _session_store(), int(time.time())
    live = {digest for digest, _, data in _stored_sessions(others, since=since)
            if _session_alive(store().decode(data), user, epoch)}
    dead = [r.pk for r in rows if r.pk != current and r.session_key not in live]
    if dead:
        SignedInSession.objects.filter(pk__in=dead).delete()
    return [r for r in rows if r.pk not in dead]


def session_other(user: User, pk: Any, *, current: Any = None) -> SignedInSession | None:
    """One of the user's other sessions by its id, or None (another user's, the current one,
    one that has ended, or no such id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk == current:
        return None
    return SignedInSession.objects.filter(user=user, pk=pk).first()


def _end(actor: User, rows: list[SignedInSession]) -> None:
    """Delete the sessions from Django's session store (their cookies stop working at once),
    then their rows, auditing each."""
    store = _session_store()
    for _, key, _ in _stored_sessions([r.session_key for r in rows], since=timezone.now()):
        store().delete(key)
    SignedInSession.objects.filter(pk__in=[r.pk for r in rows]).delete()
    for row in rows:
        audit.record(actor=actor, action="session.ended_by_user", object_type="signed_in_session",
                     object_id=str(row.pk), changes={
                         "device": row.device, "signed_in_at": row.signed_in_at.isoformat()})


@transaction.atomic
def session_end(*, actor: User, row: SignedInSession) -> None:
    """Sign out one of the actor's own sessions on another device."""
    if row.user_id != actor.pk:
        raise PermissionDenied("You can only sign out your own sessions.")
    _end(actor, [row])


@transaction.atomic
def sessions_end_others(*, actor: User, current: Any = None) -> int:
    """Sign out every session of the actor but the current one; how many were ended."""
    rows = list(SignedInSession.objects.select_for_update().filter(user=actor)
                .exclude(pk=current))
    _end(actor, rows)
    return len(rows)
