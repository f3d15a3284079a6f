"""Attendance summaries (issue 3 "Performance", issue 10 parts 2 and 3).

* ``la_year_summary``: ``aptrack.attendance.selectors.year_summaries`` for one LA (the LA
  officer's scope), last complete school year, read from the counts the attendance service keeps
  per learner, year and category (attendance/counts.py). Baseline: DuckDB computing the same
  per-learner summaries (the same "counted marks" rule) over the LA's marks exported from the
  database; the results are checked equal. Target: under 1 s on PostgreSQL over at least
  5,000,000 marks in the database, within 3x of DuckDB.
* ``la_year_summary_from_marks``: ``summaries_by_learner`` over the same marks (the scan that
  summaries of other periods still do), checked equal.
* ``year_summary_all_marks``: every counted session of the year by category from the kept
  counts (the "national attendance summary" at national scale; target under 5 s), against
  DuckDB over every mark; ``year_summary_all_marks_from_marks``: the same from the marks.

Query plans (EXPLAIN ANALYZE on PostgreSQL) go to bench/results/explain/summaries.md.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.suites._common import explain_queryset, figure, plan_summary, timed


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
    from django.db.models import Count, Sum

    from aptrack.accounts.models import User
    from aptrack.accounts.scopes import learner_ids
    from aptrack.attendance.models import AttendanceCount, AttendanceMark
    from aptrack.attendance.selectors import (
        counted_marks,
        school_year_bounds,
        summaries_by_learner,
        year_summaries,
    )
    from aptrack.rules.calendar import school_year_of

    officer = User.objects.get(username=f"la{ctx.la_code}.officer")
    year = school_year_of(ctx.today) - 1
    start, end = school_year_bounds(year)
    la_marks = AttendanceMark.objects.for_user(officer).filter(date__range=(start, end))
    all_marks = AttendanceMark.objects.filter(date__range=(start, end))
    total = ctx.rows.get("attendance.AttendanceMark", 0)

    la_rows = _export(la_marks)
    con = duckdb.connect()
    con.register("la_df", la_rows)
    con.execute("CREATE TABLE marks AS SELECT * FROM la_df")
    duck_s, duck_result = _median(lambda: _summaries(
        con.execute(COUNTED.replace("SELECT m.learner_id, m.category", "SELECT m.learner_id, "
                                    "m.category, count(*)") + " GROUP BY 1, 2").fetchall()))

    # What the service reads: the counts kept per learner, year and category.
    kept_s, kept_result = _median(lambda: year_summaries(actor=officer, year=year))
    if kept_result != duck_result:
        raise AssertionError("year_summaries (kept counts) and DuckDB disagree on the LA")
    kept_q = AttendanceCount.objects.filter(school_year=year, sessions__gt=0,
                                            learner_id__in=learner_ids(officer)).values_list(
        "learner_id", "category", "sessions")
    plan = explain_queryset(kept_q, plans, f"One LA's per-learner summaries, {year}/"
                                           f"{year + 1} (year_summaries, kept counts)")
    out = [figure("la_year_summary", kept_s, duck_s, "s",
                  f"year_summaries over {len(kept_result):,} learners in LA {ctx.la_code}'s "
                  f"scope ({len(la_rows):,} marks), school year {year}/{str(year + 1)[2:]}, "
                  f"{total:,} marks in the database; read from the counts the attendance service "
                  f"keeps; baseline: DuckDB over the same marks; results equal; "
                  f"{plan_summary(plan)}; targets < 1 s, <= 3x DuckDB")]

    # The same from the marks themselves (what every summary over a period still does).
    scan_s, scan_result = _median(lambda: summaries_by_learner(la_marks))
    if scan_result != duck_result:
        raise AssertionError("summaries_by_learner and DuckDB disagree on the LA's summaries")
    grouped = counted_marks(la_marks).values_list("learner_id", "category").annotate(
        n=Count("pk")).order_by()
    plan = explain_queryset(grouped, plans, f"One LA's per-learner summaries from the marks, "
                                            f"{year}/{year + 1} (summaries_by_learner)")
    out.append(figure("la_year_summary_from_marks", scan_s, duck_s, "s",
                      f"summaries_by_learner over the same {len(la_rows):,} marks (the counted "
                      f"rule applied to the marks, as for any period that is not a whole "
                      f"year); results equal; {plan_summary(plan)}; baseline: DuckDB"))

    def national() -> dict[str, int]:
        return {c: int(n) for c, n in AttendanceCount.objects.filter(school_year=year)
                .values_list("category").annotate(n=Sum("sessions")).order_by() if n}

    all_s, all_result = _median(national, repeats=1 if ctx.scale == "national" else 3)
    plan = explain_queryset(AttendanceCount.objects.filter(school_year=year).values_list(
        "category").annotate(n=Sum("sessions")).order_by(), plans,
        f"Every counted session of {year}/{year + 1} by category (kept counts)")
    all_rows = la_rows if ctx.scale == "la" and not ctx.tiny else _export(all_marks)
    con.register("all_df", all_rows)
    con.execute("CREATE OR REPLACE TABLE marks AS SELECT * FROM all_df")
    duck_all_s, duck_all = _median(lambda: dict(con.execute(
        "SELECT category, count(*) FROM (" + COUNTED + ") GROUP BY 1").fetchall()),  # noqa: S608
        repeats=1 if ctx.scale == "national" else 3)
    if all_result != {k: int(v) for k, v in duck_all.items()}:
        raise AssertionError("the year's summary disagrees with DuckDB")
    out.append(figure("year_summary_all_marks", all_s, duck_all_s, "s",
                      f"every counted session of the year by category ({len(all_rows):,} "
                      f"marks) from the kept counts; baseline: DuckDB over the same marks; "
                      f"results equal; {plan_summary(plan)}; target < 5 s at national scale"))

    def overall_scan() -> dict[str, int]:
        return dict(counted_marks(all_marks).values_list("category").annotate(
            n=Count("pk")).order_by())

    scan_all_s, scan_all = _median(overall_scan, repeats=1 if ctx.scale == "national" else 3)
    if scan_all != all_result:
        raise AssertionError("the kept counts disagree with the marks over the whole year")
    out.append(figure("year_summary_all_marks_from_marks", scan_all_s, duck_all_s, "s",
                      "the same from the marks (counted rule over every mark of the year); "
                      "results equal; baseline: DuckDB"))
    con.close()
    return out
