"""Reading a table from an uploaded CSV or XLSX file: header row by name, each row with its
line number, so importers can name the line and column of every problem."""

from __future__ import annotations

import csv
import io
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import encoding, xlsxguard
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
    """The first sheet; zip bombs and sheets too long or wide are refused first (xlsxguard)."""
    headers: list[str] = []
    rows = []
    try:
        with closing(xlsxguard.rows(data)) as lines:
            for number, cells in lines:
                if number == 1:
                    headers = [normalise(h) for h in cells]
                elif any(c not in (None, "") for c in cells):
                    rows.append((number, dict(zip(headers, (_cell(c) for c in cells),
                                                  strict=False))))
    except xlsxguard.XlsxRefused as exc:
        raise ImportRefused.one(exc.line, "file", exc.reason) from None
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
