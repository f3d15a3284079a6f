"""The token page in a real browser (Chromium via Playwright): usable with the keyboard and
without axe-core violations."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import axe_violations, browser, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.urls("tests.api.urls")]


def _signed_in(page: Any, live_server: Any, user: Any) -> None:  # noqa: F811
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value,
                               "url": live_server.url}])


def test_token_page_make_and_revoke(page: Any, live_server: Any) -> None:  # noqa: F811
    from tests.factories import World

    world = World.build()
    _signed_in(page, live_server, world.users["provider_staff"])
    page.goto(f"{live_server.url}/account/tokens/")
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    assert axe_violations(page) == []
    page.get_by_role("button", name="Make token").click()
    assert "There is a problem" in page.inner_text(".govuk-error-summary")
    assert axe_violations(page) == []
    page.get_by_label("What is the token for?").fill("Our register app")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Make token").click()
    token = page.get_by_label("Your token").input_value()
    assert token.startswith("apt_")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Back to your tokens").click()
    page.get_by_role("button", name="Revoke Our register app").click()
    assert "Revoked" in page.inner_text("table")
