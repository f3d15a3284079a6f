"""Refusing XLSX "zip bombs" before openpyxl opens them, and reading a first sheet in bounds.

An XLSX file is a ZIP archive of XML parts, so a small upload can declare gigabytes of XML, or
thousands of parts, and tie a worker up for minutes. Every importer of XLSX (attendance,
exchange, sufficiency) reads through :func:`rows`, which first calls :func:`check`; each turns
:class:`XlsxRefused` into its own error, as ``line N: file: reason``.

:func:`check` reads only the ZIP's central directory (``ZipFile.infolist()``; nothing is
decompressed) and refuses a file that:

* has more than ``MAX_MEMBERS`` parts (a workbook has about ten);
* has a part compressed other than stored or deflated (the only methods XLSX uses; zipfile
  decompresses bzip2 and LZMA a chunk at a time with no bound on a chunk's output), or
  encrypted;
* declares more than ``APTRACK["XLSX_MAX_UNCOMPRESSED_BYTES"]`` unzipped, all parts together;
* has a part over ``RATIO_FROM_BYTES`` declared at more than ``MAX_RATIO`` times its
  compressed size (deflate reaches about 1,000:1 on repeated bytes).

The declared sizes can lie, but they are still the bound: zipfile never returns more of a part
than its declared size (``ZipExtFile`` cuts the output there, and inflates in bounded slices),
then checks the CRC, so a part holding more than it declares ends in ``BadZipFile("Bad CRC-32
...")`` or in an XML syntax error where it was cut. openpyxl reads the parts as streams, so no
chunked pre-read is needed; :func:`rows` reports those errors as "not a readable XLSX
workbook" (tests/exchange/test_xlsx_guard.py builds such a file).

Limits, measured with openpyxl 3.1: a 50,000-row attendance workbook as openpyxl writes it
(inline strings, 13-character UPNs, real dates) has a 12.6 MB sheet, 250 to 295 bytes a row,
compressing 8.2:1 (random UPNs) to 14.8:1 (one learner, one code and the same reason on every
row). A 1,000,000-row workbook so declares about 250 to 300 MB: the default limit, 512 MiB,
leaves 1.7 to 2 times that (Excel and LibreOffice keep strings in a shared table: smaller
still). ``MAX_RATIO`` is about 7 times the most repetitive real sheet. openpyxl parses about 3
MB of sheet XML a second, so the total bounds any workbook to about three minutes' parsing,
under twice what the largest real one takes (six for a sheet without a ``<dimension>``, which
openpyxl parses once more when opening it, as it does a real one without).

Inside the sheet, :func:`rows` ignores the sheet's declared size (a ``<dimension
ref="A1:XFD1048576">`` makes openpyxl pad every row to 16,384 cells, and a wrong, smaller one
makes it drop cells), and refuses a row past ``MAX_ROWS`` (openpyxl yields an empty row for
every number skipped, so a row numbered 10^10 would take hours) or reaching past
``MAX_COLUMNS`` (one cell at column XFD makes a row of 16,384 cells).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from django.conf import settings

MAX_MEMBERS = 1_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 512 * 2**20
MAX_RATIO = 100
RATIO_FROM_BYTES = 2**20
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_COLUMNS = 256  # column IV; the widest file any import here reads has about a dozen
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

Source = bytes | IO[bytes]


class XlsxRefused(ValueError):
    """The workbook was refused before or while reading it; ``str()`` is ``line N: file: ...``."""

    def __init__(self, reason: str, line: int = 1) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: file: {reason}")


def _size(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size:,} bytes"


def check(source: Source, *, max_uncompressed: int | None = None) -> None:
    """Refuse a workbook whose ZIP directory declares too much; read nothing else.

    A stream is left where it was. ``max_uncompressed`` defaults to the setting.
    """
    limit = max_uncompressed if max_uncompressed is not None else settings.APTRACK.get(
        "XLSX_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    start = stream.tell()
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise XlsxRefused(f"not a readable XLSX workbook ({exc})") from None
    finally:
        stream.seek(start)
    if len(members) > MAX_MEMBERS:
        raise XlsxRefused(f"the workbook has {len(members):,} parts, more than the "
                          f"{MAX_MEMBERS:,} a spreadsheet could need; save it again as a new "
                          "workbook with only the sheet to import")
    total = 0
    for member in members:
        if member.compress_type not in _METHODS:
            raise XlsxRefused(f"part {member.filename!r} is compressed in a way Excel does not "
                              "use; save the workbook again from Excel or LibreOffice")
        if member.flag_bits & 0x1:
            raise XlsxRefused("the workbook is encrypted (password protected); save it again "
                              "without a password")
        total += member.file_size
        if (member.file_size > RATIO_FROM_BYTES
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise XlsxRefused(f"part {member.filename!r} would unzip to "
                              f"{_size(member.file_size)}, more than {MAX_RATIO} times its "
                              "compressed size: this is not a spreadsheet saved by Excel or "
                              "LibreOffice")
    if total > limit:
        raise XlsxRefused(f"the workbook would unzip to {_size(total)}, more than the "
                          f"{_size(limit)} an import reads; split it into smaller files")


def rows(source: Source) -> Iterator[tuple[int, Sequence[Any]]]:
    """The first worksheet's rows as ``(line number, cell values)``, after :func:`check`.

    Lines count from 1; a skipped row number is an empty row. Rows are as long as their last
    cell (none is padded to the sheet's declared size). Raises :class:`XlsxRefused` for a file
    that is not a readable workbook, and for a row past ``MAX_ROWS`` or reaching past
    ``MAX_COLUMNS``. The workbook is closed when the rows run out or the iterator is closed.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    check(source)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise XlsxRefused(f"not a readable XLSX workbook ({exc})") from None
    try:
        if not book.worksheets:
            raise XlsxRefused("the workbook has no worksheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a read-only sheet: forget its declared size
        lines = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                cells = next(lines)
            except StopIteration:
                return
            except Exception as exc:  # a part cut short, a bad CRC, broken XML, a bad value
                raise XlsxRefused(f"not a readable XLSX workbook ({exc})") from None
            number += 1
            if number > MAX_ROWS:
                raise XlsxRefused(f"the sheet goes on past row {MAX_ROWS:,}, the most a "
                                  "worksheet can have", number)
            if len(cells) > MAX_COLUMNS:
                raise XlsxRefused(
                    f"the row has cells (perhaps empty but formatted) as far as column "
                    f"{get_column_letter(min(len(cells), 18_278))}, past column "
                    f"{get_column_letter(MAX_COLUMNS)}, the last an import reads; delete the "
                    "columns after your data", number)
            yield number, cells
    finally:
        book.close()
