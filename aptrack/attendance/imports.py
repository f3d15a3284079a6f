"""Importing marks from CSV or XLSX files: header ``upn,date,session,code``, all or nothing.

Every problem is reported as ``line N: COLUMN: reason`` (line 1 is the header) and nothing is
written when there is any. Codes withdrawn in 2024 are mapped as
``aptrack/data/withdrawn_attendance_codes.csv`` says and the marks flagged for review, never
silently (``aptrack.rules.attendance.code_for_import``). The same service serves
``aptrack import_attendance`` and the providers' upload page.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from aptrack.directory.models import Establishment
from aptrack.exchange import encoding, xlsxguard
from aptrack.exchange.errors import ImportRefused
from aptrack.learners.models import Learner
from aptrack.rules import upn as rules_upn

from .choices import Source
from .services import MarksInvalid, RecordResult, attendance_marks_record

HEADER = ("upn", "date", "session", "code")
OPTIONAL = ("reason",)
FIELD_TO_COLUMN = {"learner": "upn", "setting": "setting", "date": "date", "session": "session",
                   "code": "code", "item": "row", "reason": "reason"}
Progress = Callable[[int, int], None]


class ImportFailed(Exception):
    """The file was refused; ``problems`` holds one ``line N: COLUMN: reason`` per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported")


@dataclass
class ImportReport:
    rows: int
    result: RecordResult
    dry_run: bool
    withdrawn: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        r = self.result
        verb = "would be" if self.dry_run else "were"
        out = [f"{self.rows} rows read: {r.created} marks {verb} created, {r.amended} amended, "
               f"{r.unchanged} unchanged; {r.derived} home-school marks {verb} derived; "
               f"{r.alerts} absence alerts {verb} raised."]
        if self.withdrawn:
            # Rows, not marks: a row may repeat a session or leave a mark as it was.
            from aptrack.rules.attendance import map_withdrawn

            rows = sum(self.withdrawn.values())
            read = ", ".join(f"{k}: {v}" for k, v in sorted(self.withdrawn.items()))
            mapped = ", ".join(f"{k} to {map_withdrawn(k)[0]}" for k in sorted(self.withdrawn))
            out.append(f"{rows} rows used codes withdrawn in 2024 ({read}); they {verb} mapped "
                       f"to current codes ({mapped}).")
        if r.needs_review:
            out.append(f"{r.needs_review} marks {verb} flagged for review.")
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def decode(raw: bytes) -> str:
    """A CSV file's text by the rule every import here follows (``aptrack.exchange.encoding``):
    UTF-8, or Windows-1252 as Excel saves CSV on Windows; anything else is refused by line."""
    try:
        return encoding.decode(raw)[0]
    except ImportRefused as exc:
        raise ImportFailed([str(p) for p in exc.problems]) from None


