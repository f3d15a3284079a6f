"""Reading a table from an uploaded CSV or XLSX file: header row by name, each row with its
line number, so importers can name the line and column of every problem."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import encoding
from .errors import ImportRefused


@dataclass
class Table:
    """Headers (normalised: trimmed, lower case, spaces as ``_``) and rows by header."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    encoding: str


def normalise(header: Any) -> str:
    return str(header or "").strip().lower().replace(" ", "_").replace("-", "_")


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read(data: bytes, *, required: tuple[str, ...] = ()) -> Table:
    """Read CSV (UTF-8 or Windows-1252, never guessed silently) or XLSX (first sheet)."""
    table = _read_xlsx(data) if is_xlsx(data) else _read_csv(data)
    missing = [c for c in required if c not in table.headers]
    if missing:
        raise ImportRefused.one(1, ", ".join(missing),
                                "column missing from the header row (found: "
                                f"{', '.join(h for h in table.headers if h) or 'none'})")
    return table


def _read_csv(data: bytes) -> Table:
    text, used = encoding.decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = [normalise(h) for h in next(reader, [])]
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        rows.append((reader.line_num, dict(zip(headers, (c.strip() for c in cells),
                                               strict=False))))
    return Table(headers, rows, used)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRefused.one(1, "file", f"not a readable XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        lines: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        headers = [normalise(h) for h in next(lines, ())]
        rows = []
        for number, cells in enumerate(lines, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            rows.append((number, dict(zip(headers, (_cell(c) for c in cells), strict=False))))
    finally:
        book.close()
    return Table(headers, rows, "xlsx")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else value


def parse_day(value: Any) -> date:
    """A date cell: a real date (XLSX), ``yyyy-mm-dd`` or ``dd/mm/yyyy``; ``ValueError``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date as yyyy-mm-dd or dd/mm/yyyy")
