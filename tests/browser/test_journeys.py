"""Each role's main journey in a real browser (Debian's Chromium through Playwright) against a
live server, with axe-core run on every page visited; the LA officer commissions a placement
with the keyboard alone.

Sign-in itself is tested in test_sign_in.py: here each journey starts from a signed-in session
(the session cookie of a user signed in through Django's test client).

With APTRACK_SCREENSHOTS=<folder> each key page is also saved there as a PNG (for the README).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from aptrack.learners import services as learner_services
from aptrack.placements import services as placement_services
from aptrack.placements.models import Placement
from tests import factories
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("APTRACK_SCREENSHOTS", "")


@pytest.fixture
def no_critical_checks(settings):
    settings.QUALITY = {**settings.QUALITY, "CRITICAL_CHECKS": []}


def signed_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                               "url": live_server.url}])


def check(page, name=""):
    """Every page visited: no WCAG A/AA violation of any impact; a screenshot if asked."""
    assert axe_violations(page) == [], page.url
    if SCREENSHOTS and name:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def tab_to(page, locator, limit=80):
    """Press Tab until ``locator`` has the keyboard focus (as a keyboard user would)."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("el => document.activeElement === el", handle):
            return
    raise AssertionError(f"could not reach {locator} with the Tab key")


def choose_radio(page, label):
    """Tab into a radio group, then arrow to the answer (arrow keys check the radio)."""
    target = page.get_by_label(label, exact=True)
    name = target.get_attribute("name")
    tab_to(page, page.locator(f'input[type=radio][name="{name}"]').first)
    handle = target.element_handle()
    for _ in range(12):
        if page.evaluate("el => document.activeElement === el", handle):
            if not target.is_checked():
                page.keyboard.press("Space")  # tabbing in focuses the first without choosing
            assert target.is_checked()
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not reach the answer {label!r} with the arrow keys")


