"""Where you are signed in, in a real browser: a user signed in on two browsers finds the page
from their account, sees both, signs the other out, and that browser is signed out at its next
page. axe-core runs on each state of the page."""

from __future__ import annotations

import re

import pytest

from tests.accounts.conftest import PASSWORD
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_sign_out_a_forgotten_session_from_another_browser(browser, page, live_server, world):
    # the other browser: a phone, in its own context (its own cookies)
    phone_context = browser.new_context(bypass_csp=True, user_agent=SAFARI_IPHONE)
    phone = phone_context.new_page()
    try:
        sign_in(phone, live_server, "school_dsl")
        sign_in(page, live_server, "school_dsl")

        page.goto(f"{live_server.url}/account/")
        page.get_by_role("link", name="See where you are signed in").click()
        page.wait_for_url(f"{live_server.url}/account/sessions/")
        assert page.get_by_role("heading", level=1).inner_text() == "Where you are signed in"
        table = page.get_by_role("table", name="Your sessions")
        assert table.locator("tbody tr").count() == 2
        this_row = table.locator("tbody tr", has_text="This device")
        assert "Chrome on Linux" in this_row.inner_text()
        assert this_row.get_by_role("button").count() == 0
        assert axe_violations(page) == []

        # the other session's button names the device (for screen readers too)
        button = table.get_by_role("button", name=re.compile(r"^Sign out Safari on iOS, signed"))
        button.click()
        page.wait_for_url(f"{live_server.url}/account/sessions/")
        banner = page.get_by_role("alert")
        assert "Safari on iOS, signed in" in banner.inner_text()
        assert "has been signed out" in banner.inner_text()
        assert table.locator("tbody tr").count() == 1
        assert page.get_by_text("You are not signed in anywhere else.").is_visible()
        assert axe_violations(page) == []

        # the phone is signed out at its next page
        phone.goto(f"{live_server.url}/")
        assert "/sign-in/" in phone.url
        assert phone.get_by_role("heading", level=1).inner_text() == "Sign in to AP Track"
    finally:
        phone_context.close()
