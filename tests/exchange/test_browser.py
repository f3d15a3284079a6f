"""The exchange pages in a real browser (Debian's Chromium), checked with axe-core.

Playwright's sync API allows one instance per thread, and other test modules keep a
session-wide browser open; so this journey runs its own browser in a worker thread.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from aptrack.accounts.choices import OrganisationKind, Role
from aptrack.accounts.models import Organisation
from aptrack.directory.models import Establishment
from tests import factories
from tests.browser.conftest import CHROMIUM, axe_violations

from . import gias_files as g

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_browser(live_server, session_id, journey):
    """Run ``journey(page)`` in a fresh Chromium on a worker thread, signed in."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")

    def run():
        from playwright.sync_api import sync_playwright

        before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # process-wide: restored below
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
                try:
                    context = browser.new_context(bypass_csp=True)  # to inject axe-core
                    context.add_cookies([{"name": "sessionid", "value": session_id,
                                          "url": live_server.url}])
                    journey(context.new_page())
                finally:
                    browser.close()
        finally:
            if before is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def test_gias_upload_journey_is_accessible(live_server, world, tmp_path):
    org = Organisation.objects.get(kind=OrganisationKind.LOCAL_AUTHORITY, la=world.la)
    client = Client()
    client.force_login(factories.user("la_admin", org, Role.LA_ADMIN))
    bad = tmp_path / "edubasealldata.csv"
    bad.write_bytes(g.csv_bytes([g.row("14000X", name="Ysgol Ñ", estab="4101")]))
    good = tmp_path / "good.csv"
    good.write_bytes(g.csv_bytes([g.row(140001, name="Ysgol Ñ", estab="4101")]))

    def journey(page):
        page.goto(f"{live_server.url}/exchange/")
        assert page.get_by_role("heading", level=1).inner_text() == "Import and export"
        assert axe_violations(page) == []
        page.get_by_role("link", name="Import establishments from GIAS").click()
        page.get_by_label("GIAS establishment file (CSV)").set_input_files(str(bad))
        page.get_by_role("button", name="Upload and import").click()
        assert "edubasealldata.csv was not imported" in page.get_by_role("alert").inner_text()
        assert "'14000X' is not a URN (6 digits)" in page.locator("table").inner_text()
        assert axe_violations(page) == []
        page.get_by_label("GIAS establishment file (CSV)").set_input_files(str(good))
        page.get_by_role("button", name="Upload and import").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Establishments imported"
        assert axe_violations(page) == []
        page.goto(f"{live_server.url}/exchange/census/?census_date=2026-01-15"
                  "&period_start=2025-09-01")
        assert "passes every validation rule" in page.content()
        assert axe_violations(page) == []
        page.goto(f"{live_server.url}/exchange/census/?census_date=15-01-2026&period_start=x")
        assert page.get_by_role("alert").inner_text().startswith("There is a problem")
        assert axe_violations(page) == []

    in_browser(live_server, client.cookies["sessionid"].value, journey)
    assert Establishment.objects.get(urn="140001").name == "Ysgol Ñ"
