"""GIAS import: header names not positions, Windows-1252, idempotence, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from aptrack.accounts.models import AuditEvent
from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.exchange import services
from aptrack.exchange.errors import ImportRefused
from aptrack.exchange.models import ExchangeLog

from . import gias_files as g

pytestmark = pytest.mark.django_db


def sample() -> list[dict]:
    return [
        g.row(140001, name="Ysgol Gymraeg Dudley", estab="4101", phase="2", low=4, high=11,
              UKPRN="10012345"),
        g.row(140002, name="Dudley Pupil Referral Unit", estab="1101", type_code="14", phase="0",
              low=11, high=16, PlacesPRU="48", **{"SENPRU (name)": "Has SEN provision",
                                                  "EBD (name)": "Has EBD provision",
                                                  "FTProv (name)": "Yes",
                                                  "EdByOther (name)": "No"}),
        g.row(140003, name="Old Grammar", estab="4102", status="2", CloseDate="31-08-2020"),
        g.row(140004, name="Academy of Öland and Ça Va", estab="4103", type_code="34",
              la="333", la_name="Sandwell", **{"Town": "Wednesbury"}),
        g.row(140005, name="Horizon AP Academy", estab="1102", type_code="42", phase="4"),
    ]


def test_import_creates_establishments_with_kinds_and_pru_columns(world):
    result = services.gias_import(actor=None, data=g.csv_bytes(sample()), filename="x.csv")
    assert result.encoding == "windows-1252"
    assert sorted(result.created) == ["140001", "140002", "140003", "140004", "140005"]
    pru = Establishment.objects.get(urn="140002")
    assert pru.kind == "pru" and pru.places == 48 and pru.estab_number == "1101"
    assert pru.gias.pru_sen is True and pru.gias.pru_ebd is True
    assert pru.gias.full_time_provision is True and pru.gias.educated_by_other is False
    primary = Establishment.objects.get(urn="140001")
    assert (primary.phase, primary.statutory_low_age, primary.ukprn) == ("primary", 4, "10012345")
    assert primary.registration_status == "registered_school"
    assert primary.gias.postcode == "DY1 1AA" and primary.gias.address == "1 High Street, Dudley"
    assert Establishment.objects.get(urn="140003").status == "closed"
    assert Establishment.objects.get(urn="140003").closed_on == date(2020, 8, 31)
    assert Establishment.objects.get(urn="140004").name == "Academy of Öland and Ça Va"
    assert Establishment.objects.get(urn="140004").la == world.other_la
    assert Establishment.objects.get(urn="140005").kind == "ap_academy"
    log = ExchangeLog.objects.get()
    assert log.summary["created"] == 5 and len(log.sha256) == 64
    assert AuditEvent.objects.filter(action="gias.import", object_id=str(log.pk)).count() == 1


def test_imported_rows_pass_the_models_full_validation(world):
    services.gias_import(actor=None, data=g.csv_bytes(sample()))
    for establishment in Establishment.objects.filter(urn__startswith="1400"):
        establishment.full_clean()
        establishment.gias.full_clean()


def test_second_run_changes_nothing(world):
    data = g.csv_bytes(sample())
    services.gias_import(actor=None, data=data)
    again = services.gias_import(actor=None, data=data)
    assert (again.created, again.changed, again.closed, again.unchanged) == ([], [], [], 5)


def test_changes_and_closures_are_reported(world):
    services.gias_import(actor=None, data=g.csv_bytes(sample()))
    rows = sample()
    rows[0]["EstablishmentName"] = "Dudley Primary"
    rows[4].update({"EstablishmentStatus (code)": "2", "CloseDate": "31-12-2025"})
    rows[1]["Postcode"] = "DY2 2BB"
    rows.append(g.row(140006, estab="4104"))
    result = services.gias_import(actor=None, data=g.csv_bytes(rows))
    assert result.created == ["140006"]
    assert sorted(result.changed) == ["140001", "140002", "140005"]
    assert result.closed == ["140005"]
    assert Establishment.objects.get(urn="140001").name == "Dudley Primary"
    assert Establishment.objects.get(urn="140002").gias.postcode == "DY2 2BB"


def test_columns_are_read_by_name_not_position(world):
    header = list(reversed(g.HEADER)) + ["SomeNewColumn (name)"]
    result = services.gias_import(actor=None, data=g.csv_bytes(sample(), header=header))
    assert len(result.created) == 5
    assert Establishment.objects.get(urn="140002").places == 48


def test_utf8_file_is_read_as_utf8_and_says_so(world):
    result = services.gias_import(actor=None, data=g.csv_bytes(sample(), encoding="utf-8"))
    assert result.encoding == "utf-8"
    assert Establishment.objects.get(urn="140004").name == "Academy of Öland and Ça Va"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused(world):
    data = g.csv_bytes(sample()) + b'"140009","332","Dudley","4109","Bad \x81 name"\r\n'
    with pytest.raises(ImportRefused) as err:
        services.gias_import(actor=None, data=data)
    assert str(err.value).startswith("line 7: file: the file is not valid utf-8 or "
                                     "windows-1252 text (byte 0x81")
    assert not Establishment.objects.filter(urn__startswith="1400").exists()


def test_malformed_rows_name_line_and_column_and_nothing_is_written(world):
    rows = sample()
    rows[1]["URN"] = "14A002"
    rows[2]["OpenDate"] = "2010-09-01"
    rows[3]["StatutoryLowAge"] = "18"
    rows[4]["EstablishmentStatus (code)"] = "9"
    rows.append(g.row(140001, estab="4999"))
    with pytest.raises(ImportRefused) as err:
        services.gias_import(actor=None, data=g.csv_bytes(rows))
    assert [str(p) for p in err.value.problems] == [
        "line 3: URN: '14A002' is not a URN (6 digits)",
        "line 4: OpenDate: '2010-09-01' is not a date as dd-mm-yyyy",
        "line 5: StatutoryLowAge: the low age 18 is above the high age 16",
        "line 6: EstablishmentStatus (code): '9' is not a GIAS establishment status code",
        "line 7: URN: 140001 is also on line 2",
    ]
    assert not Establishment.objects.filter(urn__startswith="1400").exists()
    assert not LocalAuthority.objects.filter(code="333", establishments__isnull=False).exists()
    assert not ExchangeLog.objects.exists()


def test_missing_required_column_is_refused(world):
    header = [h for h in g.HEADER if h != "TypeOfEstablishment (code)"]
    with pytest.raises(ImportRefused) as err:
        services.gias_import(actor=None, data=g.csv_bytes(sample(), header=header))
    assert str(err.value) == ("line 1: TypeOfEstablishment (code): column missing from the "
                              "header row")


def test_new_la_is_created_and_reported(world):
    result = services.gias_import(actor=None, data=g.csv_bytes(
        [g.row(140010, la="201", la_name="City of London", estab="3614")]))
    assert result.las_created == ["201"]
    assert LocalAuthority.objects.get(code="201").name == "City of London"


def test_shared_laestab_stays_with_the_open_successor(world):
    rows = [g.row(140020, estab="4200", status="2", CloseDate="31-08-2019"),
            g.row(140021, estab="4200", type_code="34", OpenDate="01-09-2019")]
    result = services.gias_import(actor=None, data=g.csv_bytes(rows))
    assert Establishment.objects.get(urn="140021").estab_number == "4200"
    assert Establishment.objects.get(urn="140020").estab_number == ""
    assert result.warnings == ["line 2: EstablishmentNumber: LAESTAB 3324200 is also used by "
                               "URN 140021; stored without it"]
    assert services.gias_import(actor=None, data=g.csv_bytes(rows)).changed == []


def test_directory_entry_without_urn_is_linked_by_laestab(world):
    world.pru.urn = None
    world.pru.save()
    services.gias_import(actor=None, data=g.csv_bytes(
        [g.row(140030, estab="1100", type_code="14", name="Test PRU (GIAS name)")]))
    world.pru.refresh_from_db()
    assert world.pru.urn == "140030" and world.pru.name == "Test PRU (GIAS name)"


def test_command_prints_summary_and_problems(world, tmp_path, capsys):
    good = tmp_path / "edubasealldata20251128.csv"
    good.write_bytes(g.csv_bytes(sample()))
    call_command("import_gias", str(good))
    out = capsys.readouterr().out
    assert "5 rows; created 5, changed 0, closed 0, unchanged 0" in out
    bad = tmp_path / "bad.csv"
    rows = sample()
    rows[0]["CloseDate"] = "32-01-2020"
    bad.write_bytes(g.csv_bytes(rows))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_gias", str(bad))
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "line 2: CloseDate: '32-01-2020' is not a date as dd-mm-yyyy" in captured.out
    assert "nothing imported" in captured.err
