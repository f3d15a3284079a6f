"""The demo LA officer plans in a real browser: sees the 2025-2031 forecast with intervals,
capacity and gaps, changes a scenario and sees the effect, downloads the workbook and the PDF;
axe-core finds no WCAG A/AA violations. Others are told the page does not exist."""

import io
import re
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.browser.conftest import axe_violations, browser, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Browser-Test-Password-2026!"


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("APTRACK_DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=StringIO())


def sign_in(page, live_server, username):  # noqa: F811 - the fixture is the browser tab
    """A signed-in session for the demo user, made by Django's test client and handed to the
    browser (the sign-in journey itself is tested in tests/browser)."""
    from django.conf import settings
    from django.test import Client

    from aptrack.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/")


def total_gap(page, column):  # noqa: F811
    """The 2031/32 total gap, baseline (column 6) or scenario (column 7), as a number."""
    cell = page.locator("#comparison + table tbody tr").last.locator("td").nth(column - 2)
    return int(cell.inner_text().replace("+", "").replace("−", "-").replace(",", ""))


def test_la_officer_forecasts_changes_a_scenario_and_downloads(page, live_server, demo):  # noqa: F811
    sign_in(page, live_server, "la.officer")
    page.get_by_role("link", name="Sufficiency").first.click()
    # the whole page, not just its heading: the charts further down arrive later
    page.wait_for_url(re.compile(r"/sufficiency/332/$"))
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == ("Sufficiency of specialist and AP places, 2025/26 to "
                                    "2031/32")
    charts = page.locator("svg.sufficiency-chart")
    assert charts.count() >= 10
    assert "prediction interval" in page.content()
    assert page.get_by_role("img", name="Demand and places: Special school, secondary").count()
    assert axe_violations(page) == []
    # the table alternative of a chart opens with the keyboard
    page.locator("summary", has_text="Show the chart as a table").first.focus()
    page.keyboard.press("Enter")
    page.locator("details[open] table").first.wait_for(state="visible")
    baseline = total_gap(page, 6)
    assert total_gap(page, 7) == baseline
    # scenario: a quarter of AP demand met in mainstream, and 50 new special places in 2027/28
    page.get_by_label("Mainstream inclusion").fill("25")
    page.get_by_label("Number of new places").fill("50")
    page.get_by_label("Provision type").select_option("special")
    page.get_by_label("Phase", exact=True).select_option("secondary")
    page.get_by_label("Opening in school year").select_option("2027")
    page.get_by_role("button", name="Show the forecast").click()
    page.wait_for_load_state()
    assert "inclusion=25" in page.url
    assert total_gap(page, 6) == baseline
    assert total_gap(page, 7) < baseline - 50  # fewer AP places needed and 50 more places
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook (XLSX)").click()
    assert download.value.suggested_filename == "sufficiency-332.xlsx"
    with open(download.value.path(), "rb") as xlsx:
        book = load_workbook(io.BytesIO(xlsx.read()))
    assert "Gaps" in book.sheetnames and book["Summary"]["B8"].value == 25
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("link", name="Capacity register and planned changes").click()
    page.wait_for_url(re.compile(r"/sufficiency/332/capacity/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Capacity register"
    assert "Special free school approval" in page.content()
    assert axe_violations(page) == []


def test_upload_errors_are_accessible_and_others_get_404(page, live_server, demo):  # noqa: F811
    sign_in(page, live_server, "la.officer")
    page.goto(f"{live_server.url}/sufficiency/332/upload/")
    page.get_by_label("Population projections").check()
    page.get_by_label("Source of the figures").fill("ONS SNPP")
    page.get_by_label("Upload a file").set_input_files(files=[{
        "name": "population.csv", "mimeType": "text/csv",
        "buffer": io.BytesIO(b"school_year,phase,population\n2030,nursery,100\n").getvalue()}])
    page.get_by_role("button", name="Check and upload").click()
    alert = page.get_by_role("alert")
    assert "line 2: phase: 'nursery' is not one of primary, secondary, post16" in (
        alert.inner_text())
    assert axe_violations(page) == []
    sign_in(page, live_server, "school.dsl")
    assert page.goto(f"{live_server.url}/sufficiency/332/").status == 404
