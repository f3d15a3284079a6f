"""Uploads are validated whole and accepted all or nothing, with `line N: COLUMN: reason`."""

import io

import pytest
from openpyxl import Workbook

from aptrack.accounts.models import AuditEvent
from aptrack.directory.models import LocalAuthority
from aptrack.sufficiency import services
from aptrack.sufficiency.models import CapacityEntry, DataUpload, DemandCount, PlannedChange
from aptrack.sufficiency.tabular import UploadInvalid
from tests.sufficiency.conftest import HISTORY_HEADER, csv_bytes, history_rows

pytestmark = pytest.mark.django_db


def upload(world, kind, data, filename="f.csv", actor=None):
    return services.sufficiency_upload(actor=actor or world.users["la_officer"], la=world.la,
                                       kind=kind, filename=filename, data=data, source="SEN2")


def errors_of(world, kind, data, filename="f.csv"):
    with pytest.raises(UploadInvalid) as caught:
        upload(world, kind, data, filename)
    return caught.value.errors


def test_a_good_history_file_is_accepted_and_audited(world):
    done = upload(world, "history", csv_bytes(HISTORY_HEADER, history_rows()))
    assert done.rows == 14 and DemandCount.objects.filter(la=world.la).count() == 14
    assert DemandCount.objects.get(school_year=2024, need="ASD").count == 110
    event = AuditEvent.objects.get(action="sufficiency.upload")
    assert event.user == world.users["la_officer"] and event.changes["rows"] == 14


def test_a_file_with_any_bad_row_saves_nothing_and_lists_every_problem(world):
    upload(world, "history", csv_bytes(HISTORY_HEADER, history_rows()))
    rows = [["2024/25", "special", "secondary", "ASD", 5],
            ["2024/26", "special", "secondary", "ASD", 5],
            ["2023", "speshul", "secondary", "ASD", 5],
            ["2023", "special", "middle", "ASD", 5],
            ["2023", "special", "secondary", "XYZ", 5],
            ["2023", "special", "secondary", "SEMH", "lots"],
            ["2023", "special", "secondary", "MLD", -3],
            ["2024", "Special school", "Secondary", "asd", 7]]
    errors = errors_of(world, "history", csv_bytes(HISTORY_HEADER, rows))
    assert errors == [
        "line 3: school_year: '2024/26': a school year runs into the next calendar year "
        "(write 2024/25)",
        "line 4: provision: 'speshul' is not one of mainstream, resourced, special, "
        "independent, out_of_area, ap",
        "line 5: phase: 'middle' is not one of primary, secondary, post16",
        "line 6: need: 'XYZ' is not one of SPLD, MLD, SLD, PMLD, SEMH, SLCN, HI, VI, MSI, PD, "
        "ASD, OTH, NSA, NONE",
        "line 7: count: 'lots' is not a whole number",
        "line 8: count: must not be negative",
        "line 9: need: repeats line 2 (the same school year, series and setting)",
    ]
    # nothing of the refused file was saved, and the earlier upload is intact
    assert DemandCount.objects.filter(la=world.la).count() == 14
    assert DataUpload.objects.count() == 1


def test_columns_are_checked_first(world):
    assert errors_of(world, "history", csv_bytes(["school_year", "provision", "phase", "cout"],
                                                 [[2024, "ap", "primary", 1]])) == [
        "line 1: cout: unknown column (expected school_year, provision, phase, need, count)",
        "line 1: need: required column missing", "line 1: count: required column missing"]
    assert errors_of(world, "history", b"") == [
        "line 1: header: the file is empty (the first row must name the columns)"]
    # 0x81 is neither UTF-8 nor Windows-1252 (aptrack.exchange.encoding, as every import)
    assert errors_of(world, "history", b"school_year\n2024\x81") == [
        "line 2: file: the file is not valid utf-8 or windows-1252 text (byte 0x81 at byte 17); "
        "save it again as CSV in UTF-8 or Windows-1252"]
    assert errors_of(world, "history", b"x", filename="f.txt") == [
        "line 1: file: must be a .csv or .xlsx file"]
    assert errors_of(world, "history", b"not a zip", filename="f.xlsx") == [
        "line 1: file: not a readable XLSX workbook (File is not a zip file)"]
    assert errors_of(world, "population", csv_bytes(["school_year", "phase", "population"],
                                                    [])) == [
        "line 2: file: no rows of data under the header"]


