"""Attendance import (issue 3 "Performance", issue 10 part 3); the summaries are in
bench/suites/summaries.py.

* ``attendance_import``: ``aptrack.attendance.imports.import_marks`` (the real service behind
  ``aptrack import_attendance`` and the upload page: parse, validate every row, write, audit,
  commit) loading N marks of one school year for a PRU's learners. Baseline: the same rows
  bulk-loaded into a bare table (no index, no constraint) in the same run: COPY on PostgreSQL
  (psycopg 3 ``cursor.copy``), ``executemany`` on SQLite. Both timings include the commit.
  Issue 3's target: at most 2x the baseline at N = 1,000,000 on PostgreSQL; issue 10's:
  at least 50,000 marks/s.
* ``attendance_import_rows``: the same file through the row-by-row path (``method="rows"``),
  the reference the import is tested against; ``attendance_import_vs_rows`` the two compared.
* ``attendance_copy_indexed_twin`` (PostgreSQL): the same COPY into a copy of the marks table
  with all its indexes and checks (no foreign keys): what the index set costs.
* ``attendance_copy_constrained_twin`` (PostgreSQL): the same, with the marks table's foreign
  keys too (Django declares them deferred: checked row by row at commit). Any import that keeps
  the database's integrity pays at least this; ``attendance_import_vs_constrained_copy`` is
  what the import adds to it.
* ``attendance_set_based_floor`` (PostgreSQL): the least any set-based import could do: COPY
  the file as it is into a temporary table, then one ``INSERT ... SELECT`` that looks up each
  UPN and each code's category into the constrained copy, validating nothing else.
"""

from __future__ import annotations

import io
import math
import random
from datetime import date
from typing import Any

from bench.suites._common import figure, timed

SIZES = {"la": 100_000, "region": 300_000, "national": 1_000_000}
TINY = 2_000
IMPORT_ESTAB = "1900"


def run(ctx: Any) -> list[dict[str, Any]]:
    return import_vs_bulk_load(ctx)


# ---- import -------------------------------------------------------------------------------
def _import_fixture(ctx: Any, n: int) -> tuple[Any, bytes, list[tuple[Any, ...]], list[int]]:
    """A PRU with enough enrolled learners for n marks in the last complete school year."""
    from django.utils import timezone

    from aptrack.directory.models import Establishment, LocalAuthority
    from aptrack.learners.models import Enrolment, Learner
    from aptrack.rules import attendance as rules_attendance
    from aptrack.rules import upn as rules_upn
    from aptrack.rules.calendar import school_year_of

    la = LocalAuthority.objects.get(code=ctx.la_code)
    cal = la.default_calendar().rules
    year = school_year_of(ctx.today) - 1
    days = cal.school_days(date(year, 9, 1), date(year + 1, 8, 31))
    count = math.ceil(n / (2 * len(days)))
    pru = Establishment.objects.create(
        name="Bench import PRU (synthetic)", kind="pru", la=la, estab_number=IMPORT_ESTAB,
        registration_status="registered_school", phase="secondary")
    learners = Learner.objects.bulk_create([
        Learner(upn=rules_upn.make(la.code, IMPORT_ESTAB, 10 + i // 1000, i % 1000),
                given_name="Bench", family_name=f"Learner {i}", date_of_birth=date(2011, 1, 1),
                sex="F", home_la=la) for i in range(count)])
    Enrolment.objects.bulk_create([Enrolment(learner=x, establishment=pru, status="C",
                                             start_date=date(year, 9, 1)) for x in learners])
    rng = random.Random(ctx.seed)  # noqa: S311 - synthetic data
    now = timezone.now()
    lines = ["upn,date,session,code"]
    rows: list[tuple[Any, ...]] = []
    for learner in learners:
        for day in days:
            for session in ("AM", "PM"):
                if len(rows) == n:
                    break
                r = rng.random()
                code = ("I" if r < 0.04 else "O" if r < 0.07 else "M" if r < 0.08 else
                        "L" if r < 0.10 else "/" if session == "AM" else "\\")
                lines.append(f"{learner.upn},{day.isoformat()},{session},{code}")
                rows.append((learner.pk, pru.pk, day, session, code,
                             rules_attendance.CATEGORY[code], "import", False, 1, "", True,
                             now))
    return pru, ("\n".join(lines) + "\n").encode(), rows, [x.pk for x in learners]


def _kept_counts(learners: list[int]) -> list[tuple[Any, ...]]:
    from aptrack.attendance.models import AttendanceCount

    return sorted(AttendanceCount.objects.filter(learner_id__in=learners).exclude(sessions=0)
                  .values_list("learner_id", "school_year", "category", "sessions"))


def _forget_marks(learners: list[int]) -> None:
    """Remove the imported marks and their counts (not a user action: the bench's own data)."""
    from aptrack.attendance.models import AttendanceCount, AttendanceMark

    marks = AttendanceMark.objects.filter(learner_id__in=learners)
    marks._raw_delete(marks.db)  # no amendments or alerts point at them; the ORM's is minutes
    AttendanceCount.objects.filter(learner_id__in=learners).delete()


def _bulk_load(rows: list[tuple[Any, ...]], table: str) -> float:
    from django.db import connection, transaction

    columns = ("learner_id", "setting_id", "date", "session", "code", "category", "source",
               "needs_review", "version", "supplied_code", "at_school", "recorded_at")
    names = ", ".join(columns)

    def load() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                at = connection.ops.adapt_datetimefield_value(rows[0][-1]) if rows else None
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                                   [(*r[:2], r[2].isoformat(), *r[3:-1], at) for r in rows])

    seconds, _ = timed(load)
    return seconds


