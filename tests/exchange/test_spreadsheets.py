"""Spreadsheet exports: scoped rows, formula injection escaped, CSV and XLSX, audited."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from aptrack.accounts.models import AuditEvent
from aptrack.exchange.spreadsheets import Column, csv_lines, safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\r=1", "'\r=1"), ("Zoë", "Zoë"),
    (None, ""), (True, "Yes"), (-5, -5), (Decimal("2.5"), Decimal("2.5")),
    (date(2025, 1, 2), date(2025, 1, 2)),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_lines_escape_and_quote():
    rows = [{"a": "=cmd|' /C calc'!A0", "b": "O'Brien, Zoë"}]
    text = "".join(csv_lines([Column("A", lambda r: r["a"]), Column("B", lambda r: r["b"])],
                             rows))
    assert text == "\ufeffA,B\r\n'=cmd|' /C calc'!A0,\"O'Brien, Zoë\"\r\n"


def _download(client, user, url):
    client.force_login(user)
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_learners_csv_is_scoped_and_audited(client, world, school_dsl):
    mine = factories.learner(world.school, given_name="=1+1", family_name="Zoë")
    factories.learner(world.other_school, family_name="Theirs")
    response, body = _download(client, school_dsl, "/exchange/export/learners.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="learners-' in response["Content-Disposition"]
    text = body.decode("utf-8-sig")
    assert "Zoë" in text and "Theirs" not in text and "'=1+1" in text
    export = AuditEvent.objects.get(action="export", object_type="learners")
    assert export.changes == {"format": "csv", "rows": 1, "learners": 1}
    assert list(AuditEvent.objects.filter(action="learner.export").values_list(
        "learner_id", flat=True)) == [mine.pk]


def test_placements_xlsx_for_a_provider_holds_only_its_placements(client, world,
                                                                  provider_staff):
    a = factories.learner(world.school, family_name="AtPru")
    b = factories.learner(world.school, family_name="AtAp")
    world.commission(a, provider=world.pru, reason="off_site_direction")
    world.commission(b, provider=world.ap)
    response, body = _download(client, provider_staff, "/exchange/export/placements.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("UPN", "Given name", "Family name", "Provider")
    assert [r[2] for r in rows[1:]] == ["AtPru"]
    assert rows[1][10] == datetime(2025, 10, 6)  # a real date cell, not text


def test_establishments_export_and_filters(client, world, la_officer):
    response, body = _download(client, la_officer, "/exchange/export/establishments.csv?q=PRU")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("URN,UKPRN,LAESTAB,Name,Kind")
    assert lines[1:] == ["100003,,3321100,Test PRU,Pupil referral unit,Open,Not applicable,"
                         "332,Test LA,,,,"]
    assert not AuditEvent.objects.filter(action="learner.export").exists()


def test_unknown_list_or_format_is_404_and_anonymous_is_redirected(client, world, la_officer):
    assert client.get("/exchange/export/learners.csv").status_code == 302
    client.force_login(la_officer)
    assert client.get("/exchange/export/secrets.csv").status_code == 404
    assert client.get("/exchange/export/learners.pdf").status_code == 404
