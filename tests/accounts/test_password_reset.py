"""Password reset and invitations by e-mail, through a real SMTP server on the loopback
interface (aiosmtpd): single-use, expiring links; no hint whether an address is known."""

from __future__ import annotations

import re
import socket
from datetime import datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aptrack.accounts import services
from aptrack.accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "correct-horse-battery-staple-42"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 and Django's SMTP back end pointed at it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def link_in(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_reset_link_works_once(client, people, smtp):
    response = client.post(reverse("accounts:password-reset"), {"email": "dsl@school.example"})
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    to, message = smtp.messages[0]
    assert to == ["dsl@school.example"] and message["Subject"] == "Reset your AP Track password"
    link = link_in(message)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0],
                       {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse(
        "accounts:password-reset-complete")
    assert User.objects.get(username="school_dsl").check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password.reset", user=people["school_dsl"]).exists()
    # the same link again: refused
    client.logout()
    again = client.get(link, follow=True)
    assert b"This link has expired or was used already" in again.content


def test_unknown_address_gets_the_same_answer_and_no_mail(client, people, smtp):
    response = client.post(reverse("accounts:password-reset"), {"email": "who@nowhere.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-sent")
    assert smtp.messages == []


def test_reset_link_expires_after_an_hour(client, people, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    user = people["school_dsl"]

    class TwoHoursAgo(PasswordResetTokenGenerator):
        def _now(self):
            return datetime.now() - timedelta(hours=2)

    token = TwoHoursAgo().make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page = client.get(reverse("accounts:password-reset-confirm", args=[uid, token]),
                      follow=True)
    assert b"This link has expired or was used already" in page.content
    fresh = PasswordResetTokenGenerator().make_token(user)
    page = client.get(reverse("accounts:password-reset-confirm", args=[uid, fresh]),
                      follow=True)
    assert b"Choose a new password" in page.content


def test_short_or_common_passwords_are_refused(client, people, smtp):
    client.post(reverse("accounts:password-reset"), {"email": "dsl@school.example"})
    form = client.get(link_in(smtp.messages[0][1]), follow=True)
    for weak in ["short-pw-1", "password1234"]:
        response = client.post(form.redirect_chain[-1][0],
                               {"new_password1": weak, "new_password2": weak})
        assert response.status_code == 200 and b"There is a problem" in response.content
    assert not User.objects.get(username="school_dsl").check_password("password1234")


def test_invitation_by_an_organisation_administrator(client, people, smtp):
    client.force_login(people["school_dsl"])
    response = client.post(reverse("accounts:user-invite"), {
        "first_name": "Nadia", "last_name": "Okafor", "email": "nadia@school.example",
        "username": "n.okafor", "role": "school_staff"})
    assert response.status_code == 302
    new = User.objects.get(username="n.okafor")
    assert new.organisation == people["school_dsl"].organisation and not new.has_usable_password()
    assert AuditEvent.objects.filter(action="user.invited", object_id=str(new.pk),
                                     user=people["school_dsl"]).exists()
    (to, message), = smtp.messages
    body = message.get_payload(decode=True).decode()
    assert to == ["nadia@school.example"] and "n.okafor" in body
    client.logout()
    link = link_in(message)
    form = client.get(link, follow=True)
    assert b"Choose your password" in form.content
    client.post(form.redirect_chain[-1][0],
                {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert User.objects.get(username="n.okafor").check_password(NEW_PASSWORD)
    assert b"expired or was used already" in client.get(link, follow=True).content
    signed_in = client.post(reverse("web:sign-in"),
                            {"username": "n.okafor", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_invitation_links_last_seven_days_not_eight(people, settings):
    user = people["school_staff"]

    class Ago(services.InvitationTokenGenerator):
        def __init__(self, days):
            super().__init__()
            self.days = days

        def _now(self):
            return datetime.now() - timedelta(days=self.days)

    assert services.invitation_tokens.check_token(user, Ago(6).make_token(user))
    assert not services.invitation_tokens.check_token(user, Ago(8).make_token(user))
    # an invitation token is not a password reset token, nor the reverse
    assert not PasswordResetTokenGenerator().check_token(user, Ago(0).make_token(user))
