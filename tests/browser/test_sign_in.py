"""A new user signs in in a real browser and sees the demo learners they may see."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Browser-Test-Password-2026!"


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=StringIO())


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    assert "/sign-in/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_page_is_accessible(page, live_server, demo):
    page.goto(f"{live_server.url}/sign-in/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to AP Track"
    # the GOV.UK Design System stylesheet is served locally (no CDN)
    assert page.evaluate("getComputedStyle(document.querySelector('.govuk-button'))"
                         ".backgroundColor") != "rgba(0, 0, 0, 0)"
    assert axe_violations(page) == []


def test_wrong_password_then_right_one_with_the_keyboard(page, live_server, demo):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill("school.dsl")
    page.get_by_label("Password").fill("not the password")
    page.keyboard.press("Enter")
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Learners"


def test_school_dsl_sees_own_learners_and_opens_one(page, live_server, demo):
    sign_in(page, live_server, "school.dsl")
    page.wait_for_url(f"{live_server.url}/")
    assert "Oakfield Academy (demo)" in page.content()
    assert axe_violations(page) == []
    page.locator("table.govuk-table tbody a").first.click()
    assert page.get_by_role("heading", name="School roll").is_visible()
    assert axe_violations(page) == []
    # a learner of the other demo school is not there at all
    from aptrack.accounts.models import User
    from aptrack.learners.models import Learner

    other = Learner.objects.for_user(User.objects.get(username="school2.dsl")).first()
    response = page.goto(f"{live_server.url}/learners/{other.pk}/")
    assert response.status == 404
