"""Helpers shared by the suites: figures, percentiles, query plans (not a suite itself)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def significant(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def figure(name: str, value: float, baseline: float | None, unit: str, notes: str,
           digits: int = 4) -> dict[str, Any]:
    """One figure, rounded to ``digits`` significant digits; the ratio is value / baseline."""
    ratio = significant(value / baseline, 3) if baseline else None
    return {"name": name, "value": significant(value, digits),
            "baseline": significant(baseline, digits) if baseline is not None else None,
            "ratio": ratio, "unit": unit, "notes": notes}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def percentile(samples: list[float], p: int) -> float:
    """The p-th percentile (inclusive method, as most load tools report it)."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def explain(sql: str, params: Any, path: Path, title: str) -> str:
    """Run EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) and keep it in ``path``."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    with path.open("a") as out:
        out.write(f"## {title}\n\n```sql\n{sql}\n```\n\n```\n{plan}\n```\n\n")
    return plan


def explain_queryset(qs: Any, path: Path, title: str) -> str:
    sql, params = qs.query.sql_with_params()
    return explain(sql, params, path, title)


def plan_summary(plan: str) -> str:
    """The execution time line of a PostgreSQL plan, or the plan's first line."""
    for line in plan.splitlines():
        if line.strip().startswith("Execution Time"):
            return line.strip()
    return plan.splitlines()[0] if plan else ""
