"""The sufficiency pages: LA roles of that LA only (everyone else 404), scenarios change what
is shown, exports are audited, uploads list their problems by line and column."""

import base64
import io
import re
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from aptrack.accounts.models import AuditEvent
from aptrack.sufficiency.models import DemandCount
from tests.sufficiency.conftest import HISTORY_HEADER, csv_bytes

pytestmark = pytest.mark.django_db
PLAN = reverse("sufficiency:plan", kwargs={"code": "332"})
PAGES = ["plan", "capacity", "upload", "workbook", "report"]


def pdf_text(data: bytes) -> str:
    """The text drawn by a reportlab PDF's page streams (ASCII85 then Flate encoded)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)~>endstream", data, re.S):
        out.append(zlib.decompress(base64.a85decode(stream)).decode("latin-1"))
    return "\n".join(out)


def url(name, code="332"):
    return reverse(f"sufficiency:{name}", kwargs={"code": code})


def test_only_la_roles_of_the_la_see_its_pages(client, planned):
    for name in PAGES:
        assert client.get(url(name)).status_code == 302  # sign in first
    client.force_login(planned.users["la_officer"])
    for name in PAGES:
        assert client.get(url(name)).status_code == 200, name
        assert client.get(url(name, "333")).status_code == 404, name
    for user in ("other_la_officer", "school_dsl", "other_school_dsl", "provider_staff"):
        client.force_login(planned.users[user])
        for name in PAGES:
            assert client.get(url(name)).status_code == 404, (user, name)
        assert client.get(reverse("sufficiency:index")).status_code == (
            302 if user == "other_la_officer" else 404)
    client.force_login(planned.users["la_officer"])
    assert client.get(reverse("sufficiency:index"))["Location"] == PLAN


def test_the_page_shows_forecast_interval_capacity_gap_and_backtest(client, planned):
    client.force_login(planned.users["la_officer"])
    page = client.get(PLAN).content.decode()
    assert "Sufficiency of specialist and AP places, 2025/26 to 2031/32" in page
    assert page.count('<svg class="sufficiency-chart"') == 2
    assert "Show the chart as a table" in page
    assert "Special school, secondary" in page and "Autistic spectrum disorder" in page
    # the ASD series: 180 in 2031/32 against 160 places
    assert "forecast 180 in 2031/32" in page and "against 160 places: a shortfall of 20" in page
    assert "Backtest error (MAPE): Trend projection 0.0%" in page
    assert AuditEvent.objects.filter(action="sufficiency.view").count() == 1


def test_a_scenario_changes_the_numbers(client, planned):
    client.force_login(planned.users["la_officer"])
    baseline = client.get(PLAN).context
    scenario = client.get(PLAN, {"method": "trend", "inclusion": "25", "new_places": "10",
                                 "new_provision": "ap", "new_phase": "secondary",
                                 "new_year": "2026"}).context
    before = baseline["comparison"][1]
    after = scenario["comparison"][1]
    assert after["demand"] == before["demand"]  # the baseline column stays
    assert after["scenario_gap"] == pytest.approx(before["gap"] - 10 - 10)  # 10 fewer, 10 more
    growth = client.get(PLAN, {"growth": "10"}).context["forecast"]
    assert growth.get(("ap", "secondary", "SEMH")).demand[0] == pytest.approx(44.0)


def test_a_bad_scenario_is_explained(client, planned):
    client.force_login(planned.users["la_officer"])
    page = client.get(PLAN, {"inclusion": "150", "new_places": "5"}).content.decode()
    assert "There is a problem" in page
    assert "Ensure this value is less than or equal to 100." in page
    assert "Choose the provision type, phase and year" in page


def test_prevalence_without_population_falls_back_with_a_message(client, planned):
    from aptrack.sufficiency.models import PopulationProjection

    PopulationProjection.objects.all().delete()
    client.force_login(planned.users["la_officer"])
    response = client.get(PLAN, {"method": "prevalence"})
    assert response.status_code == 200 and response.context["forecast"].method == "trend"
    page = response.content.decode()
    assert "upload population projections" in page and "The trend method is shown instead" in page
    assert "Prevalence x population (needs population projections)" in page


def test_an_la_with_no_history_is_told_what_to_do(client, world):
    client.force_login(world.users["la_officer"])
    page = client.get(PLAN).content.decode()
    assert "AP Track holds no demand history for Test LA before 2025/26 yet" in page


def test_workbook_and_pdf_downloads_are_audited(client, planned):
    client.force_login(planned.users["la_officer"])
    response = client.get(url("workbook"), {"inclusion": "10"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Current demand", "Needs breakdown", "Placement mix",
                               "Capacity", "Forecasts", "Gaps", "Scenario comparison",
                               "Method and accuracy"]
    rows = list(book["Forecasts"].iter_rows(min_row=4, values_only=True))
    asd = [r for r in rows if r[:3] == ("special", "secondary", "ASD")]
    assert [r[4] for r in asd] == [120, 130, 140, 150, 160, 170, 180]
    response = client.get(url("report"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"/Title (Sufficiency of specialist and AP places, 2025/26 to 2031/32)" in (
        response.content)
    text = pdf_text(response.content)
    for heading in ("1. Current demand", "2. Needs breakdown", "3. Placement mix",
                    "4. Capacity", "5. Forecasts", "6. Gaps", "7. Method and its accuracy"):
        assert heading in text, heading
    # special secondary in 2031/32: 180 (interval 180-180, a straight line); PDF escapes ()
    assert r"180 \(180-180\)" in text
    events = AuditEvent.objects.filter(action="sufficiency.export")
    assert sorted(e.changes["format"] for e in events) == ["pdf", "xlsx"]


def test_upload_page_lists_problems_then_accepts(client, world):
    client.force_login(world.users["la_officer"])
    bad = csv_bytes(HISTORY_HEADER, [["2024", "special", "secondary", "ASD", "x"]])
    page = client.post(url("upload"), {"kind": "history", "source": "SEN2",
                                       "file": SimpleUploadedFile("h.csv", bad)})
    assert page.status_code == 200
    assert "line 2: count: &#x27;x&#x27; is not a whole number" in page.content.decode()
    assert not DemandCount.objects.exists()
    good = csv_bytes(HISTORY_HEADER, [["2024", "special", "secondary", "ASD", "7"]])
    done = client.post(url("upload"), {"kind": "history", "source": "SEN2",
                                       "file": SimpleUploadedFile("h.csv", good)})
    assert done.status_code == 302 and DemandCount.objects.get().count == 7
    assert "1 rows from h.csv uploaded" in client.get(PLAN).content.decode()


def test_safeguarding_officers_see_but_do_not_upload(client, world):
    from aptrack.accounts.choices import Role
    from tests import factories

    la_org = world.users["la_officer"].organisation
    officer = factories.user("safeguarding", la_org, Role.LA_SAFEGUARDING)
    client.force_login(officer)
    assert client.get(PLAN).status_code == 200
    assert client.get(url("upload")).status_code == 404


def test_counts_from_ap_track_records_are_shown_and_used(client, world):
    from datetime import date

    from tests import factories

    factories.learner(world.school, date_of_birth=date(2012, 3, 1), sen_provision="E",
                      primary_need="ASD")
    client.force_login(world.users["la_officer"])
    response = client.get(PLAN)
    recorded = response.context["plan"].recorded_by_provision()
    assert recorded[0] == {"year": 2024, "label": "2024/25", "counts": [1, 0, 0, 0, 0, 0],
                           "total": 1, "used": True}
    assert "counted in AP Track’s own records" in response.content.decode()
    assert response.context["plan"].sources[2024] == "AP Track records"
