"""Request guards: content security policy, session limits (idle, absolute, deactivated),
two-factor enforcement on every route, and the audit of every refused request.

Order in MIDDLEWARE: the CSP first, the session limits and two-factor checks straight after
authentication (django-otp's ``OTPMiddleware`` marks the user verified), the denial audit last.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control

from . import audit, services
from .models import User
from .services import has_second_factor, mfa_required

Handler = Callable[[HttpRequest], HttpResponse]

SIGNED_IN_AT = "aptrack_signed_in_at"
LAST_SEEN = "aptrack_last_seen"

# Pages a signed-in user still needs before the second factor: signing in and out, the
# two-factor pages themselves, and choosing a password from an e-mailed link.
TWO_FACTOR_EXEMPT = {
    "web:sign-in", "web:sign-out", "accounts:two-factor", "accounts:two-factor-setup",
    "accounts:password-reset", "accounts:password-reset-sent", "accounts:password-reset-confirm",
    "accounts:password-reset-complete", "accounts:invitation",
}


def expiry_reason(started: int, seen: int, now: int) -> str:
    """Why a session signed in at ``started`` and last used at ``seen`` (epoch seconds) has
    ended by ``now``: "absolute" (``SESSION_COOKIE_AGE`` after sign-in), "idle"
    (``SESSION_IDLE_SECONDS`` without a request), or "" while it is signed in."""
    if now - started > settings.SESSION_COOKIE_AGE:
        return "absolute"
    if now - seen > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return ""


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _to_sign_in(request: HttpRequest, **params: str) -> HttpResponseRedirect:
    query = {"next": request.get_full_path(), **params} if request.method == "GET" else params
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{urlencode(query)}")


class ContentSecurityPolicyMiddleware:
    """Send ``settings.APTRACK_CSP`` as the Content-Security-Policy of every response, with a
    Permissions-Policy that turns off device features the service never uses."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.policy = "; ".join(f"{k} {' '.join(v)}" for k, v in settings.APTRACK_CSP.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy",
                                    "camera=(), microphone=(), geolocation=(), payment=()")
        return response


class SessionLimitsMiddleware:
    """End a session after ``SESSION_IDLE_SECONDS`` without a request or
    ``SESSION_COOKIE_AGE`` after sign-in, and at once when the account was deactivated
    (Django then finds no active user for the session). Signed-in pages are never cached.

    Also keeps the session's row on the "Where you are signed in" page (``SignedInSession``):
    its last use written at most once a minute, its key digest when the key changes, deleted
    when the session ends here; a session whose row was deleted (ended from another device,
    or by deactivation) is signed out."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None:
            ended = self._check(request)
            if ended is not None:
                return ended
        response = self.get_response(request)
        if session is not None:
            services.session_key_followed(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        # Read before the user: Django empties the session of a changed password on reading it.
        row = request.session.get(services.SESSION_ROW)
        user = request.user
        if not user.is_authenticated:
            if request.session.get("_auth_user_id"):
                # The session's user is deactivated or gone: end the session now.
                uid = str(request.session["_auth_user_id"])
                audit.record(actor=User.objects.filter(pk=uid).first(),
                             action="session.ended_deactivated", object_type="user",
                             object_id=uid)
                services.session_forget(request.session)
                request.session.flush()
                return _to_sign_in(request, signed_out="deactivated")
            if row is not None:  # emptied by Django (the password changed): forget its row
                services.session_forget_row(row)
            return None
        now = int(time.time())
        started = request.session.setdefault(SIGNED_IN_AT, now)
        seen = request.session.get(LAST_SEEN, now)
        reason = expiry_reason(started, seen, now)
        if reason:
            audit.record(actor=user, action=f"session.expired_{reason}", object_type="user",
                         object_id=str(user.pk))
            logout(request)  # the user_logged_out signal deletes the session's row
            return _to_sign_in(request, signed_out=reason)
        if not services.session_seen(request, now=now, started=started):
            # Its row was deleted: signed out from another device, or the account deactivated.
            audit.record(actor=user, action="session.ended_elsewhere", object_type="user",
                         object_id=str(user.pk))
            logout(request)
            return _to_sign_in(request)
        request.session[LAST_SEEN] = now
        return None


class TwoFactorRequiredMiddleware:
    """Where two-factor sign-in is required (``mfa_required``), a signed-in user whose session
    is not yet verified with a code reaches no page but the two-factor ones: every route,
    the admin included (the API authenticates with bearer tokens: ``user_may_use_api``)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (user.is_authenticated and not user.is_verified()  # type: ignore[union-attr]
                and _url_name(request) not in TWO_FACTOR_EXEMPT and mfa_required(user)):
            name = "accounts:two-factor" if has_second_factor(user) else \
                "accounts:two-factor-setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse(name) + (f"?{query}" if query else ""))
        return self.get_response(request)


class DeniedAccessAuditMiddleware:
    """Write every refused request (401, 403, 404 for a signed-in or token user; 401 and 403
    for anyone) to the audit trail as exactly one ``access.denied`` row: the route, the object
    asked for, the status. A view that already audited its refusal (``audit.denied``, with the
    kind of object) is not written twice."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if (status in (401, 403) or (status == 404 and signed_in)) and \
                not audit.denial_audited(request):
            try:
                match = resolve(request.path_info)
                route, object_id = match.view_name, str(next(iter(match.kwargs.values()), ""))
            except Resolver404:
                route, object_id = "", ""
            details = audit.denial_details(request, status)
            details["route"] = route
            audit.record(actor=user if signed_in else None, action=audit.DENIED,
                         object_type=route[:60] or "url", object_id=object_id[:40],
                         changes=details)
        return response
