"""The main quality pages in a real Chromium (Playwright, Debian's /usr/bin/chromium), checked
with axe-core for WCAG 2.2 AA: no serious or critical violations; and the main journey by
keyboard: record a check, see the error summary, fix it."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from aptrack.placements import services as placements
from aptrack.quality import services
from tests import factories
from tests.browser.conftest import axe_violations, browser, page  # noqa: F401
from tests.quality.conftest import record_critical

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user):  # noqa: F811
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


@pytest.fixture
def data(world):
    record_critical(world.ap, school=world.school)
    learner = factories.learner(world.school, sen_provision="E", primary_need="SEMH")
    p = placements.placement_start(actor=None, placement=world.commission(
        learner, hours_per_week=Decimal("25")))
    services.agreement_save(
        actor=None, placement=p, intervention="Mentoring", reintegration_plan="Phased return",
        reporting_arrangements="Weekly", learner_views="Keen", parent_views="Supportive",
        agreed_on=date(2025, 10, 1), objectives=[{"description": "Attend", "target": "90%"}])
    services.review_record(actor=None, placement=p, held_on=date(2025, 10, 20),
                           attendees="All", learner_view="Good", decision="continue",
                           attendance_percent=Decimal("91"),
                           progress={p.agreement.objectives.get().pk: ("good", "")})
    services.liaison_record(actor=world.users["school_dsl"], placement=p, kind="concern",
                            occurred_on=date(2025, 10, 7), with_whom="Provider DSL",
                            summary="Worry at home", safeguarding=True)
    services.registration_watch(provider_id=world.ap.pk, on=date(2025, 10, 20))
    return p


def test_main_pages_have_no_accessibility_violations(page, live_server, world, data):  # noqa: F811
    _sign_in(page, live_server, world.users["school_dsl"])
    for path, heading in [
        ("/quality/", "Provider checks"),
        (f"/quality/providers/{world.ap.pk}/", "Test Unregistered AP"),
        (f"/quality/placements/{data.pk}/", f"{data.learner.full_name}: placement quality"),
        (f"/quality/placements/{data.pk}/agreement/", "Placement agreement"),
        (f"/quality/placements/{data.pk}/reviews/new/", "Record a review"),
        ("/quality/reviews/", "Reviews due"),
        (f"/quality/learners/{data.learner_id}/liaison/", data.learner.full_name),
        ("/quality/outcomes/", "Outcomes and destinations"),
        ("/quality/performance/", "Performance"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert axe_violations(page) == [], path
    _sign_in(page, live_server, world.users["la_officer"])
    page.goto(f"{live_server.url}/quality/alerts/")
    page.get_by_role("heading", name="Test Unregistered AP").wait_for(state="visible")
    assert axe_violations(page) == []


def test_record_a_check_by_keyboard_with_an_error_then_fixed(page, live_server, world):  # noqa: F811
    _sign_in(page, live_server, world.users["school_dsl"])
    page.goto(f"{live_server.url}/quality/providers/{world.ap.pk}/checks/new/?kind=insurance")
    assert page.get_by_label("Insurance").is_checked()
    page.get_by_label("Satisfactory", exact=True).check()
    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_label("Year").first.fill("2026")
    page.get_by_role("button", name="Save check").press("Enter")
    summary = page.get_by_role("alert")
    assert "Date checked must be a real date" in summary.inner_text()
    assert axe_violations(page) == []
    summary.get_by_role("link").click()  # the summary link moves focus to the day box
    assert page.evaluate("document.activeElement.id") == "id_checked_on_0"
    page.keyboard.press("Control+A")
    page.keyboard.type("28")
    page.get_by_role("button", name="Save check").click()
    page.wait_for_url(f"{live_server.url}/quality/providers/{world.ap.pk}/")
    row = page.get_by_role("row", name="Insurance")
    assert "Valid" in row.inner_text() and "28 Feb 2026" in row.inner_text()
    assert axe_violations(page) == []
