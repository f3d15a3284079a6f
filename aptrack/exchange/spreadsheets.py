"""Spreadsheet exports of any list: CSV or XLSX, streamed, formula injection escaped, audited.

Usage from a view (the rows must already be scoped to the user, e.g. ``for_user``)::

    return spreadsheets.export(user=request.user, name="learners", fmt="xlsx",
                               columns=[Column("UPN", "upn"), ...], rows=queryset)

* CSV is streamed row by row (``StreamingHttpResponse``), UTF-8 with a byte-order mark so that
  Excel opens accented names correctly.
* XLSX is written by openpyxl in write-only mode (constant memory) to a temporary file that is
  then streamed (``FileResponse``); the workbook is never held in memory.
* Text that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
  carriage return; OWASP "CSV injection") is prefixed with an apostrophe; numbers and dates are
  written as numbers and dates.
* Every export writes an audit event, and one per learner when the rows are learners' records.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from aptrack.accounts import audit
from aptrack.accounts.models import AuditEvent

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)
CHUNK = 2000


@dataclass(frozen=True)
class Column:
    """A column: its header and how to read its value from a row (a dotted attribute path, or
    a function of the row)."""

    header: str
    value: str | Callable[[Any], Any]

    def read(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        for part in self.value.split("."):
            row = getattr(row, part, None) if row is not None else None
            if callable(row):
                row = row()
        return row


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet may hold it: text that would start a formula gets a leading
    apostrophe; None is empty; booleans are Yes/No; numbers and dates stay as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | date | datetime):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _csv_cell(value: Any) -> str:
    value = safe_cell(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _iterate(rows: Iterable[Any]) -> Iterator[Any]:
    if isinstance(rows, models.QuerySet):
        return rows.iterator(chunk_size=CHUNK)
    return iter(rows)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The CSV text of the export, a line at a time, starting with a BOM and the header."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([_csv_cell(c.header) for c in columns])
    for row in _iterate(rows):
        yield writer.writerow([_csv_cell(c.read(row)) for c in columns])


def xlsx_file(columns: list[Column], rows: Iterable[Any], title: str) -> Any:
    """An open temporary file holding the XLSX workbook (write-only, one sheet)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(c.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _iterate(rows):
        sheet.append([_xlsx_value(c.read(row)) for c in columns])
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    book.save(out)
    out.seek(0)
    return out


def _xlsx_value(value: Any) -> Any:
    value = safe_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


@transaction.atomic
def audit_export(*, user: Any, name: str, fmt: str, rows: Any,
                 learner_ids: Iterable[int] = ()) -> AuditEvent:
    """Record who exported which list, in which format, and each learner whose record left."""
    ids = list(learner_ids)
    event = audit.record(actor=user, action="export", object_type=name, object_id=fmt,
                         changes={"format": fmt, "rows": rows, "learners": len(ids)})
    username = getattr(user, "username", "") or "system"
    AuditEvent.objects.bulk_create(
        [AuditEvent(user=user if getattr(user, "pk", None) else None, username=username,
                    action="learner.export", object_type="learner", object_id=str(pk),
                    learner_id=pk, changes={"export": event.pk, "list": name})
         for pk in ids], batch_size=CHUNK)
    return event


def export(*, user: Any, name: str, fmt: str, columns: list[Column], rows: Any,
           learner_ids: Iterable[int] = ()) -> StreamingHttpResponse | FileResponse:
    """Audit the export, then answer it as a download named ``<name>-<date>.<fmt>``.

    ``rows`` must already be scoped to ``user``; ``learner_ids`` are the learners whose records
    the rows carry (audited one by one).
    """
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown format {fmt!r}: use csv or xlsx")
    count = rows.count() if isinstance(rows, models.QuerySet) else len(rows)
    audit_export(user=user, name=name, fmt=fmt, rows=count, learner_ids=learner_ids)
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response: Any = StreamingHttpResponse(csv_lines(columns, rows),
                                              content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    else:
        response = FileResponse(xlsx_file(columns, rows, name), as_attachment=True,
                                filename=filename, content_type=CONTENT_TYPES["xlsx"])
    response["Cache-Control"] = "no-store"
    return response
