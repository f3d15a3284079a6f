"""XLSX zip bombs are refused from the ZIP's directory before openpyxl opens the workbook, by
one guard (aptrack.exchange.xlsxguard) that the attendance, exchange and sufficiency importers
all call, each in its own error format, writing nothing.

The bombs here are real: built by streaming repeated bytes through ZIP_DEFLATED, so the test
stays small in memory and the file is a few hundred kilobytes declaring 300 MB.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import Workbook

from aptrack.attendance.imports import ImportFailed, import_marks
from aptrack.attendance.models import AttendanceMark
from aptrack.exchange import services as exchange
from aptrack.exchange import xlsxguard
from aptrack.exchange.errors import ImportRefused
from aptrack.learners.models import Learner
from aptrack.sufficiency import services as sufficiency
from aptrack.sufficiency.models import DataUpload, PopulationProjection
from aptrack.sufficiency.tabular import UploadInvalid
from tests import factories

from . import ctf_files as c

SHEET = "xl/worksheets/sheet1.xml"
OPEN = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"%s<sheetData>")
CLOSE = b"</sheetData></worksheet>"
MB = 2**20
MON = date(2025, 10, 6)  # a Monday in autumn term 1 of the test calendar (tests/attendance)


def workbook(rows: list[list[Any]]) -> bytes:
    """A real workbook as openpyxl saves it, its first sheet holding ``rows``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(pieces: Callable[[], Any], *, extra: int = 0,
               method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A real workbook whose sheet XML is streamed from ``pieces()`` (an iterable of bytes),
    never held whole, plus ``extra`` empty parts."""
    model = zipfile.ZipFile(io.BytesIO(workbook([["header"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in model.infolist():
            if info.filename != SHEET:
                z.writestr(info.filename, model.read(info.filename))
        with z.open(_info(SHEET, method), "w") as sheet:
            for piece in pieces():
                sheet.write(piece)
        for n in range(extra):
            z.writestr(f"customXml/item{n}.xml", b"")
    return out.getvalue()


def _info(name: str, method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = method
    return info


def sheet_xml(rows_xml: bytes, *, times: int = 1, dimension: bytes = b"") -> Callable[[], Any]:
    def pieces() -> Any:
        yield OPEN % dimension
        for _ in range(times):
            yield rows_xml
        yield CLOSE
    return pieces


def patched(data: bytes, name: str, *, size: int | None = None, flags: int | None = None) -> bytes:
    """``data`` with part ``name``'s declared uncompressed size (central directory and local
    header) or general-purpose flags rewritten: a ZIP that lies."""
    out = bytearray(data)
    at = zipfile.ZipFile(io.BytesIO(data)).start_dir
    while out[at:at + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", out, at + 28)
        if out[at + 46:at + 46 + n].decode() == name:
            local = struct.unpack_from("<I", out, at + 42)[0]
            if size is not None:
                struct.pack_into("<I", out, at + 24, size)
                struct.pack_into("<I", out, local + 22, size)
            if flags is not None:
                struct.pack_into("<H", out, at + 8, flags)
                struct.pack_into("<H", out, local + 6, flags)
        at += 46 + n + m + k
    return bytes(out)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """300 MB of spaces in the sheet (valid XML whitespace), deflated to about 300 KB."""
    def pieces() -> Any:
        yield OPEN % b""
        chunk = b" " * MB
        for _ in range(300):
            yield chunk
        yield CLOSE
    return with_sheet(pieces)


def refusal(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(xlsxguard.XlsxRefused) as caught:
        xlsxguard.check(data, **kwargs)
    return str(caught.value)


def read_all(data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    return [(n, tuple(cells)) for n, cells in xlsxguard.rows(data)]


# --- the checks of the ZIP directory ---------------------------------------------------------

def test_a_real_bomb_is_refused_from_the_directory(bomb):  # type: ignore[no-untyped-def]
    """A 300 KB file declaring a 300 MB sheet is refused, naming the part and the ratio."""
    assert len(bomb) < 1 * MB
    sheet = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(SHEET)
    assert sheet.file_size > 300 * MB and sheet.file_size > 500 * sheet.compress_size
    assert refusal(bomb) == (
        f"line 1: file: part '{SHEET}' would unzip to 300 MB, more than 100 times its "
        "compressed size: this is not a spreadsheet saved by Excel or LibreOffice")


def test_the_ratio_is_checked_only_above_one_megabyte():  # type: ignore[no-untyped-def]
    """1 MB of one byte repeated (about 1,000:1) passes; one byte more is refused."""
    def spaces(n: int) -> Callable[[], Any]:
        head, tail = OPEN % b"", CLOSE
        return lambda: [head, b" " * (n - len(head) - len(tail)), tail]

    xlsxguard.check(with_sheet(spaces(MB)))
    assert "more than 100 times its compressed size" in refusal(with_sheet(spaces(MB + 1)))


def test_too_many_parts_are_refused():  # type: ignore[no-untyped-def]
    """1,000 parts pass; 1,001 are refused (a workbook has about ten)."""
    parts = len(zipfile.ZipFile(io.BytesIO(workbook([["x"]]))).infolist())
    xlsxguard.check(with_sheet(sheet_xml(b""), extra=1_000 - parts))
    assert refusal(with_sheet(sheet_xml(b""), extra=1_001 - parts)) == (
        "line 1: file: the workbook has 1,001 parts, more than the 1,000 a spreadsheet could "
        "need; save it again as a new workbook with only the sheet to import")


def test_the_total_unzipped_size_comes_from_the_setting(settings):  # type: ignore[no-untyped-def]
    """All parts together may declare up to APTRACK["XLSX_MAX_UNCOMPRESSED_BYTES"]; the
    default, 512 MiB, is read from the settings at each check."""
    assert settings.APTRACK["XLSX_MAX_UNCOMPRESSED_BYTES"] == 512 * MB
    data = workbook([["upn", "date"], ["A123", "2025-10-06"]])
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    settings.APTRACK = {**settings.APTRACK, "XLSX_MAX_UNCOMPRESSED_BYTES": total}
    xlsxguard.check(data)
    settings.APTRACK = {**settings.APTRACK, "XLSX_MAX_UNCOMPRESSED_BYTES": total - 1}
    assert refusal(data) == (f"line 1: file: the workbook would unzip to {total:,} bytes, "
                             f"more than the {total - 1:,} bytes an import reads; split it "
                             "into smaller files")
    # noise compresses about 2:1, so only the total stops it
    noise = b"<!--" + random.Random(1).randbytes(2 * MB).hex().encode() + b"-->"
    assert "would unzip to 4 MB, more than the 3 MB an import reads" in refusal(
        with_sheet(sheet_xml(noise)), max_uncompressed=3 * MB)


def test_parts_compressed_other_than_excel_does_or_encrypted_are_refused():  # type: ignore[no-untyped-def]
    """bzip2 and LZMA decompress without a bound per read, and XLSX never uses them; an
    encrypted part cannot be read."""
    assert refusal(with_sheet(sheet_xml(b"<row/>"), method=zipfile.ZIP_BZIP2)) == (
        f"line 1: file: part '{SHEET}' is compressed in a way Excel does not use; save the "
        "workbook again from Excel or LibreOffice")
    locked = patched(workbook([["x"]]), SHEET, flags=0x1)
    assert refusal(locked) == ("line 1: file: the workbook is encrypted (password protected); "
                               "save it again without a password")


def test_a_file_that_is_not_a_zip_is_not_a_readable_workbook():  # type: ignore[no-untyped-def]
    assert refusal(b"PK\x03\x04garbage") == (
        "line 1: file: not a readable XLSX workbook (File is not a zip file)")


def test_a_stream_is_left_where_it_was(bomb):  # type: ignore[no-untyped-def]
    """The attendance importer hands over an open file: after the check openpyxl reads it
    from the same place."""
    stream = io.BytesIO(workbook([["x"]]))
    xlsxguard.check(stream)
    assert stream.tell() == 0
    stream = io.BytesIO(bomb)
    with pytest.raises(xlsxguard.XlsxRefused):
        xlsxguard.check(stream)
    assert stream.tell() == 0


# --- declared sizes that lie ------------------------------------------------------------------

@pytest.fixture(scope="module")
def liar() -> bytes:
    """A sheet of 32 MB of real rows under an attendance header, declaring only 1 MB (and,
    wrongly, a one-cell dimension): the ratio check passes; zipfile reads the declared size."""
    def cell(text: str) -> bytes:
        return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()

    header = b"<row>" + b"".join(cell(h) for h in ("upn", "date", "session", "code")) + b"</row>"
    rows = b"<row>" + cell("x") + b"</row>"

    def pieces() -> Any:
        yield OPEN % b'<dimension ref="A1"/>' + header
        for _ in range(32):
            yield rows * 20_000
        yield CLOSE
    return patched(with_sheet(pieces), SHEET, size=MB)


def test_a_part_longer_than_declared_is_cut_there_and_refused(liar):  # type: ignore[no-untyped-def]
    """zipfile returns no more of a part than it declares and then checks its CRC: the rows
    stop after about 1 MB of XML, with the clean refusal, not an error page."""
    data = liar
    xlsxguard.check(data)  # the directory itself looks like a workbook
    seen = 0
    with pytest.raises(xlsxguard.XlsxRefused) as caught:
        for seen, _ in xlsxguard.rows(data):  # noqa: B007 - the last line read is wanted
            pass
    assert str(caught.value) == ("line 1: file: not a readable XLSX workbook (Bad CRC-32 for "
                                 f"file '{SHEET}')")
    # rows were read (the wrong dimension cut nothing), but only the declared megabyte's worth
    assert 1_000 < seen < MB // 40


# --- sheets too long or too wide for their size -----------------------------------------------

def test_a_row_numbered_past_excels_last_row_is_refused():  # type: ignore[no-untyped-def]
    """openpyxl yields an empty row for each number skipped; a row numbered 10^10 would take
    hours. Refused at the first line past 1,048,576."""
    data = with_sheet(sheet_xml(b'<row r="1"><c r="A1" t="inlineStr"><is><t>upn</t></is></c>'
                                b'</row><row r="10000000000"><c r="A10000000000"><v>1</v></c>'
                                b"</row>"))
    with pytest.raises(xlsxguard.XlsxRefused) as caught:
        read_all(data)
    assert str(caught.value) == ("line 1048577: file: the sheet goes on past row 1,048,576, "
                                 "the most a worksheet can have")


def test_a_row_reaching_past_the_last_column_read_is_refused():  # type: ignore[no-untyped-def]
    """One cell at column XFD makes openpyxl build a row of 16,384 cells; IV (256) is read."""
    data = workbook([["upn"]])
    wide = with_sheet(sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                b'<row r="2"><c r="XFD2"><v>1</v></c></row>'))
    assert read_all(data) == [(1, ("upn",))]
    edge = with_sheet(sheet_xml(b'<row r="1"><c r="IV1"><v>1</v></c></row>'))
    assert len(read_all(edge)[0][1]) == 256
    with pytest.raises(xlsxguard.XlsxRefused) as caught:
        read_all(wide)
    assert str(caught.value) == (
        "line 2: file: the row has cells (perhaps empty but formatted) as far as column XFD, "
        "past column IV, the last an import reads; delete the columns after your data")


def test_the_sheets_declared_size_neither_pads_nor_cuts_rows():  # type: ignore[no-untyped-def]
    """A dimension of A1:XFD1048576 would pad each row to 16,384 cells; one of A1:A1 would cut
    every row to its first cell. Rows are as long as their last cell; a gap is an empty row."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="3">' \
           b'<c r="C3"><v>3</v></c></row>'
    expected = [(1, (1, 2)), (2, ()), (3, (None, None, 3))]
    for dimension in (b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:A1"/>'):
        assert read_all(with_sheet(sheet_xml(rows, dimension=dimension))) == expected


def test_a_workbook_with_no_worksheet_is_refused():  # type: ignore[no-untyped-def]
    """A workbook listing no sheet is refused in words (it was an IndexError: an error page)."""
    model = zipfile.ZipFile(io.BytesIO(workbook([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in model.infolist():
            data = model.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            z.writestr(info.filename, data)
    with pytest.raises(xlsxguard.XlsxRefused) as caught:
        read_all(out.getvalue())
    assert str(caught.value) == "line 1: file: the workbook has no worksheet"


# --- the limits against a real attendance workbook ----------------------------------------------

def test_a_large_attendance_workbook_is_well_inside_the_limits():  # type: ignore[no-untyped-def]
    """50,000 rows as openpyxl writes them (inline strings, the largest way: Excel shares
    strings), with a reason on every row and 30 learners (repetitive, so it compresses well).
    Twenty times it, 1,000,000 rows, still declares under 1/1.5 of the default total, and its
    sheet compresses at under a fifth of the ratio refused."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["upn", "date", "session", "code", "reason"])
    pupils = [c.upn(n) for n in range(30)]
    picker = random.Random(7)
    for n in range(50_000):
        sheet.append([pupils[n % 30], MON + timedelta(days=n // 60), ("AM", "PM")[n % 2],
                      picker.choice("/\\BCDEILMNPRSTUVWX"), "Late: the bus from the estate"])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    xlsxguard.check(data)
    parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    total = sum(i.file_size for i in parts)
    sheet_part = next(i for i in parts if i.filename == SHEET)
    assert 20 * total * 1.5 < 512 * MB, f"a million rows would declare {20 * total:,} bytes"
    assert sheet_part.file_size < sheet_part.compress_size * 100 / 5


# --- each importer, through its public entry point -------------------------------------------

BOMB_REASON = (f"line 1: file: part '{SHEET}' would unzip to 300 MB, more than 100 times its "
               "compressed size: this is not a spreadsheet saved by Excel or LibreOffice")
CUT_REASON = f"line 1: file: not a readable XLSX workbook (Bad CRC-32 for file '{SHEET}')"


@pytest.fixture
def pupil(world):  # type: ignore[no-untyped-def]
    """A pupil of Test High placed at the PRU every session from Monday."""
    learner = factories.learner(world.school)
    world.placed(learner, provider=world.pru, reason="off_site_direction", start=MON)
    return learner


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["staged", "rows"])
def test_attendance_refuses_a_bomb_and_a_lying_file(world, pupil, bomb, liar, method):  # type: ignore[no-untyped-def]
    """import_marks (the upload page and ``aptrack import_attendance``) refuses with its list
    of ``line N: COLUMN: reason`` problems and writes no mark; a good workbook still loads."""
    for data, reason in ((bomb, BOMB_REASON), (liar, CUT_REASON)):
        with pytest.raises(ImportFailed) as caught:
            import_marks("marks.xlsx", io.BytesIO(data), setting=world.pru, method=method,
                         actor=world.users["provider_staff"])
        assert caught.value.problems == [reason]
        assert not AttendanceMark.objects.exists()
    good = workbook([["upn", "date", "session", "code"], [pupil.upn, MON, "AM", "/"]])
    report = import_marks("marks.xlsx", io.BytesIO(good), setting=world.pru, method=method,
                          actor=world.users["provider_staff"])
    assert report.result.created == 1
    assert AttendanceMark.objects.get(learner=pupil, setting=world.pru, date=MON,
                                      session="AM").code == "/"


@pytest.mark.django_db
def test_exchange_refuses_a_bomb_and_a_lying_file(world, la_officer, bomb, liar):  # type: ignore[no-untyped-def]
    """learners_import refuses with ImportRefused at line 1, column file; no learner is added;
    a good workbook still loads."""
    before = Learner.objects.count()
    for data, reason in ((bomb, BOMB_REASON), (liar, CUT_REASON)):
        with pytest.raises(ImportRefused) as caught:
            exchange.learners_import(actor=la_officer, data=data)
        assert [str(p) for p in caught.value.problems] == [reason]
        assert Learner.objects.count() == before
    good = workbook([["UPN", "Given name", "Family name", "Date of birth", "Sex"],
                     [c.upn(40), "Ada", "Nowak", date(2012, 3, 4), "F"]])
    assert len(exchange.learners_import(actor=la_officer, data=good).created) == 1
    assert Learner.objects.count() == before + 1


@pytest.mark.django_db
def test_sufficiency_refuses_a_bomb_and_a_lying_file(world, bomb, liar):  # type: ignore[no-untyped-def]
    """sufficiency_upload refuses with UploadInvalid's list of errors; no upload or figure is
    saved; a good workbook still loads."""
    def upload(data: bytes) -> DataUpload:
        return sufficiency.sufficiency_upload(actor=world.users["la_officer"], la=world.la,
                                              kind="population", filename="p.xlsx", data=data,
                                              source="ONS")
    for data, reason in ((bomb, BOMB_REASON), (liar, CUT_REASON)):
        with pytest.raises(UploadInvalid) as caught:
            upload(data)
        assert caught.value.errors == [reason]
        assert not DataUpload.objects.exists() and not PopulationProjection.objects.exists()
    good = workbook([["school_year", "phase", "population"], [2024, "primary", 26000]])
    assert upload(good).rows == 1 and PopulationProjection.objects.count() == 1