def read_rows(name: str, stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) from a CSV (see :func:`decode`) or XLSX file."""
    if name.lower().endswith(".xlsx"):
        # Zip bombs, and sheets too long or wide, are refused first (aptrack.exchange.xlsxguard).
        try:
            with closing(xlsxguard.rows(stream)) as lines:
                for number, row in lines:
                    yield number, [_cell(v) for v in row]
        except xlsxguard.XlsxRefused as exc:
            raise ImportFailed([str(exc)]) from None
        return
    text = decode(stream.read())
    # A quoted cell may hold a line break: name the line a row starts on, as an editor shows it.
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        yield start, [c.strip() for c in row]
        start = reader.line_num + 1


def header_positions(header: list[str]) -> list[int]:
    """Where upn, date, session, code and reason are among the header's cells (-1: no reason).

    Raises :class:`ImportFailed` naming what is missing or unexpected.
    """
    columns = [h.strip().lower() for h in header]
    while columns and not columns[-1]:
        columns.pop()
    missing = [h for h in HEADER if h not in columns]
    unknown = [h for h in columns if h not in HEADER + OPTIONAL]
    if missing or unknown:
        detail = []
        if missing:
            detail.append("missing " + ", ".join(missing))
        if unknown:
            detail.append("unexpected " + ", ".join(repr(u) for u in unknown))
        raise ImportFailed([f"line 1: header: {'; '.join(detail)} (expected "
                            f"{','.join(HEADER)})"])
    return [columns.index(n) if n in columns else -1 for n in (*HEADER, *OPTIONAL)]


Record = tuple[int, str, str, str, str, str]  # line, upn, date, session, code, reason


def records(name: str, stream: IO[bytes]) -> Iterator[Record]:
    """The file's rows that are not blank, each with the line it starts on; checks the header."""
    rows = read_rows(name, stream)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ImportFailed(["line 1: header: the file is empty"]) from None
    at = header_positions(header)
    width = max(at) + 1
    for number, cells in rows:
        if not any(cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        yield (number, cells[at[0]], cells[at[1]], cells[at[2]], cells[at[3]],
               cells[at[4]] if at[4] >= 0 else "")


def parse(name: str, stream: IO[bytes], *, setting: Establishment,
          actor: Any = None) -> tuple[list[dict[str, Any]], list[int], list[str], dict[str, int]]:
    """Turn a file into mark items; return (items, their line numbers, problems, withdrawn)."""
    problems: list[str] = []
    rows = list(records(name, stream))
    upns: dict[str, int] = {}
    checked: list[tuple[Record, str]] = []
    valid: dict[str, str | ValueError] = {}  # each distinct UPN validated once
    for record in rows:
        number = record[0]
        value = record[1].strip().upper()
        if not value:
            problems.append(f"line {number}: upn: a UPN is required")
            continue
        normal = valid.get(value)
        if normal is None:
            try:
                normal = valid[value] = rules_upn.validate(value)
            except ValueError as exc:
                normal = valid[value] = exc
        if isinstance(normal, ValueError):
            problems.append(f"line {number}: upn: {normal}")
        else:
            checked.append((record, normal))
    wanted = {normal for _, normal in checked}
    if wanted:
        qs = Learner.objects.filter(upn__in=wanted)
        if actor is not None:
            qs = qs.for_user(actor, "view")  # type: ignore[attr-defined]
        upns = dict(qs.values_list("upn", "pk"))
    items: list[dict[str, Any]] = []
    lines: list[int] = []
    withdrawn: dict[str, int] = {}
    from aptrack.rules import attendance as rules_attendance

    for (number, _, day, session, code, reason), normal in checked:
        if normal not in upns:
            problems.append(f"line {number}: upn: no learner with UPN {normal} in your records")
            continue
        upper = code.strip().upper()
        if upper in rules_attendance.WITHDRAWN:
            withdrawn[upper] = withdrawn.get(upper, 0) + 1
        items.append({"learner": upns[normal], "setting": setting.pk, "date": day,
                      "session": session, "code": code, "reason": reason})
        lines.append(number)
    return items, lines, problems, withdrawn


def import_marks(name: str, stream: IO[bytes], *, setting: Establishment, actor: Any = None,
                 dry_run: bool = False, progress: Progress | None = None,
                 method: str = "staged") -> ImportReport:
    """Validate and load a file of marks for one setting, all or nothing.

    Raises :class:`ImportFailed` with every problem (``line N: COLUMN: reason``); nothing is
    written then, nor on a dry run. ``method``: ``"staged"`` (the file checked and written by
    the database, ``aptrack.attendance.staged``) or ``"rows"`` (each row through
    ``services.attendance_marks_record``): the same outcome, the first several times faster on
    a large file; the second is the reference the first is tested against.
    """
    if method not in ("staged", "rows"):
        raise ValueError(f"method must be 'staged' or 'rows', not {method!r}")
    with _without_cyclic_gc():
        if method == "staged":
            from .staged import HasNul, load

            try:
                report: ImportReport = load(name, stream, setting=setting, actor=actor,
                                            dry_run=dry_run, progress=progress)
            except HasNul as exc:
                stream = io.BytesIO(exc.data)
            else:
                return report
        return _import(name, stream, setting=setting, actor=actor, dry_run=dry_run,
                       progress=progress)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the load.

    A file of marks becomes hundreds of thousands of small tuples and dicts that live until the
    load ends; each allocation burst makes the collector walk them all again for nothing (45% of
    the CPU of a 50,000-mark import, measured). Reference counting still frees everything; the
    collector resumes, and runs once, when the load ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(name: str, stream: IO[bytes], *, setting: Establishment, actor: Any,
            dry_run: bool, progress: Progress | None) -> ImportReport:
    items, lines, problems, withdrawn = parse(name, stream, setting=setting, actor=actor)
    total = len(items)
    if progress:
        progress(0, total)
    result = RecordResult()
    try:
        with transaction.atomic():
            try:
                result = attendance_marks_record(actor=actor, marks=items, source=Source.IMPORT,
                                                 reason=f"Corrected by the import of {name}",
                                                 progress=progress)
            except MarksInvalid as exc:
                for err in exc.errors:
                    column = FIELD_TO_COLUMN.get(err["field"], err["field"])
                    reason = err["reason"]
                    if "other" in err:  # the same session twice: name the other row's line
                        reason = (f"line {lines[err['other']]} gives the same learner, date "
                                  "and session another code")
                    problems.append(f"line {lines[err['index']]}: {column}: {reason}")
            if problems:
                raise ImportFailed(sorted(problems, key=_line_number))
            if dry_run:
                transaction.set_rollback(True)
    finally:
        if progress:
            progress(total, total)
    return ImportReport(rows=total, result=result, dry_run=dry_run, withdrawn=withdrawn)


def _line_number(problem: str) -> int:
    try:
        return int(problem.split(":", 1)[0].split()[1])
    except (IndexError, ValueError):
        return 0


def import_file(path: Path, **kwargs: Any) -> ImportReport:
    with path.open("rb") as stream:
        return import_marks(path.name, stream, **kwargs)