def test_la_officer_commissions_a_placement_with_the_keyboard_alone(
        page, live_server, world, no_critical_checks):
    learner = factories.learner(world.school, given_name="Kai", family_name="Keyboard")
    exclusion = learner_services.exclusion_record(
        actor=None, learner=learner, school=world.school, category="PERM",
        first_day=date(2025, 11, 3), reason_1="PA")
    signed_in(page, live_server, world.users["la_officer"])
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "What needs action today"
    check(page, "la-dashboard")

    tab_to(page, page.get_by_role("button", name="Commission a placement"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/commission/learner/$"))
    check(page)
    tab_to(page, page.get_by_label("Search by name or UPN"))
    page.keyboard.type(learner.upn)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    radio = page.get_by_label(re.compile("Kai Keyboard"))
    tab_to(page, radio)
    page.keyboard.press("Space")
    check(page, "commission-learner")
    page.keyboard.press("Enter")  # submits the form the radio is in

    page.wait_for_url(re.compile(r"/commission/reason/$"))
    choose_radio(page, "Permanent exclusion")
    check(page, "commission-reason")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/exclusion/$"))
    tab_to(page, page.get_by_role("radio").first)
    page.keyboard.press("Space")
    check(page)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/provider/$"))
    tab_to(page, page.get_by_role("combobox"))
    page.keyboard.type("Test PRU")
    assert page.get_by_role("combobox").input_value() == str(world.pru.pk)
    check(page)
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/tier/$"))
    choose_radio(page, "Tier 3: transitional placement")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/dates/$"))
    check(page, "commission-dates")
    tab_to(page, page.locator("#start-day"))
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("11")
    page.keyboard.press("Tab")
    page.keyboard.type("2025")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/pattern/$"))
    # every session is offered ticked (full-time); the learner is not there on Friday afternoon
    assert page.get_by_role("checkbox", checked=True).count() == 10
    tab_to(page, page.get_by_label("Friday PM", exact=True))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Hours of education a week"))
    page.keyboard.type("22.5")
    check(page, "commission-pattern")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/commission/check/$"))
    decided = page.locator("main").inner_text()
    assert "The local authority" in decided
    assert "Monday 10 November 2025" in decided
    assert "Leaves the roll of Test High" in decided
    check(page, "commission-check-answers")
    tab_to(page, page.get_by_role("button", name="Confirm and refer"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/placements/\d+/$"))
    assert "Placement referred to Test PRU" in page.get_by_role("alert").inner_text()
    check(page, "placement")
    placement = Placement.objects.get()
    assert (placement.exclusion_id, placement.tier, placement.sessions_pattern) == (
        exclusion.pk, 3, "1111111110")

    # next step, still by keyboard: the provider agreed
    tab_to(page, page.get_by_role("button", name="Mark as agreed"))
    page.keyboard.press("Enter")
    # Wait for the next page's banner (wait_for_load_state returns at once: the old page is
    # still loaded when the form's navigation begins).
    page.get_by_role("alert").filter(has_text="marked as agreed").wait_for(state="visible")
    check(page)


def test_question_page_errors_are_announced_and_accessible(page, live_server, world):
    learner = factories.learner(world.school)
    signed_in(page, live_server, world.users["la_officer"])
    page.goto(f"{live_server.url}/commission/?learner={learner.pk}")
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert")
    assert summary.inner_text().startswith("There is a problem")
    assert page.title().startswith("Error: ")
    check(page, "commission-error")
    summary.get_by_role("link").click()  # the summary's link moves focus to the answer
    assert page.evaluate("document.activeElement.id") == "id_reason_0"


def test_school_dsl_commissions_off_site_direction_and_sees_it_in_ap(
        page, live_server, world, no_critical_checks):
    factories.learner(world.school, given_name="Sam", family_name="School")
    signed_in(page, live_server, world.users["school_dsl"])
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Learners"
    check(page, "school-home")
    page.goto(f"{live_server.url}/learners/?q=School")
    check(page)
    page.get_by_role("link", name="School, Sam").click()
    page.get_by_role("heading", name="Timeline").wait_for(state="visible")
    check(page, "learner")
    page.get_by_role("button", name=re.compile("Commission a placement")).click()
    page.get_by_label("Off-site direction to improve behaviour").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Which provider will the learner attend?").select_option(
        str(world.pru.pk))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Tier 2: time-limited placement").check()
    page.get_by_role("button", name="Continue").click()
    page.locator("#start-day").fill("6")
    page.locator("#start-month").fill("10")
    page.locator("#start-year").fill("2025")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Monday AM", exact=True).check()
    page.get_by_label("Monday PM", exact=True).check()
    page.get_by_label("Hours of education a week").fill("5")
    page.get_by_role("button", name="Continue").click()
    text = page.locator("main").inner_text()
    assert "Dual registered: Test High main, Test PRU subsidiary" in text
    assert "D: Dual registered" in text
    check(page)
    page.get_by_role("button", name="Confirm and refer").click()
    assert "Your local authority can see it now" in page.get_by_role("alert").inner_text()
    page.get_by_role("button", name="Record that the learner started").click()
    assert Placement.objects.get().status == "active"
    page.goto(f"{live_server.url}/")
    row = page.get_by_role("row", name=re.compile("School, Sam"))
    assert "Test PRU" in row.inner_text()
    check(page)
    page.goto(f"{live_server.url}/referrals/")
    check(page, "referrals")


def test_provider_staff_sees_learners_placed_there_and_what_they_must_meet(
        page, live_server, world):
    learner = factories.learner(world.school, given_name="Pat", family_name="Provider",
                                sen_provision="E", primary_need="ASD")
    other = factories.learner(world.other_school, family_name="Elsewhere")
    for who, where in ((learner, world.pru), (other, world.ap)):
        p = world.commission(who, provider=where, reason="off_site_direction")
        placement_services.placement_start(actor=None, placement=p)
    signed_in(page, live_server, world.users["provider_staff"])
    page.goto(f"{live_server.url}/")
    text = page.locator("main").inner_text()
    assert "Provider, Pat" in text and "Autistic spectrum disorder" in text
    assert "Elsewhere" not in text
    check(page, "provider-home")
    page.get_by_role("link", name="Provider, Pat").click()
    assert not page.get_by_role("heading", name="Exclusions").count()
    check(page)
    page.get_by_role("link", name="View").first.click()
    page.get_by_role("heading", name="What the rules decided").wait_for(state="visible")
    assert not page.get_by_role("button", name="End the placement").count()
    check(page)
    response = page.goto(f"{live_server.url}/learners/{other.pk}/")
    assert response.status == 404


def test_la_officer_directory_provider_page_search_and_change_details(
        page, live_server, world):
    learner = factories.learner(world.school, given_name="Lee", family_name="Search")
    p = world.commission(learner, provider=world.ap, reason="off_site_direction")
    placement_services.placement_start(actor=None, placement=p)
    signed_in(page, live_server, world.users["la_officer"])
    page.goto(f"{live_server.url}/providers/")
    check(page, "providers")
    page.get_by_role("link", name="Test Unregistered AP").click()
    page.get_by_role("heading", name="Registration test").wait_for(state="visible")
    check(page, "provider")
    page.goto(f"{live_server.url}/learners/")
    page.get_by_label("Search by name or UPN").fill(learner.upn)
    page.get_by_role("button", name="Search").click()
    check(page, "search")
    page.get_by_role("link", name="Search, Lee").click()
    page.get_by_role("link", name=re.compile("Change")).click()
    page.get_by_label("Given name").fill("")
    page.get_by_role("button", name="Save changes").click()
    assert "Enter the given name" in page.get_by_role("alert").inner_text()
    check(page)
    page.get_by_label("Given name").fill("Leigh")
    page.get_by_role("button", name="Save changes").click()
    assert "details were saved" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Leigh Search"


def test_demo_la_officer_dashboard_with_charts(page, live_server, monkeypatch):
    """The demo data as `make demo` loads it: the dashboard's charts and tables."""
    from io import StringIO

    from django.core.management import call_command

    from aptrack.accounts.models import User

    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", "Browser-Test-Password-2026!")
    call_command("seed_demo", stdout=StringIO())
    signed_in(page, live_server, User.objects.get(username="la.officer"))
    page.goto(f"{live_server.url}/")
    assert page.locator("svg.aptrack-chart rect").count() > 0
    table = page.get_by_role("table", name="Placements by reason")
    assert "Permanent exclusion" in table.inner_text()
    check(page, "demo-dashboard")
    page.get_by_role("link", name=re.compile("learners? in alternative provision today")).click()
    page.goto(f"{live_server.url}/providers/")
    check(page)

    # the referral queue has the demo's referred placements
    page.goto(f"{live_server.url}/referrals/")
    assert "Referred" in page.locator("main").inner_text()
    check(page, "demo-referrals")

    # a learner with reviews and liaison records, their placement, and its provider's checks
    from aptrack.quality.models import LiaisonEntry, PlacementReview

    officer = User.objects.get(username="la.officer")
    visible = LiaisonEntry.objects.for_user(officer).values("placement_id")
    review = (PlacementReview.objects.for_user(officer).filter(placement_id__in=visible)
              .select_related("placement").order_by("-held_on").first())
    placement = review.placement
    page.goto(f"{live_server.url}/learners/{placement.learner_id}/")
    page.get_by_role("heading", name="Placement reviews").wait_for(state="visible")
    reviews = page.get_by_role("table", name=re.compile("review"))
    assert f"{review.held_on:%-d %b %Y}" in reviews.inner_text()
    assert page.get_by_role("table", name=re.compile("liaison record")).count() == 1
    check(page, "demo-learner")
    page.goto(f"{live_server.url}/placements/{placement.pk}/")
    page.get_by_role("heading", name="Agreement, reviews, liaison and outcome").wait_for(
        state="visible")
    check(page, "demo-placement")
    page.goto(f"{live_server.url}/providers/{placement.provider_id}/")
    page.get_by_role("heading", name="Checks and status").wait_for(state="visible")
    check(page, "demo-provider")