def test_a_windows_1252_csv_loads_as_excel_saves_it(world):
    """Excel on Windows saves "CSV" in Windows-1252: its accents are read, not refused; a file
    mixing UTF-8 and Windows-1252 is refused naming both lines, as every import does."""
    header = ["school_year", "setting", "provision", "phase", "change", "kind", "source"]
    row = [2027, "École Saint-Benoît", "special", "secondary", 30, "new_places",
           "Décision du cabinet, février 2025"]
    data = csv_bytes(header, [row]).decode().encode("windows-1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert upload(world, "changes", data).rows == 1
    change = PlannedChange.objects.get(la=world.la)
    assert (change.setting_name, change.source) == ("École Saint-Benoît",
                                                    "Décision du cabinet, février 2025")
    mixed = data + "2028,Zoë House,ap,primary,5,new_places,Cabinet\n".encode()
    assert errors_of(world, "changes", mixed) == [
        "line 2: file: byte 0xC9 is not UTF-8, but line 3 has UTF-8 characters: the file mixes "
        "two encodings; save it again as CSV UTF-8"]


def test_xlsx_is_read_like_csv(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["School year", "Phase", "Population"])
    sheet.append([2024, "primary", 26000])
    sheet.append(["2025/26", "Primary", 25800.0])
    sheet.append([None, None, None])
    sheet.append([2026, "primary", 0])
    out = io.BytesIO()
    book.save(out)
    assert errors_of(world, "population", out.getvalue(), "p.xlsx") == [
        "line 5: population: must be at least 1"]
    book.active.delete_rows(5)
    out = io.BytesIO()
    book.save(out)
    assert upload(world, "population", out.getvalue(), "p.xlsx").rows == 2


def test_capacity_and_changes_name_their_setting_and_source(world):
    header = ["school_year", "urn", "setting", "provision", "phase", "need", "places"]
    errors = errors_of(world, "capacity", csv_bytes(header, [
        [2024, "999999", "", "ap", "secondary", "", 10],
        [2024, "", "", "ap", "secondary", "", 10]]))
    assert errors == ["line 2: urn: no establishment with URN 999999 in the directory",
                      "line 3: urn: give the setting's URN or, for places not at one "
                      "establishment, a name in the setting column"]
    upload(world, "capacity", csv_bytes(header, [[2024, "100003", "", "ap", "secondary", "",
                                                  45]]))
    assert CapacityEntry.objects.get().establishment == world.pru
    changes = ["school_year", "setting", "provision", "phase", "change", "kind", "source"]
    errors = errors_of(world, "changes", csv_bytes(changes, [
        [2027, "New school", "special", "secondary", 60, "closure", "Cabinet"],
        [2027, "New school", "special", "secondary", 0, "new_places", "Cabinet"],
        [2027, "New school", "special", "secondary", 10, "new_places", ""]]))
    assert errors == [
        "line 2: change: Reductions and closures remove places: give a negative number.",
        "line 3: change: a planned change adds or removes at least one place",
        "line 4: source: must not be blank"]
    upload(world, "changes", csv_bytes(changes, [[2027, "New school", "special", "secondary",
                                                  "+60", "new_places", "Cabinet 2025"]]))
    assert PlannedChange.objects.get().change == 60


def test_only_la_officers_and_admins_of_that_la_upload(world):
    data = csv_bytes(HISTORY_HEADER, history_rows())
    for name in ("school_dsl", "provider_staff", "other_la_officer"):
        with pytest.raises(LocalAuthority.DoesNotExist):
            upload(world, "history", data, actor=world.users[name])
    assert not DemandCount.objects.exists()
