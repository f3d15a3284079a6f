"""Account pages: sign-in and its second factor, the user's own account, organisation
administrators managing their users, the audit viewer, legal holds and subject access exports.

Thin: parse the request, call a service or selector, render.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, dataprotection, selectors, services
from .forms import AuditFilterForm, CodeForm, InviteForm, LegalHoldForm, RoleForm, SignInForm
from .models import User

SETUP_DEVICE = "aptrack_totp_setup_device"


def _next(request: HttpRequest, default: str = "web:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse(default)


# --- Sign-in ------------------------------------------------------------------------------

class SignInView(auth_views.LoginView):
    """Username and password (locked for 30 minutes after 5 failures by django-axes); the
    second factor follows where required (``TwoFactorRequiredMiddleware``)."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["signed_out"] = self.request.GET.get("signed_out", "")
        return context

    def get_success_url(self) -> str:
        user = self.request.user
        if services.mfa_required(user):
            name = "accounts:two-factor" if services.has_second_factor(user) else \
                "accounts:two-factor-setup"
            target = self.get_redirect_url() or reverse("web:home")
            return f"{reverse(name)}?{urlencode({'next': target})}"
        return super().get_success_url()


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires)."""


def admin_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's sign-in page is the service's own: same lockout, same second factor."""
    if request.user.is_authenticated:
        raise PermissionDenied("Your account does not use the administration pages.")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enter the code from the authenticator app (or a recovery code) to finish signing in.
    A code is accepted once only; wrong codes slow further attempts (django-otp throttling)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(request.user, services.normalise_code(
            form.cleaned_data["token"]))
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            audit.record(actor=request.user, action="sign_in.second_factor_success",
                         object_type="user", object_id=str(request.user.pk),
                         changes={"method": "recovery_code" if "Static" in type(device).__name__
                                  else "totp"})
            return HttpResponseRedirect(_next(request))
        audit.record(actor=request.user, action="sign_in.second_factor_failure",
                     object_type="user", object_id=str(request.user.pk))
        form.add_error("token", "The code is not right, or was used already. Enter the code "
                                "your authenticator app shows now, or a recovery code.")
    return render(request, "accounts/two_factor.html",
                  {"form": form, "next": _next(request)}, status=200)


