"""Demo attendance: marks up to yesterday for placements active today, through the service."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from aptrack import demo
from aptrack.accounts.models import User
from aptrack.attendance.models import Alert, AttendanceMark, MarkAmendment
from aptrack.attendance.selectors import watch_lists
from aptrack.placements.models import Placement

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)  # a Wednesday in term


@pytest.fixture
def loaded(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", "Demo-Password-2026!")
    return demo.load(today=TODAY)


def test_demo_attendance_up_to_yesterday_with_alerts_watch_lists_and_reset(loaded):
    assert loaded["attendance_marks"] > 1000
    latest = AttendanceMark.objects.order_by("-date").values_list("date", flat=True).first()
    assert latest is not None and latest < TODAY
    active = Placement.objects.current(TODAY).filter(start_date__lt=TODAY - timedelta(days=7))
    assert active.exists()
    for p in active:
        assert AttendanceMark.objects.filter(placement=p, setting=p.provider,
                                             date__gte=TODAY - timedelta(days=7)).exists(), p
    # Earlier school years are history.
    assert AttendanceMark.objects.filter(date__lt=date(2026, 9, 1)).exists()


    # The demo fills alerts, watch lists and amendments, without sending e-mail.
    assert not mail.outbox
    assert Alert.objects.exists() and MarkAmendment.objects.exists()
    counts = watch_lists(actor=User.objects.get(username="la.officer"), today=TODAY).counts()
    assert counts["unauthorised_run"] >= 1 and counts["illness"] >= 1
    assert counts["persistent"] + counts["severe"] >= 1
    assert AttendanceMark.objects.filter(source="derived").exists()
    demo.reset()
    assert not AttendanceMark.objects.exists() and not Alert.objects.exists()