def _set_based_floor(data: bytes, pru_id: int) -> float:
    """COPY the raw CSV into a temporary table, then INSERT ... SELECT into the constrained
    twin."""
    from django.db import connection, transaction

    from aptrack.rules import attendance as rules_attendance

    categories = ", ".join(f"('{code}', '{category}')"
                           for code, category in rules_attendance.CATEGORY.items()
                           if "'" not in code)

    def load() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_raw (upn text, date text, "
                           "session text, code text) ON COMMIT DROP")
            with cursor.cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write(data)
            cursor.execute(
                "INSERT INTO bench_constrained_marks (learner_id, setting_id, date, session, code, "  # noqa: S608
                "category, source, needs_review, version, supplied_code, at_school, recorded_at) "
                "SELECT l.id, %s, r.date::date, r.session, r.code, c.category, 'import', false, "
                "1, '', true, now() FROM bench_raw r "
                "JOIN learners_learner l ON l.upn = r.upn "
                f"JOIN (VALUES {categories}) AS c (code, category) ON c.code = r.code",
                [pru_id])

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_constrained_marks")
    seconds, _ = timed(load)
    return seconds


def _create_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_bare_marks (LIKE attendance_attendancemark "
                           "INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cursor.execute("CREATE TABLE bench_indexed_marks (LIKE attendance_attendancemark "
                           "INCLUDING ALL)")
            # The same with the marks table's foreign keys (deferred to commit, as Django
            # declares them): what the database itself must do for any import that keeps them.
            cursor.execute("CREATE TABLE bench_constrained_marks (LIKE attendance_attendancemark "
                           "INCLUDING ALL)")
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                           "'attendance_attendancemark'::regclass AND contype = 'f'")
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE bench_constrained_marks ADD {definition}")
        else:
            cursor.execute("CREATE TABLE bench_bare_marks AS SELECT * FROM "
                           "attendance_attendancemark WHERE 0")


def _drop_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_marks")
        cursor.execute("DROP TABLE IF EXISTS bench_indexed_marks")
        cursor.execute("DROP TABLE IF EXISTS bench_constrained_marks")


