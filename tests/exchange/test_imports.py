"""Learner spreadsheets and term dates: CSV and XLSX, by column name, all or nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from aptrack.accounts.models import AuditEvent
from aptrack.directory.models import SchoolCalendar
from aptrack.exchange import services
from aptrack.exchange.errors import ImportRefused
from aptrack.learners.models import Learner
from tests import factories

from . import ctf_files as c

pytestmark = pytest.mark.django_db

HEADER = "UPN,Given name,Family name,Date of birth,Sex,SEN provision,Looked after\r\n"


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_learners_from_windows_1252_csv(world, la_officer):
    data = (HEADER + f"{c.upn(11)},Zoë,Ærø,2012-03-04,F,K,yes\r\n"
            f",Łukasz,Nowak,04/05/2013,M,,no\r\n").encode("utf-8")
    with pytest.raises(UnicodeEncodeError):
        data.decode("utf-8").encode("windows-1252")  # Ł is not in Windows-1252: use UTF-8
    result = services.learners_import(actor=la_officer, data=data)
    assert len(result.created) == 2 and result.encoding == "utf-8"
    zoe = Learner.objects.get(upn=c.upn(11))
    assert (zoe.family_name, zoe.looked_after, zoe.sen_provision) == ("Ærø", True, "K")
    latin = (HEADER + f"{c.upn(12)},Zoë,Ærø,2012-03-04,F,,\r\n").encode("windows-1252")
    assert services.learners_import(actor=la_officer, data=latin).encoding == "windows-1252"
    assert Learner.objects.get(upn=c.upn(12)).given_name == "Zoë"
    assert AuditEvent.objects.filter(action="learners.import").count() == 2


def test_learners_from_xlsx_with_reordered_columns(world, school_dsl):
    data = xlsx([["Sex", "Family name", "Given name", "Date of birth", "UPN"],
                 ["F", "Nowak", "Ada", datetime(2012, 3, 4), c.upn(13)]])
    result = services.learners_import(actor=school_dsl, data=data, enrol_at=world.school)
    assert result.encoding == "xlsx" and len(result.created) == 1
    ada = Learner.objects.get(upn=c.upn(13))
    assert ada.date_of_birth == date(2012, 3, 4) and ada.home_la == world.la
    assert ada.home_enrolment().establishment == world.school


def test_learners_from_a_file_of_two_encodings_are_refused(world, la_officer):
    """A UTF-8 row pasted into a Windows-1252 file: read as Windows-1252, "Zoë" would become
    "ZoÃ«". The file is refused naming both lines, and nothing is written."""
    data = ((HEADER + f"{c.upn(16)},Zoë,Smith,2012-03-04,F,,\r\n").encode("windows-1252")
            + f"{c.upn(17)},Zoë,Jones,2012-03-04,F,,\r\n".encode())
    with pytest.raises(ImportRefused) as err:
        services.learners_import(actor=la_officer, data=data)
    assert [str(p) for p in err.value.problems] == [
        "line 2: file: byte 0xEB is not UTF-8, but line 3 has UTF-8 characters: the file mixes "
        "two encodings; save it again as CSV UTF-8"]
    assert not Learner.objects.filter(upn__in=[c.upn(16), c.upn(17)]).exists()


def test_bad_learner_rows_write_nothing(world, la_officer):
    bad_upn = "A" + c.upn(14)[1:] if c.upn(14)[0] != "A" else "B" + c.upn(14)[1:]
    data = (HEADER + f"{c.upn(15)},Ok,Row,2012-01-01,F,,\r\n"
            f"{bad_upn},Bad,Upn,2012-01-01,F,,\r\n"
            f",,NoName,31/02/2012,F,,maybe\r\n"
            f"{c.upn(15)},Dup,Row,2012-01-01,Q,,\r\n").encode()
    with pytest.raises(ImportRefused) as err:
        services.learners_import(actor=la_officer, data=data)
    text = [str(p) for p in err.value.problems]
    assert text[0].startswith("line 3: upn: UPN check letter should be")
    assert text[1:4] == ["line 4: date_of_birth: '31/02/2012' is not a date as yyyy-mm-dd or "
                         "dd/mm/yyyy", "line 4: given_name: is empty",
                         "line 4: looked_after: 'maybe' is not yes or no"]
    assert text[4] == f"line 5: upn: {c.upn(15)} is also on line 2 (census error 1520)"
    assert not Learner.objects.filter(family_name="Row").exists()


def test_known_upn_is_left_alone(world, la_officer):
    known = factories.learner(world.school, given_name="Known")
    data = (HEADER + f"{known.upn},Other,Name,2012-01-01,F,,\r\n").encode()
    result = services.learners_import(actor=la_officer, data=data)
    assert result.created == [] and result.already_recorded == [
        f"line 2: upn: {known.upn} is already recorded; left unchanged"]
    known.refresh_from_db()
    assert known.given_name == "Known"


def test_missing_columns_and_garbage_files(world, la_officer):
    with pytest.raises(ImportRefused) as err:
        services.learners_import(actor=la_officer, data=b"upn,name\r\nx,y\r\n")
    assert str(err.value).startswith("line 1: given_name, family_name, date_of_birth, sex: "
                                     "column missing")
    with pytest.raises(ImportRefused) as err:
        services.learners_import(actor=la_officer, data=b"PK\x03\x04garbage")
    assert str(err.value).startswith("line 1: file: not a readable XLSX workbook")


CALENDAR = ("type,name,start,end\r\nterm,Autumn 2026,2026-09-02,2026-12-18\r\n"
            "closure,INSET,2026-09-02,2026-09-03\r\nterm,Spring 2027,05/01/2027,26/03/2027\r\n")


def test_term_dates_for_a_school(world, school_dsl):
    result = services.calendar_import(actor=school_dsl, data=CALENDAR.encode(),
                                      establishment=world.school)
    assert (result.terms_added, result.closures_added) == (2, 2)
    world.school.refresh_from_db()
    rules = world.school.school_calendar().rules
    assert not rules.is_school_day(date(2026, 9, 2)) and rules.is_school_day(date(2026, 9, 4))
    assert not rules.is_school_day(date(2027, 1, 4))
    again = services.calendar_import(actor=school_dsl, data=CALENDAR.encode(),
                                     establishment=world.school)
    assert (again.terms_added, again.closures_added, again.unchanged) == (0, 0, 4)


def test_term_date_problems(world, la_officer):
    data = (b"type,name,start,end\r\nterm,Autumn,2030-09-02,2030-12-18\r\n"
            b"term,Overlap,2030-12-01,2030-12-20\r\nholiday,X,2030-10-01,2030-10-01\r\n"
            b"closure,Out,2030-08-01,2030-08-01\r\nterm,Back,2031-03-01,2031-02-01\r\n")
    with pytest.raises(ImportRefused) as err:
        services.calendar_import(actor=la_officer, data=data, la=world.other_la)
    assert [str(p) for p in err.value.problems] == [
        "line 2: start: overlaps the term on line 3",
        "line 3: start: overlaps the term on line 2",
        "line 4: type: 'holiday' is not term or closure",
        "line 5: start: 01 Aug 2030 is not in any term",
        "line 6: end: is before the start",
    ]
    assert SchoolCalendar.objects.get(la=world.other_la, establishment=None).terms.filter(
        name="Autumn").count() == 0


def test_commands(world, tmp_path, capsys):
    path = tmp_path / "terms.csv"
    path.write_text(CALENDAR)
    path.write_text(CALENDAR.replace("2026", "2030").replace("2027", "2031"))
    call_command("import_calendar", str(path), "--la", "333")
    assert "terms added 2, closures added 2" in capsys.readouterr().out
    learners = tmp_path / "learners.csv"
    learners.write_bytes((HEADER + f"{c.upn(16)},Zoë,Ærø,2012-03-04,F,,\r\n").encode("cp1252"))
    call_command("import_learners", str(learners), "--home-la", "332")
    assert "created 1" in capsys.readouterr().out
    learners.write_bytes((HEADER + "X,Zoë,Ærø,2012-03-04,F,,\r\n").encode("cp1252"))
    with pytest.raises(SystemExit):
        call_command("import_learners", str(learners), "--home-la", "332")
    assert capsys.readouterr().out.startswith("line 2: upn: ")
