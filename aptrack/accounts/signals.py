"""Sign-in, sign-out and failed sign-in go to the audit trail; a new session starts its clocks
and is listed on the user's "Where you are signed in" page until it ends."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit, services
from .middleware import LAST_SEEN, SIGNED_IN_AT
from .models import AuditEvent, User


@receiver(user_logged_in, dispatch_uid="aptrack.accounts.signed_in")
def signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now
        services.session_signed_in(request=request, user=user)
    audit.record(actor=user, action="sign_in.success", object_type="user",
                 object_id=str(user.pk))


@receiver(user_logged_out, dispatch_uid="aptrack.accounts.signed_out")
def signed_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_forget(request.session)
    if user is not None and user.pk:
        audit.record(actor=user, action="sign_out", object_type="user", object_id=str(user.pk))


@receiver(user_login_failed, dispatch_uid="aptrack.accounts.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                   **kwargs: Any) -> None:
    """A failed sign-in: the username typed (never the password), whether the lockout refused
    it, and the account if that username exists."""
    typed = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=typed).first() if typed else None
    AuditEvent.objects.create(
        user=user, username=typed, action="sign_in.failure", object_type="user",
        object_id=str(user.pk) if user else "",
        changes={"locked_out": bool(getattr(request, "axes_locked_out", False)),
                 "via": "web" if request is not None else "other"},
    )
