"""The import's load, done by the database: stage the file, check it with joins, write it at once.

The row-by-row path (``imports.import_rows``: every row parsed into a dict, checked in Python
and written by ``services.attendance_marks_record``) spends most of a large import in Python:
7.5 times a bare COPY of the same rows at 1,000,000 marks (decision 0008). Here the file goes
into a temporary table as it is (one ``COPY`` of its bytes on PostgreSQL when it is plain CSV),
and every check is made once per *distinct* value, in Python, with the same rules and the same
messages as the row-by-row path: a year's file has a few thousand UPNs, a few hundred dates,
two sessions and a dozen codes. The database then joins the rows to those answers, to the
placements and enrolments, and to the marks already there, and writes the new marks with one
``INSERT ... SELECT`` per slice of the file, and their counts with one grouped upsert.

What stays in Python is what is per mark and rare in a bulk load: amendments of marks already
there (each keeps its original, reason, who and when), the home school's derived marks and the
absence alerts of learners on placements, and the counts of sessions that already held a mark.
Those go through the same functions as the register and the API.

Both paths give the same outcome, problems and report included: tests/attendance/
test_import_paths.py runs every kind of file through both on SQLite and PostgreSQL.
"""

# ruff: noqa: S608 - SQL here is built from this module's table names and the models'; every
# value from a file or a user is a query parameter.
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aptrack.accounts import audit
from aptrack.directory.models import Establishment
from aptrack.learners.models import Enrolment, Learner
from aptrack.placements.models import Placement
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import upn as rules_upn
from aptrack.rules.calendar import school_year_of

from . import counts
from .choices import Source
from .models import AttendanceCount, AttendanceMark
from .services import (
    SESSIONS,
    RecordResult,
    _amend,
    _derive_home_marks,
    _parse_date,
    _raise_absence_alerts,
    may_mark,
)
from .whereabouts import calendars_for

#: Rows written per ``INSERT ... SELECT`` (the progress bar moves once per slice).
SLICE = 100_000
STAGE = "aptrack_import_stage"
ROWS = "aptrack_import_rows"
HELD = "aptrack_import_held"
TABLES = (STAGE, ROWS, HELD, "aptrack_import_upn", "aptrack_import_day",
          "aptrack_import_session", "aptrack_import_code")