def _qr_data_uri(device: TOTPDevice, user: Any) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), enter a code to
    confirm, then keep the recovery codes shown once."""
    device = TOTPDevice.objects.filter(pk=request.session.get(SETUP_DEVICE), user=request.user,
                                       confirmed=False).first()
    if device is None:
        device = services.totp_device_start(actor=request.user)  # type: ignore[arg-type]
        request.session[SETUP_DEVICE] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(actor=request.user,  # type: ignore[arg-type]
                                                 device=device,
                                                 token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error("token", exc.message_dict["token"][0])
        else:
            del request.session[SETUP_DEVICE]
            django_otp.login(request, device)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "next": _next(request)})
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": _qr_data_uri(device, request.user), "next": _next(request),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working)."""
    codes = services.recovery_codes_regenerate(actor=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/recovery_codes.html",
                  {"codes": codes, "next": reverse("accounts:account")})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own account: organisation, role, two-factor sign-in."""
    user = request.user
    return render(request, "accounts/account.html", {
        "has_second_factor": services.has_second_factor(user),
        "mfa_forced": bool(settings.APTRACK.get("REQUIRE_MFA")),
        "may_view_audit": selectors.may_view_audit(user),
    })


def _ago(then: Any, now: Any) -> str:
    if (now - then).total_seconds() < 60:
        return "Less than a minute ago"
    return f"{timesince(then, now, depth=1)} ago"


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """Where the user is signed in: each browser session, this one marked; sign out one of
    the others, or all of them. Only the user's own sessions: any other id is 404."""
    user: Any = request.user
    current = request.session.get(services.SESSION_ROW)
    if request.method == "POST":
        choice = request.POST.get("session", "")
        if choice == "others":
            ended = services.sessions_end_others(actor=user, current=current)
            if ended:
                messages.success(request, "Your other session has been signed out." if ended == 1
                                 else f"Your {ended} other sessions have been signed out.")
            else:
                messages.info(request, "You were not signed in anywhere else.")
            return redirect("accounts:sessions")
        row = services.session_other(user, choice, current=current)
        if row is None:
            audit.denied(request, object_type="signed_in_session", object_id=choice[:40])
            raise Http404("No such session")
        services.session_end(actor=user, row=row)
        when = dateformat.format(timezone.localtime(row.signed_in_at), "j F Y H:i")
        messages.success(request, f"{row.device}, signed in {when}, has been signed out.")
        return redirect("accounts:sessions")
    now = timezone.now()
    rows = [{"row": row, "current": row.pk == current, "ago": _ago(row.last_seen_at, now)}
            for row in services.sessions_of(user, current=current)]
    rows.sort(key=lambda r: not r["current"])  # this device first
    return render(request, "accounts/sessions.html", {
        "rows": rows, "others": sum(1 for r in rows if not r["current"])})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="password.changed", object_type="user",
                     object_id=str(self.request.user.pk))
        messages.success(self.request, "Your password has been changed.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail; the answer never says whether the address is known."""

    template_name = "registration/reset_form.html"
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from an e-mailed link (single use; expires after
    PASSWORD_RESET_TIMEOUT). The new password does not sign the user in."""

    template_name = "registration/reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    audit_action = "password.reset"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(actor=self.user, action=self.audit_action, object_type="user",
                     object_id=str(self.user.pk))
        return response


class InvitationView(PasswordResetConfirmView):
    """Choose a first password from an invitation link (single use; expires in 7 days)."""

    token_generator = services.invitation_tokens
    template_name = "accounts/invitation.html"
    audit_action = "user.invitation_accepted"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A GOV.UK page for a refused form (expired page or a cross-site request)."""
    return render(request, "accounts/csrf_failure.html", status=403)


# --- Organisation administrators ------------------------------------------------------------

def _managing(request: HttpRequest) -> None:
    if not getattr(request.user, "manages_users", False):
        raise Http404("No such page")


@login_required
def users(request: HttpRequest) -> HttpResponse:
    """The users of the administrator's organisation."""
    _managing(request)
    return render(request, "accounts/users.html",
                  {"users": selectors.users_managed_by(request.user)})


@login_required
def user_invite(request: HttpRequest) -> HttpResponse:
    _managing(request)
    kind = request.user.organisation.kind  # type: ignore[union-attr]
    form = InviteForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.user_invite(actor=request.user,  # type: ignore[arg-type]
                                       base_url=request.build_absolute_uri("/")[:-1],
                                       **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{new.get_full_name()} has been sent an invitation.")
            return redirect("accounts:users")
    return render(request, "accounts/user_invite.html", {"form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a user's role, or deactivate, reactivate or reset their two-factor sign-in."""
    _managing(request)
    try:
        target = selectors.user_managed_get(actor=request.user, pk=pk)
    except User.DoesNotExist:
        raise Http404("No such user") from None
    kind = request.user.organisation.kind  # type: ignore[union-attr]
    form = RoleForm(request.POST or None, kind=kind,
                    initial={"role": target.role, "is_org_admin": target.is_org_admin})
    if request.method == "POST":
        action = request.POST.get("action", "role")
        try:
            if action == "deactivate":
                services.user_deactivate(actor=request.user, user=target)  # type: ignore[arg-type]
                messages.success(request, f"{target.username} can no longer sign in.")
                return redirect("accounts:users")
            if action == "reactivate":
                services.user_reactivate(actor=request.user, user=target)  # type: ignore[arg-type]
                messages.success(request, f"{target.username} can sign in again.")
                return redirect("accounts:users")
            if action == "reset_two_factor":
                services.second_factor_remove(actor=request.user,  # type: ignore[arg-type]
                                              user=target)
                messages.success(request, f"{target.username} will set up two-factor sign-in "
                                          "again when they next sign in.")
                return redirect("accounts:users")
            if form.is_valid():
                services.user_change_role(actor=request.user, user=target,  # type: ignore[arg-type]
                                          **form.cleaned_data)
                messages.success(request, f"{target.username}'s role has been changed.")
                return redirect("accounts:users")
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
    return render(request, "accounts/user_detail.html", {"target": target, "form": form})


# --- Audit viewer, legal holds, subject access ------------------------------------------------

@login_required
def audit_viewer(request: HttpRequest) -> HttpResponse:
    """LA administrators: who did what, when, by account and time range."""
    if not selectors.may_view_audit(request.user):
        raise Http404("No such page")
    form = AuditFilterForm(request.GET or None)
    events = selectors.AuditEvent.objects.none()
    if form.is_valid():
        events = selectors.audit_events_for_viewer(request.user, **{
            k: v for k, v in form.cleaned_data.items() if v})
    elif not request.GET:
        events = selectors.audit_events_for_viewer(request.user).order_by("-at", "-pk")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"form": form, "page": page})


@login_required
def legal_holds(request: HttpRequest) -> HttpResponse:
    """LA administrators place and release legal holds on learners in their scope."""
    if not selectors.may_view_audit(request.user):
        raise Http404("No such page")
    from aptrack.learners.models import Learner

    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and request.POST.get("release"):
        hold = selectors.legal_holds_for(request.user).filter(
            pk=request.POST.get("release"), released_at__isnull=True).first()
        if hold is None:
            raise Http404("No such hold")
        services.legal_hold_release(actor=request.user, hold=hold)  # type: ignore[arg-type]
        messages.success(request, "The legal hold has been released.")
        return redirect("accounts:legal-holds")
    if request.method == "POST" and form.is_valid():
        learner = Learner.objects.for_user(request.user).filter(
            pk=form.cleaned_data["learner"]).first()
        if learner is None:
            form.add_error("learner", "There is no learner with that number in your records.")
        else:
            services.legal_hold_place(actor=request.user, learner=learner,  # type: ignore[arg-type]
                                      reason=form.cleaned_data["reason"])
            messages.success(request, "The legal hold has been placed.")
            return redirect("accounts:legal-holds")
    return render(request, "accounts/legal_holds.html",
                  {"form": form, "holds": selectors.legal_holds_for(request.user)})


@login_required
def subject_access(request: HttpRequest, pk: int) -> HttpResponse:
    """LA administrators and organisation administrators: download everything held on one
    learner in their scope (a zip of JSON and HTML); the export is audited."""
    from aptrack.learners.models import Learner

    user = request.user
    if not (selectors.may_view_audit(user) or getattr(user, "manages_users", False)):
        raise Http404("No such page")
    learner = Learner.objects.for_user(user).filter(pk=pk).first()
    if learner is None:
        raise Http404("No such learner")
    if request.method != "POST":
        return render(request, "accounts/subject_access_confirm.html", {"learner": learner})
    data = dataprotection.subject_access_export(actor=user, learner=learner)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="learner-{learner.pk}.zip"'
    return response
