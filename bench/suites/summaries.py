"""Attendance summaries (issue 3 "Performance", issue 10 parts 2 and 3).

* ``la_year_summary``: ``aptrack.attendance.selectors.summaries_by_learner`` over one LA's marks
  (the LA officer's scope) for the last complete school year. Baseline: DuckDB computing the same
  per-learner summaries (the same "counted marks" rule) over the same rows exported from the
  database; the two results are checked equal. Target: under 1 s on PostgreSQL over at least
  5,000,000 marks in the database, within 3x of DuckDB.
* ``la_year_summary_from_counts``: the design proposed in docs/decisions/0007-scale.md: per
  learner, school year and category counts kept up to date by the attendance service; the same
  LA summary read from that table (built here in the bench database), checked equal.
* ``year_summary_all_marks``: the summary of every counted mark in the year (the "national
  attendance summary" at national scale; target under 5 s), against DuckDB.

Query plans (EXPLAIN ANALYZE on PostgreSQL) go to bench/results/explain/summaries.md.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.suites._common import explain, explain_queryset, figure, plan_summary, timed


def run(ctx: Any) -> list[dict[str, Any]]:
    plans = ctx.explain_dir / "summaries.md"
    plans.write_text("# Attendance summary query plans\n\n")
    return summaries(ctx, plans)


# ---- summaries ----------------------------------------------------------------------------
def _export(qs: Any) -> Any:
    """The rows DuckDB needs, fetched from the database (not timed)."""
    import pandas as pd
    from django.db.models import BooleanField, Case, Value, When

    from aptrack.directory.choices import SCHOOL_KINDS

    rows = qs.annotate(is_school=Case(When(setting__kind__in=SCHOOL_KINDS, then=Value(True)),
                                      default=Value(False), output_field=BooleanField())
                       ).values_list("learner_id", "date", "session", "category", "is_school")
    cols: dict[str, list[Any]] = {"learner_id": [], "day": [], "session": [], "category": [],
                                  "is_school": []}
    for learner_id, day, session, category, is_school in rows.iterator(chunk_size=20_000):
        cols["learner_id"].append(learner_id)
        cols["day"].append(day.toordinal())
        cols["session"].append(session)
        cols["category"].append(category)
        cols["is_school"].append(bool(is_school))
    return pd.DataFrame(cols)


COUNTED = """
    SELECT m.learner_id, m.category FROM marks m
    WHERE m.is_school OR NOT EXISTS (
        SELECT 1 FROM marks s WHERE s.is_school AND s.learner_id = m.learner_id
        AND s.day = m.day AND s.session = m.session)