# The stage's columns, by the file's header names.
_BLANKISH = re.compile(r"(?m)^[\s,]*$")
STAGE_COLUMN = {"upn": "upn", "date": "day", "session": "session", "code": "code",
                "reason": "reason"}


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class HasNul(Exception):
    """A CSV file with a NUL byte, which a PostgreSQL text column cannot hold: the row-by-row
    path reads it (and reports the cells that hold one)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__("the file holds a NUL byte")


@dataclass
class _Staged:
    rows: int  # rows that are not blank
    first_line: int


def load(name: str, stream: IO[bytes], *, setting: Establishment, actor: Any, dry_run: bool,
         progress: Any) -> Any:
    """Validate and load a file of marks for one setting, all or nothing (see ``imports``).

    The temporary tables go with the transaction on PostgreSQL (``ON COMMIT DROP``); SQLite,
    which has no such clause, drops them at the end.
    """
    from .imports import ImportFailed, ImportReport

    result = RecordResult()
    withdrawn: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        _create_tables(cursor)
        try:
            staged = _stage(cursor, name, stream)
            if progress:
                progress(0, staged.rows)
            problems = _check(cursor, setting=setting, actor=actor)
            if problems:
                raise ImportFailed(problems)
            if staged.rows:
                withdrawn = _withdrawn(cursor)
                _write(cursor, name=name, setting=setting, actor=actor, result=result,
                       staged=staged, progress=progress)
            if dry_run:
                transaction.set_rollback(True)
        finally:
            if connection.vendor == "sqlite" and not transaction.get_rollback():
                _drop_tables(cursor)  # (a rollback takes them with it)
    if progress:
        progress(staged.rows, staged.rows)
    return ImportReport(rows=staged.rows, result=result, dry_run=dry_run, withdrawn=withdrawn)


# ---- tables ---------------------------------------------------------------------------------
def _temporary(cursor: Any, table: str, definition: str) -> None:
    """CREATE a temporary table that goes with the transaction."""
    if connection.vendor == "postgresql":
        if definition.startswith("AS "):
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ON COMMIT DROP {definition}")
        else:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} {definition} ON COMMIT DROP")
    else:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} {definition}")


def _create_tables(cursor: Any) -> None:
    _drop_tables(cursor)
    pg = connection.vendor == "postgresql"
    line = "integer GENERATED BY DEFAULT AS IDENTITY (START WITH 2)" if pg else "integer"
    day = "date" if pg else "text"
    _temporary(cursor, STAGE, f"(line {line}, upn text, day text, session text, code text, "
               "reason text)")
    _temporary(cursor, "aptrack_import_upn", "(raw text, learner_id bigint, problem text)")
    _temporary(cursor, "aptrack_import_day", f"(raw text, day {day}, school_year integer, "
               "problem text, closed text)")
    _temporary(cursor, "aptrack_import_session", "(raw text, session text, problem text)")
    _temporary(cursor, "aptrack_import_code", "(raw text, code text, category text, "
               "supplied text, review boolean, problem text)")
    _temporary(cursor, HELD, f"(learner_id bigint, day {day}, session text, "
               "setting_id bigint, mark_id bigint)")


def _drop_tables(cursor: Any) -> None:
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


# ---- staging --------------------------------------------------------------------------------
def _stage(cursor: Any, name: str, stream: IO[bytes]) -> _Staged:
    """Put the file's rows in the stage with their line numbers; check the header."""
    from .imports import Record, records

    if not name.lower().endswith(".xlsx") and connection.vendor == "postgresql":
        data = stream.read()
        if b"\x00" in data:
            raise HasNul(data)
        staged = _stage_plain_csv(cursor, data)
        if staged is not None:
            return staged
        stream = io.BytesIO(data)
    count = 0
    first = 0

    def counted() -> Iterator[Record]:
        nonlocal count, first
        for record in records(name, stream):
            count += 1
            first = first or record[0]
            yield record

    columns = "line, upn, day, session, code, reason"
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
            for record in counted():
                copy.write_row(record)
    else:
        batch: list[tuple[Any, ...]] = []
        for record in counted():
            batch.append(record)
            if len(batch) == 10_000:
                cursor.executemany(f"INSERT INTO {STAGE} ({columns}) VALUES (%s, %s, %s, %s, "
                                   "%s, %s)", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {STAGE} ({columns}) VALUES (%s, %s, %s, %s, %s, "
                               "%s)", batch)
    _analyze(cursor, STAGE)
    return _Staged(rows=count, first_line=first)


def _stage_plain_csv(cursor: Any, data: bytes) -> _Staged | None:
    """COPY a plain CSV file's bytes straight into the stage (PostgreSQL).

    Plain: no quotes, no blank line before the last row, every row as many cells as the header.
    Then a row's line number is its place in the file, and COPY numbers the rows as it reads.
    Anything else returns None and goes through the reader, which knows every shape.
    """
    from .imports import decode, header_positions

    text = decode(data)
    if '"' in text or "\x00" in text:
        return None
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        return None
    end = text.find("\n")
    if end < 0:
        return None
    header = next(csv.reader([text[:end]]))
    body = text[end + 1:].rstrip("\n")
    # A line of nothing but commas and spaces (as ``str.strip`` sees spaces) is skipped by the
    # reader, which keeps counting lines: leave such a file to it.
    if not body or _BLANKISH.search(body):
        return None
    at = header_positions([c.strip() for c in header])
    names = [c.strip().lower() for c in header]
    if len(names) != len([a for a in at if a >= 0]):
        return None  # blank header cells after the last column
    lines = body.count("\n") + 1
    if body.count(",") != (len(names) - 1) * lines:
        return None
    columns = ", ".join(STAGE_COLUMN[n] for n in names)
    cursor.execute("SAVEPOINT aptrack_stage_copy")
    try:
        with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN (FORMAT csv, "
                                f"FORCE_NOT_NULL ({columns}))") as copy:
            copy.write(body.encode())
    except Exception:  # noqa: BLE001 - a row COPY cannot read: the reader reports it by line
        cursor.execute("ROLLBACK TO SAVEPOINT aptrack_stage_copy")
        cursor.execute(f"TRUNCATE {STAGE}")
        return None
    cursor.execute("RELEASE SAVEPOINT aptrack_stage_copy")
    cursor.execute(f"SELECT count(*), min(line) FROM {STAGE}")
    count, first = cursor.fetchone()
    _analyze(cursor, STAGE)
    return _Staged(rows=count, first_line=first or 0)


# ---- checks ---------------------------------------------------------------------------------
def _distinct(cursor: Any, column: str) -> list[str]:
    cursor.execute(f"SELECT DISTINCT {column} FROM {STAGE}")
    return [row[0] for row in cursor.fetchall()]


def _fill(cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        marks = ", ".join(["%s"] * len(rows[0]))
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    _analyze(cursor, table)


def _analyze(cursor: Any, table: str) -> None:
    """Give the planner the size of a temporary table (autovacuum never looks at them):
    without it, PostgreSQL guesses a handful of rows and joins a million by nested loops."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _answer_each_value(cursor: Any, *, setting: Establishment, actor: Any) -> Any:
    """Check each distinct UPN, date, session and code once, as the row-by-row path would.

    Returns the setting's rules calendar (None when it has none).
    """
    # UPNs: validated, then looked up among the learners the actor may see.
    normal: dict[str, str | ValueError] = {}
    for raw in _distinct(cursor, "upn"):
        value = raw.strip().upper()
        if not value:
            normal[raw] = ValueError("a UPN is required")
            continue
        try:
            normal[raw] = rules_upn.validate(value)
        except ValueError as exc:
            normal[raw] = exc
    wanted = {v for v in normal.values() if isinstance(v, str)}
    found: dict[str, int] = {}
    if wanted:
        qs = Learner.objects.filter(upn__in=wanted)
        if actor is not None:
            qs = qs.for_user(actor, "view")  # type: ignore[attr-defined]
        found = dict(qs.values_list("upn", "pk"))
    upn_rows: list[tuple[Any, ...]] = []
    for raw, value in normal.items():
        if isinstance(value, ValueError):
            upn_rows.append((raw, None, str(value)))
        elif value not in found:
            upn_rows.append((raw, None, f"no learner with UPN {value} in your records"))
        else:
            upn_rows.append((raw, found[value], None))
    _fill(cursor, "aptrack_import_upn", upn_rows)

    cal = calendars_for([setting])[setting.pk]
    today = timezone.localdate()
    day_rows: list[tuple[Any, ...]] = []
    for raw in _distinct(cursor, "day"):
        try:
            day = _parse_date(raw)
        except ValueError as exc:
            day_rows.append((raw, None, None, str(exc), None))
            continue
        if day > today:
            day_rows.append((raw, None, None, f"{day:%d %B %Y} is in the future", None))
            continue
        closed = None
        if cal is not None and not cal.is_school_day(day):
            closed = f"{day:%A %d %B %Y} is not a school day at {setting.name}"
        day_rows.append((raw, connection.ops.adapt_datefield_value(day), school_year_of(day),
                         None, closed))
    _fill(cursor, "aptrack_import_day", day_rows)

    session_rows: list[tuple[Any, ...]] = []
    for raw in _distinct(cursor, "session"):
        session = raw.strip().upper()
        if session in SESSIONS:
            session_rows.append((raw, session, None))
        else:
            session_rows.append((raw, None, f"{raw.strip()!r} is not a session: use AM or PM"))
    _fill(cursor, "aptrack_import_session", session_rows)

    code_rows: list[tuple[Any, ...]] = []
    for raw in _distinct(cursor, "code"):
        supplied = raw.strip()
        try:
            if not supplied:
                raise ValueError("a code is required")
            code, review = rules_attendance.code_for_import(supplied)
        except ValueError as exc:
            code_rows.append((raw, None, None, None, False, str(exc)))
            continue
        normalised = rules_attendance.normalise(supplied)
        code_rows.append((raw, code, rules_attendance.CATEGORY[code],
                          normalised if normalised != code else "", review, None))
    _fill(cursor, "aptrack_import_code", code_rows)
    return cal


_JOINS = (f"FROM {STAGE} s "
          "JOIN aptrack_import_upn u ON u.raw = s.upn "
          "JOIN aptrack_import_day d ON d.raw = s.day "
          "JOIN aptrack_import_session se ON se.raw = s.session "
          "JOIN aptrack_import_code c ON c.raw = s.code ")
_FIELDS_OK = ("u.problem IS NULL AND d.problem IS NULL AND se.problem IS NULL "
              "AND c.problem IS NULL")

def _enrolled(alias: str) -> str:
    """SQL: the learner of row ``alias`` was enrolled at the setting (``%(setting)s``)."""
    return (f"EXISTS (SELECT 1 FROM {_q(Enrolment)} e WHERE e.learner_id = {alias}.learner_id "
            f"AND e.establishment_id = %(setting)s AND e.start_date <= {alias}.day "
            f"AND (e.end_date IS NULL OR e.end_date >= {alias}.day))")


def _check(cursor: Any, *, setting: Establishment, actor: Any) -> list[str]:
    """Every problem of the file as ``line N: COLUMN: reason``, in line order.

    Leaves in ``aptrack_import_rows`` the rows whose cells all read well, typed, each with the
    placement that covers its day; when there is no problem, one row per session.
    """
    cal = _answer_each_value(cursor, setting=setting, actor=actor)
    params = {"setting": setting.pk}
    found: list[tuple[int, int, str]] = []  # (line, order within the line, text)
    cursor.execute(
        "SELECT s.line, u.problem, d.problem, se.problem, c.problem "
        f"{_JOINS} WHERE NOT ({_FIELDS_OK})")
    for line, upn, day, session, code in cursor.fetchall():
        if upn is not None:  # a row with a bad UPN is checked no further
            found.append((line, 0, f"line {line}: upn: {upn}"))
            continue
        for order, (column, problem) in enumerate((("date", day), ("session", session),
                                                   ("code", code)), start=1):
            if problem is not None:
                found.append((line, order, f"line {line}: {column}: {problem}"))
    _temporary(
        cursor, ROWS,
        f"AS SELECT s.line, u.learner_id, d.day, "
        "d.school_year, d.closed, se.session, c.code, c.category, c.supplied, c.review, "
        f"s.reason, p.id AS placement_id {_JOINS} "
        f"LEFT JOIN {_q(Placement)} p ON p.learner_id = u.learner_id "
        "AND p.provider_id = %(setting)s AND p.status IN ('active', 'ended') "
        "AND p.start_date <= d.day AND (p.end_date IS NULL OR p.end_date >= d.day) "
        f"WHERE {_FIELDS_OK}".replace("%(setting)s", str(int(setting.pk))))
    _analyze(cursor, ROWS)
    # The checks of a row whose every cell reads well, in the row-by-row path's order.
    refused = None
    if not may_mark(actor, setting):
        refused = f"you cannot record marks for {setting.name}: only its own staff can"
    elif cal is None:
        refused = f"{setting.name} has no school calendar, so no school days"
    if refused is not None:
        cursor.execute(f"SELECT line FROM {ROWS}")
        found.extend((line, 4, f"line {line}: setting: {refused}")
                     for (line,) in cursor.fetchall())
        found.sort()
        return [text for _, _, text in found]
    cursor.execute(f"SELECT line, closed FROM {ROWS} WHERE closed IS NOT NULL")
    found.extend((line, 4, f"line {line}: date: {closed}") for line, closed in cursor.fetchall())
    cursor.execute(f"SELECT r.line, r.learner_id, r.day FROM {ROWS} r "
                   "WHERE r.closed IS NULL AND r.placement_id IS NULL "
                   f"AND NOT {_enrolled('r')}", params)
    uncovered = cursor.fetchall()
    if uncovered:
        names = {x.pk: x.full_name for x in Learner.objects.filter(
            pk__in={row[1] for row in uncovered})}
        for line, learner_id, day in uncovered:
            found.append((line, 4, f"line {line}: date: {names[learner_id]} had no placement "
                          f"or enrolment at {setting.name} on {_as_date(day):%d %B %Y}"))
    cursor.execute(f"SELECT 1 FROM {ROWS} WHERE closed IS NULL "
                   "GROUP BY learner_id, day, session HAVING count(*) > 1 LIMIT 1")
    if cursor.fetchone() is not None:
        # A session given twice: the row-by-row path keeps the first row that passes every
        # check and reports a later one with another code; the same code twice is one mark.
        cursor.execute(
            "SELECT line, first_line FROM (SELECT r.line, r.code, "
            "first_value(r.line) OVER w AS first_line, first_value(r.code) OVER w AS first_code "
            f"FROM {ROWS} r WHERE r.closed IS NULL AND (r.placement_id IS NOT NULL "
            f"OR {_enrolled('r')}) WINDOW w AS (PARTITION BY r.learner_id, r.day, r.session "
            "ORDER BY r.line)) x WHERE code <> first_code", params)
        found.extend((line, 4, f"line {line}: session: line {first} gives the same learner, "
                      "date and session another code") for line, first in cursor.fetchall())
        if not found:
            cursor.execute(f"DELETE FROM {ROWS} WHERE line NOT IN (SELECT min(line) "
                           f"FROM {ROWS} GROUP BY learner_id, day, session)")
    found.sort()
    return [text for _, _, text in found]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _withdrawn(cursor: Any) -> dict[str, int]:
    cursor.execute(f"SELECT code, count(*) FROM {STAGE} GROUP BY code")
    out: Counter[str] = Counter()
    for raw, n in cursor.fetchall():
        upper = raw.strip().upper()
        if upper in rules_attendance.WITHDRAWN:
            out[upper] += n
    return dict(out)


# ---- writing --------------------------------------------------------------------------------
def _write(cursor: Any, *, name: str, setting: Establishment, actor: Any, result: RecordResult,
           staged: _Staged, progress: Any) -> None:
    """Write the checked rows: keep or amend marks already there, insert the others."""
    user = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    params: dict[str, Any] = {"setting": setting.pk}
    marks_table = _q(AttendanceMark)
    # The marks already held by the file's sessions, at any setting: their counts are read
    # before and after the write; those of this setting are kept or amended.
    cursor.execute(f"SELECT min(day), max(day) FROM {ROWS}")
    low, high = cursor.fetchone()
    mine = ("m.learner_id IN (SELECT learner_id FROM aptrack_import_upn WHERE learner_id IS NOT "
            "NULL) AND m.date >= %(low)s AND m.date <= %(high)s")
    # Most bulk loads are of sessions nobody has marked: one look along the learners' index
    # says so, without joining the file's rows to the marks.
    # Written from the learners, one index probe each (a planner left to itself once scanned
    # every mark against every learner here: 35 s at 1,000,000 marks).
    probe = (f"SELECT 1 FROM {marks_table} m WHERE m.learner_id = u.learner_id "
             "AND m.date >= %(low)s AND m.date <= %(high)s LIMIT 1")
    if connection.vendor == "postgresql":
        cursor.execute("SELECT 1 FROM aptrack_import_upn u CROSS JOIN LATERAL "
                       f"({probe}) x WHERE u.learner_id IS NOT NULL LIMIT 1",
                       {"low": low, "high": high})
    else:
        cursor.execute("SELECT 1 FROM aptrack_import_upn u WHERE u.learner_id IS NOT NULL "
                       f"AND EXISTS ({probe}) LIMIT 1", {"low": low, "high": high})
    if cursor.fetchone() is not None:
        _find_held(cursor, marks_table, mine, low, high)
    cursor.execute(f"SELECT DISTINCT learner_id, day, session FROM {HELD}")
    held = {(learner_id, _as_date(day), session)
            for learner_id, day, session in cursor.fetchall()}
    before = counts.counted(held) if held else Counter()
    if held:
        _keep_or_amend(cursor, name=name, user=user, now=now, result=result, params=params)
    _insert_and_follow(cursor, setting=setting, user=user, now=now, actor=actor, result=result,
                       staged=staged, progress=progress, params=params, held=held,
                       before=before)


def _find_held(cursor: Any, marks_table: str, mine: str, low: Any, high: Any) -> None:
    cursor.execute(
        f"INSERT INTO {HELD} (learner_id, day, session, setting_id, mark_id) "
        f"SELECT m.learner_id, m.date, m.session, m.setting_id, m.id FROM {marks_table} m "
        f"WHERE {mine} AND EXISTS (SELECT 1 FROM {ROWS} r WHERE r.learner_id = m.learner_id "
        "AND r.day = m.date AND r.session = m.session)", {"low": low, "high": high})
    _analyze(cursor, HELD)


def _insert_and_follow(cursor: Any, *, setting: Establishment, user: Any, now: Any, actor: Any,
                       result: RecordResult, staged: _Staged, progress: Any,
                       params: dict[str, Any], held: set[tuple[int, date, str]],
                       before: Counter[tuple[int, int, str]]) -> None:
    """Insert the new marks, then their home-school marks, alerts, counts and audit."""
    marks_table = _q(AttendanceMark)
    total = staged.rows
    cursor.execute(f"SELECT count(*), min(line), max(line) FROM {ROWS}")
    fresh, first, last = cursor.fetchone()
    if fresh > SLICE:
        cursor.execute(f"CREATE INDEX {ROWS}_line ON {ROWS} (line)")
    insert = (
        f"INSERT INTO {marks_table} (learner_id, setting_id, date, session, code, "
        "category, at_school, placement_id, source, supplied_code, needs_review, "
        "recorded_by_id, recorded_at, version) "
        "SELECT learner_id, %(setting)s, day, session, code, category, %(at_school)s, "
        "placement_id, %(source)s, supplied, review, %(user)s, %(now)s, 1 "
        f"FROM {ROWS} WHERE line >= %(low)s AND line <= %(high)s")
    values = {**params, "at_school": setting.is_school, "source": Source.IMPORT,
              "user": getattr(user, "pk", None),
              "now": connection.ops.adapt_datetimefield_value(now)}
    done = result.amended + result.unchanged
    start = first or 0
    while fresh and start <= last:
        try:
            with transaction.atomic():
                cursor.execute(insert, {**values, "low": start, "high": start + SLICE - 1})
        except IntegrityError:
            # Someone recorded one of these sessions between our read and our write.
            from .imports import ImportFailed

            raise ImportFailed([f"line {staged.first_line}: session: another person recorded "
                                "some of these sessions at the same moment: reload the "
                                "register and check their marks before saving again"]) from None
        done += max(cursor.rowcount, 0)
        start += SLICE
        if progress:
            progress(min(done, total), total)
    result.created += fresh
    if fresh:
        result.by_setting[setting.pk] += fresh
    cursor.execute(f"SELECT count(*) FROM {ROWS} WHERE review")
    result.needs_review += cursor.fetchone()[0]
    # The marks of placements go on as the register's do: home-school marks and alerts.
    cursor.execute(f"SELECT learner_id, day, session, code, category, placement_id "
                   f"FROM {ROWS} WHERE placement_id IS NOT NULL ORDER BY line")
    placed = cursor.fetchall()
    by_id = Placement.objects.in_bulk({row[5] for row in placed})
    new = [AttendanceMark(learner_id=learner_id, setting_id=setting.pk, date=_as_date(day),
                          session=session, code=code, category=category,
                          at_school=setting.is_school, placement=by_id[placement_id],
                          source=Source.IMPORT, recorded_by=user)
           for learner_id, day, session, code, category, placement_id in placed]
    result.marks.extend(new)
    _derive_home_marks(result.marks, user=user, result=result)
    _raise_absence_alerts(result.marks, today=timezone.localdate(), result=result)
    # Counts: a session that held no mark and gets one new mark with no placement (so no
    # derived mark) counts that mark, added here in one statement; the others are read again.
    counts.recount(before, held | {(m.learner_id, m.date, m.session) for m in new})
    count_table = _q(AttendanceCount)
    cursor.execute(
        f"INSERT INTO {count_table} (learner_id, school_year, category, sessions) "
        f"SELECT r.learner_id, r.school_year, r.category, count(*) FROM {ROWS} r "
        "WHERE r.placement_id IS NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{HELD} h WHERE h.learner_id = r.learner_id AND h.day = r.day "
        "AND h.session = r.session) GROUP BY r.learner_id, r.school_year, r.category "
        "ON CONFLICT (learner_id, school_year, category) "
        f"DO UPDATE SET sessions = {count_table}.sessions + excluded.sessions")
    for setting_id, count in sorted(result.by_setting.items()):
        audit.record(actor=actor, action="attendance.record", object_type="establishment",
                     object_id=str(setting_id), changes={"source": Source.IMPORT,
                                                         "marks": count, **result.as_dict()})


def _keep_or_amend(cursor: Any, *, name: str, user: Any, now: Any, result: RecordResult,
                   params: dict[str, Any]) -> None:
    """Rows for sessions this setting has already marked: unchanged, or amendments. They
    leave the rows to insert."""
    cursor.execute(
        f"SELECT r.line, h.mark_id, r.code, r.supplied, r.review, r.reason "
        f"FROM {ROWS} r JOIN {HELD} h ON h.learner_id = r.learner_id AND h.day = r.day "
        "AND h.session = r.session AND h.setting_id = %(setting)s ORDER BY r.line", params)
    rows = cursor.fetchall()
    if not rows:
        return
    cursor.execute(f"DELETE FROM {ROWS} WHERE EXISTS (SELECT 1 FROM {HELD} h "
                   f"WHERE h.learner_id = {ROWS}.learner_id AND h.day = {ROWS}.day "
                   f"AND h.session = {ROWS}.session AND h.setting_id = %(setting)s)", params)
    marks = AttendanceMark.objects.select_for_update().in_bulk({row[1] for row in rows})
    default = f"Corrected by the import of {name}"
    for _, mark_id, code, supplied, review, reason in rows:
        mark = marks[mark_id]
        if mark.code == code:
            result.unchanged += 1
            continue
        _amend(mark, code=code, source=Source.IMPORT, user=user, now=now,
               reason=(reason or "").strip() or default, review=bool(review),
               supplied=supplied or code)
        result.amended += 1
        result.needs_review += int(bool(review))
        result.marks.append(mark)
        result.by_setting[mark.setting_id] += 1
