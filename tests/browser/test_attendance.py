"""Attendance in a real browser: a provider takes the register with the keyboard, the home
school sees the absence alert and deals with it; axe-core checks every attendance page."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from aptrack.attendance.models import Alert, AttendanceMark
from aptrack.attendance.services import attendance_marks_record
from aptrack.placements import services as placements
from tests import factories
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MON = date(2025, 10, 6)


def signed_in(page, live_server, user):  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                               "url": live_server.url}])


def accessible(page):  # type: ignore[no-untyped-def]
    assert axe_violations(page) == [], page.url


def test_register_by_keyboard_then_alert_dealt_with(page, live_server, settings):
    settings.ATTENDANCE = {**settings.ATTENDANCE, "ALERT_WINDOW_DAYS": 100000}
    world = factories.World.build()
    pupils = []
    for _ in range(2):
        learner = factories.learner(world.school)
        p = world.commission(learner, provider=world.pru, reason="off_site_direction",
                             start=MON)
        placements.placement_start(actor=None, placement=p, on=MON)
        pupils.append(learner)
    absent = sorted(pupils, key=lambda x: x.given_name)[0]

    signed_in(page, live_server, world.users["provider_staff"])
    page.goto(f"{live_server.url}/attendance/register/?date=2025-10-06&session=AM")
    accessible(page)
    # Keyboard only: focus the absent learner's mark, choose O by typing, then submit.
    select = page.locator(f"#code-{absent.pk}")
    select.focus()
    select.select_option("O")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Mark everyone else present and save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Register saved: 2 marks recorded" in page.content()
    accessible(page)
    codes = dict(AttendanceMark.objects.filter(setting=world.pru).values_list("learner_id",
                                                                              "code"))
    assert codes[absent.pk] == "O" and set(codes.values()) == {"O", "/"}

    page.goto(f"{live_server.url}/attendance/imports/")
    accessible(page)

    signed_in(page, live_server, world.users["school_dsl"])
    page.goto(f"{live_server.url}/attendance/alerts/")
    accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"{absent.family_name}, {absent.given_name}").click()
    accessible(page)
    page.get_by_label("Whereabouts known and safe").check()
    page.get_by_label("Notes (optional)").fill("Called home: unwell, back tomorrow")
    with page.expect_navigation():
        page.get_by_role("button", name="Record what was done").click()
    assert "Alert recorded as dealt with" in page.content()
    alert = Alert.objects.get()
    assert alert.outcome == "whereabouts_known"

    for path in ("/attendance/", "/attendance/reconcile/", "/attendance/watch-lists/",
                 f"/attendance/learners/{absent.pk}/?from=2025-10-06",
                 "/attendance/register/?date=2025-10-06&session=AM"):
        page.goto(f"{live_server.url}{path}")
        assert page.title(), path
        accessible(page)

    # An imported H (withdrawn in 2024) is mapped to C and flagged; the setting confirms it.
    signed_in(page, live_server, world.users["provider_staff"])
    present = next(p for p in pupils if p.pk != absent.pk)
    attendance_marks_record(actor=world.users["provider_staff"], source="import", notify=False,
                            marks=[{"learner": present.pk, "setting": world.pru.pk,
                                    "date": date(2025, 10, 7), "session": "AM", "code": "H"}])
    page.goto(f"{live_server.url}/attendance/review/")
    accessible(page)
    page.get_by_label(f"Confirm C for {present.family_name}, {present.given_name}").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm the selected codes").click()
    assert "1 mark confirmed" in page.content() and "No marks need review" in page.content()
    accessible(page)
