"""Reading an uploaded CSV or XLSX file into numbered rows (the first row is the header).

Problems are reported as ``line N: COLUMN: reason``, line 1 being the header, so a planner can
find the cell in their spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass

from aptrack.exchange import encoding, xlsxguard
from aptrack.exchange.errors import ImportRefused


class UploadInvalid(Exception):
    """The file was refused; ``errors`` are lines "line N: COLUMN: reason"."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = list(errors)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    """UTF-8, or Windows-1252 as Excel saves CSV on Windows, by the rule every import here
    follows (``aptrack.exchange.encoding``); anything else is refused by line."""
    try:
        text, _ = encoding.decode(data)
    except ImportRefused as exc:
        raise UploadInvalid([str(p) for p in exc.problems]) from None
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet; zip bombs and sheets too long or wide are refused first (xlsxguard;
    defusedxml is installed, so openpyxl parses the XML safely)."""
    try:
        with closing(xlsxguard.rows(data)) as lines:
            return [[_cell(v) for v in cells] for _, cells in lines]
    except xlsxguard.XlsxRefused as exc:
        raise UploadInvalid([str(exc)]) from None


def read(filename: str, data: bytes, *, required: Sequence[str], optional: Sequence[str],
         max_rows: int) -> list[Row]:
    """The data rows of a CSV or XLSX file (by its extension), checked for its columns: every
    required column present, no unknown or repeated column. Blank rows are skipped."""
    name = filename.lower()
    if name.endswith(".csv"):
        raw = _csv_rows(data)
    elif name.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    else:
        raise UploadInvalid(["line 1: file: must be a .csv or .xlsx file"])
    if not raw or not any(raw[0]):
        raise UploadInvalid(["line 1: header: the file is empty (the first row must name the "
                             "columns)"])
    header = [h.strip().lower().replace(" ", "_") for h in raw[0]]
    while header and not header[-1]:
        header.pop()
    errors = []
    for i, column in enumerate(header):
        if column not in (*required, *optional):
            errors.append(f"line 1: {column or f'column {i + 1}'}: unknown column (expected "
                          f"{', '.join([*required, *optional])})")
        elif header.index(column) != i:
            errors.append(f"line 1: {column}: the column is given twice")
    errors += [f"line 1: {c}: required column missing" for c in required if c not in header]
    if errors:
        raise UploadInvalid(errors)
    rows = []
    for line, cells in enumerate(raw[1:], start=2):
        if not any(cells):
            continue
        if any(cells[len(header):]):
            errors.append(f"line {line}: row: has more cells than the header has columns")
            continue
        rows.append(Row(line, {c: (cells[i] if i < len(cells) else "")
                               for i, c in enumerate(header)}))
        if len(rows) > max_rows:
            raise UploadInvalid([f"line {line}: file: more than {max_rows} rows"])
    if errors:
        raise UploadInvalid(errors)
    if not rows:
        raise UploadInvalid(["line 2: file: no rows of data under the header"])
    return rows
