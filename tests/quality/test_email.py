"""E-mails of the quality app go through a real SMTP server on loopback, only after the
transaction commits, and hold no learner names."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from aptrack.quality import services
from aptrack.quality.models import CheckReminder
from tests import factories

pytestmark = pytest.mark.django_db


def _emails(world):
    for name in ("la_officer", "other_la_officer", "school_dsl", "other_school_dsl"):
        u = world.users[name]
        u.email = f"{name}@example.invalid"
        u.save()


def test_registration_alert_mails_the_la_after_commit(world, smtp,
                                                     django_capture_on_commit_callbacks):
    _emails(world)
    names = []
    for _ in range(5):
        learner = factories.learner(world.school)
        names.append(learner.family_name + learner.given_name)
        world.commission(learner, status="agreed", hours_per_week=Decimal("25"))
    with smtp.capture() as inbox, django_capture_on_commit_callbacks(execute=False) as queued:
        alert = services.registration_watch(provider_id=world.ap.pk, on=date(2025, 10, 20))
        assert inbox.messages == []  # nothing is sent before the commit
    with smtp.capture() as inbox:
        for callback in queued:
            callback()
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "la_officer@example.invalid"
    assert message["Subject"] == ("AP Track: Test Unregistered AP must register as an "
                                  "independent school")
    body = message.get_payload(decode=True).decode()
    assert f"alert {alert.pk}" in body and "5 placement(s) tip it over" in body
    assert not any(learner.given_name in body for learner in
                   [p.learner for p in alert.tipping_placements.all()])


def test_reminders_before_and_after_expiry_once_each(world, smtp, la_officer, school_dsl,
                                                     django_capture_on_commit_callbacks):
    _emails(world)
    today = date.today()
    services.check_record(actor=la_officer, provider=world.ap, kind="insurance",
                          outcome="met", checked_on=today - timedelta(days=300),
                          expires_on=today + timedelta(days=10))
    services.check_record(actor=school_dsl, provider=world.ap, kind="dsl", outcome="met",
                          checked_on=today - timedelta(days=100),
                          expires_on=today + timedelta(days=200))
    with smtp.capture() as inbox, django_capture_on_commit_callbacks(execute=True):
        call_command("quality_reminders")
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "la_officer@example.invalid"
    assert "Insurance of Test Unregistered AP expires on" in message["Subject"]
    with smtp.capture() as inbox, django_capture_on_commit_callbacks(execute=True):
        call_command("quality_reminders")  # already reminded: nothing new
        later = (today + timedelta(days=11)).isoformat()
        call_command("quality_reminders", "--date", later)  # now expired: one more
    [message] = inbox.messages
    assert "expired on" in message["Subject"]
    assert CheckReminder.objects.count() == 2


def test_a_mail_server_that_is_down_does_not_undo_the_write(world, settings, la_officer,
                                                             django_capture_on_commit_callbacks):
    _emails(world)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: refused
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.provider_status_set(actor=la_officer, provider=world.ap,
                                                status="suspended", reasons="Site unsafe")
    assert decision.pk is not None