def import_vs_bulk_load(ctx: Any) -> list[dict[str, Any]]:
    from aptrack.attendance.imports import import_marks
    from aptrack.learners.models import Enrolment, Learner

    n = ctx.import_rows or (TINY if ctx.tiny else SIZES[ctx.scale])
    pru, data, rows, learners = _import_fixture(ctx, n)
    _create_tables()
    try:
        print(f"   importing {n:,} marks ...", flush=True)
        seconds, report = timed(lambda: import_marks("bench.csv", io.BytesIO(data), setting=pru,
                                                     actor=None))
        print(f"   imported in {seconds:.1f} s", flush=True)
        if report.result.created != n:
            raise AssertionError(f"the import created {report.result.created} marks, not {n}")
        kept = _kept_counts(learners)
        _forget_marks(learners)
        # The same file through the row-by-row path, the reference the import is tested against.
        rows_seconds, rows_report = timed(lambda: import_marks(
            "bench.csv", io.BytesIO(data), setting=pru, actor=None, method="rows"))
        print(f"   row by row in {rows_seconds:.1f} s", flush=True)
        if rows_report.result.created != n or _kept_counts(learners) != kept:
            raise AssertionError("the row-by-row import did not give the same marks and counts")
        bare = _bulk_load(rows, "bench_bare_marks")
        indexed = floor = constrained = None
        if ctx.vendor == "postgresql":
            indexed = _bulk_load(rows, "bench_indexed_marks")
            constrained = _bulk_load(rows, "bench_constrained_marks")
            floor = _set_based_floor(data, pru.pk)
    finally:
        _drop_tables()
        _forget_marks(learners)
        Enrolment.objects.filter(establishment=pru).delete()
        Learner.objects.filter(pk__in=learners).delete()
        pru.delete()
    how = "COPY" if ctx.vendor == "postgresql" else "executemany"
    total = ctx.rows.get("attendance.AttendanceMark", 0)
    note = (f"{n:,} marks of {len(learners):,} learners at one PRU, {len(data) // 1024:,} KiB CSV, "
            f"into a table already holding {total:,}")
    out = [
        figure("attendance_import", seconds, bare, "s",
               f"{note}; baseline: {how} of the same rows into a bare table; target <= 2x "
               "at 1,000,000 on PostgreSQL"),
        figure("attendance_import_throughput", n / seconds, n / bare, "marks/s",
               f"import rate vs raw {how} rate; target >= 50,000 marks/s"),
    ]
    out.append(figure("attendance_import_rows", rows_seconds, bare, "s",
                      "the same file through the row-by-row path (imports method='rows', the "
                      f"reference); baseline: {how} of the same rows into a bare table"))
    out.append(figure("attendance_import_vs_rows", seconds, rows_seconds, "s",
                      "the import against the row-by-row path on the same file"))
    if indexed is not None:
        out.append(figure("attendance_copy_indexed_twin", indexed, bare, "s",
                          "COPY into a copy of the marks table with all its indexes and checks "
                          "(no foreign keys); baseline: COPY into the bare table"))
    if constrained is not None:
        out.append(figure("attendance_copy_constrained_twin", constrained, bare, "s",
                          "COPY into a copy of the marks table with its indexes, checks and "
                          "foreign keys (checked at commit), the commit included; baseline: "
                          "COPY into the bare table"))
        out.append(figure("attendance_import_vs_constrained_copy", seconds, constrained, "s",
                          "the import against a COPY of its ready rows into the marks table's "
                          "constrained copy: what the import adds to what the database must do"))
    if floor is not None:
        out.append(figure("attendance_set_based_floor", floor, bare, "s",
                          "the raw file COPYed into a temporary table, then one INSERT ... "
                          "SELECT (UPN and category lookups, no other validation) into the "
                          "constrained copy: the least a set-based import could do; baseline: "
                          "COPY into the bare table"))
    return out