"""


def _summaries(rows: Any) -> dict[int, Any]:
    from collections import defaultdict

    from aptrack.attendance.selectors import _summary_of

    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for learner_id, category, n in rows:
        counts[int(learner_id)][category] = int(n)
    return {lid: _summary_of(c) for lid, c in counts.items()}


def _median(fn: Any, repeats: int = 3) -> tuple[float, Any]:
    """The median of ``repeats`` runs after one that warms the caches (one run when slow)."""
    warm, _ = timed(fn)
    runs = [timed(fn) for _ in range(repeats if warm < 2 else 1)]
    return statistics.median(r[0] for r in runs), runs[-1][1]


def summaries(ctx: Any, plans: Any) -> list[dict[str, Any]]:
    import duckdb
    from django.db.models import Count

    from aptrack.accounts.models import User
    from aptrack.attendance.models import AttendanceMark
    from aptrack.attendance.selectors import counted_marks, school_year_bounds, summaries_by_learner
    from aptrack.rules.calendar import school_year_of

    officer = User.objects.get(username=f"la{ctx.la_code}.officer")
    year = school_year_of(ctx.today) - 1
    start, end = school_year_bounds(year)
    la_marks = AttendanceMark.objects.for_user(officer).filter(date__range=(start, end))
    all_marks = AttendanceMark.objects.filter(date__range=(start, end))
    total = ctx.rows.get("attendance.AttendanceMark", 0)

    django_s, django_result = _median(lambda: summaries_by_learner(la_marks))
    la_rows = _export(la_marks)
    con = duckdb.connect()
    con.register("la_df", la_rows)
    con.execute("CREATE TABLE marks AS SELECT * FROM la_df")
    duck_s, duck_result = _median(lambda: _summaries(
        con.execute(COUNTED.replace("SELECT m.learner_id, m.category", "SELECT m.learner_id, "
                                    "m.category, count(*)") + " GROUP BY 1, 2").fetchall()))
    if django_result != duck_result:
        raise AssertionError("summaries_by_learner and DuckDB disagree on the LA's summaries")
    grouped = counted_marks(la_marks).values_list("learner_id", "category").annotate(
        n=Count("pk")).order_by()
    plan = explain_queryset(grouped, plans, f"One LA's per-learner summaries, {year}/"
                                            f"{year + 1} (summaries_by_learner)")
    out = [figure("la_year_summary", django_s, duck_s, "s",
                  f"{len(la_rows):,} marks of {len(django_result):,} learners in LA "
                  f"{ctx.la_code}'s scope, school year {year}/{str(year + 1)[2:]}, {total:,} "
                  f"marks in the database; baseline: DuckDB over the same rows; results equal; "
                  f"{plan_summary(plan)}; targets < 1 s, <= 3x DuckDB")]
    if ctx.vendor == "postgresql":
        out.append(_without_jit(la_marks, grouped, duck_s, django_result, plans))

    # The proposed design: counts per learner, school year and category, kept by the service.
    everyone = summaries_by_learner(all_marks)
    counts_s, counts_result, counts_plan = _from_counts_table(officer, year, everyone, plans)
    if counts_result != django_result:
        raise AssertionError("the counts table disagrees with summaries_by_learner")
    out.append(figure("la_year_summary_from_counts", counts_s, duck_s, "s",
                      "the same summaries read from a per-learner/year/category counts table "
                      f"({len(everyone):,} learners) as proposed in "
                      "docs/decisions/0007-scale.md; results "
                      f"equal; {plan_summary(counts_plan)}; baseline: DuckDB as above"))

    def overall() -> dict[str, int]:
        return dict(counted_marks(all_marks).values_list("category").annotate(
            n=Count("pk")).order_by())

    all_s, all_result = _median(overall, repeats=1 if ctx.scale == "national" else 3)
    plan = explain_queryset(counted_marks(all_marks).values_list("category").annotate(
        n=Count("pk")).order_by(), plans, f"Every counted mark of {year}/{year + 1} by category")
    all_rows = la_rows if ctx.scale == "la" and not ctx.tiny else _export(all_marks)
    con.register("all_df", all_rows)
    con.execute("CREATE OR REPLACE TABLE marks AS SELECT * FROM all_df")
    duck_all_s, duck_all = _median(lambda: dict(con.execute(
        "SELECT category, count(*) FROM (" + COUNTED + ") GROUP BY 1").fetchall()),  # noqa: S608
        repeats=1 if ctx.scale == "national" else 3)
    if {k: v for k, v in all_result.items()} != {k: int(v) for k, v in duck_all.items()}:
        raise AssertionError("the year's summary disagrees with DuckDB")
    out.append(figure("year_summary_all_marks", all_s, duck_all_s, "s",
                      f"every counted mark of the year by category ({len(all_rows):,} marks); "
                      f"baseline: DuckDB over the same rows; results equal; "
                      f"{plan_summary(plan)}; target < 5 s at national scale"))
    con.close()
    return out


def _without_jit(la_marks: Any, grouped: Any, duck_s: float, expected: dict[int, Any],
                 plans: Any) -> dict[str, Any]:
    """The same LA summary with PostgreSQL's JIT compilation off for the session: the summary
    query's cost estimate passes jit_above_cost, and compiling it takes seconds."""
    from django.db import connection

    from aptrack.attendance.selectors import summaries_by_learner

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        seconds, result = _median(lambda: summaries_by_learner(la_marks))
        plan = explain_queryset(grouped, plans, "One LA's per-learner summaries, jit = off")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    if result != expected:
        raise AssertionError("summaries_by_learner changed with jit = off")
    return figure("la_year_summary_jit_off", seconds, duck_s, "s",
                  f"la_year_summary with SET jit = off (proposed for the application's "
                  f"connections); results equal; {plan_summary(plan)}; baseline: DuckDB")


def _from_counts_table(officer: Any, year: int, everyone: dict[int, Any],
                       plans: Any) -> tuple[float, dict[int, Any], str]:
    from django.db import connection, transaction

    from aptrack.accounts.scopes import learner_ids
    from aptrack.rules import attendance as rules_attendance

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_learner_year_counts")
        cursor.execute("CREATE TABLE bench_learner_year_counts (learner_id bigint NOT NULL, "
                       "school_year integer NOT NULL, category varchar(20) NOT NULL, "
                       "n integer NOT NULL, PRIMARY KEY (learner_id, school_year, category))")
        rows = [(lid, year, c, getattr(s, c)) for lid, s in everyone.items()
                for c in rules_attendance.CATEGORIES if getattr(s, c)]
        with transaction.atomic():
            cursor.executemany("INSERT INTO bench_learner_year_counts VALUES (%s, %s, %s, %s)",
                               rows)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE bench_learner_year_counts")
    scope_sql, scope_params = learner_ids(officer).query.sql_with_params()
    sql = ("SELECT learner_id, category, n FROM bench_learner_year_counts "  # noqa: S608
           f"WHERE school_year = %s AND learner_id IN ({scope_sql})")
    params = (year, *scope_params)

    def read() -> dict[int, Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return _summaries(cursor.fetchall())

    seconds, result = _median(read)
    plan = explain(sql, params, plans, "One LA's summaries from the proposed counts table")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_learner_year_counts")
    return seconds, result, plan
