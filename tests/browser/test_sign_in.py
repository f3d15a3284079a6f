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
    page.get_by_role("heading", name="School roll").wait_for(state="visible")
    assert axe_violations(page) == []
    # a learner of the other demo school is not there at all
    from aptrack.accounts.models import User
    from aptrack.learners.models import Learner

    other = Learner.objects.for_user(User.objects.get(username="school2.dsl")).first()
    response = page.goto(f"{live_server.url}/learners/{other.pk}/")
    assert response.status == 404


# --- Two-factor sign-in in a real browser ------------------------------------------------------

@pytest.fixture
def account_pages(settings):
    from tests.accounts.conftest import ensure_account_urls

    ensure_account_urls(settings)
    settings.APTRACK = {**settings.APTRACK, "REQUIRE_MFA": True}


def watch_csp(page):
    """Collect Content-Security-Policy violations the page reports."""
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return violations


def test_sign_in_with_an_authenticator_app(page, live_server, demo, account_pages):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.conftest import code_now

    csp = watch_csp(page)
    sign_in(page, live_server, "school.dsl")
    page.wait_for_url("**/account/two-factor/set-up/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    page.get_by_role("img", name="QR code for adding AP Track to an authenticator app"
                            ).wait_for(state="visible")
    assert axe_violations(page) == []
    # a wrong code first: the error is announced and linked to the field
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert axe_violations(page) == []
    device = TOTPDevice.objects.get(user__username="school.dsl", confirmed=False)
    page.get_by_label("Code from the app").fill(code_now(device))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for(state="visible")
    page.wait_for_load_state("load")
    assert page.locator("#recovery-codes li").count() == 10
    assert axe_violations(page) == []
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    # sign out; sign in again with the next code from the app
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "school.dsl")
    page.wait_for_url("**/account/two-factor/?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Enter your security code"
    assert axe_violations(page) == []
    device.refresh_from_db()
    page.get_by_label("Security code").fill(code_now(device, 1))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert "Oakfield Academy (demo)" in page.content()
    assert csp == []


def test_locked_out_page_is_accessible(page, live_server, demo, account_pages):
    for _ in range(5):
        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("Username").fill("provider.staff")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == \
        "You cannot sign in for 30 minutes"
    assert axe_violations(page) == []
