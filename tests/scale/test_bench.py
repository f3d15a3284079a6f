"""``python -m bench.run`` end to end at the tiny scale: every suite runs and the results are
well-formed JSON and markdown. Timings are never asserted (benchmarks are not tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import run as runner

ROOT = Path(__file__).resolve().parent.parent.parent


def bench_url(tmp_path: Path) -> str:
    """A database of this test's own, on the server the suite runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlunsplit(urlsplit(url)._replace(path="/aptrack_scale_bench"))
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_the_runner_runs_every_suite_at_tiny_scale_and_writes_results(tmp_path):
    out = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--tiny", "--database-url", bench_url(tmp_path),
         "--out", str(out), "--today", "2026-11-20", "--locust-seconds", "4",
         "--repeats", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    results = json.loads((out / "latest.json").read_text())
    assert results["errors"] == []
    assert results["meta"]["scale"] == "tiny"
    assert results["meta"]["data"]["rows"]["attendance.AttendanceMark"] > 0
    figures = results["figures"]
    suites = {f["suite"] for f in figures}
    assert set(runner.discover(None)) | {"runner"} <= suites
    for f in figures:
        assert set(runner.FIGURE_KEYS) <= set(f)
        assert isinstance(f["value"], int | float)
        assert f["baseline"] is None or isinstance(f["baseline"], int | float)
        assert f["unit"]
    names = {f["name"] for f in figures}
    assert {"attendance_import", "la_year_summary", "la_dashboard_p95", "learner_page_p95",
            "register_save_p95", "load_p99", "load_throughput", "load_errors",
            "runner_peak_memory", "server_peak_memory"} <= names
    table = (out / "latest.md").read_text()
    assert "| suite | figure | value | baseline | ratio | unit | notes |" in table
    assert table.count("\n| ") >= len(figures) + 1
    assert "EXPLAIN" not in table and (out / "explain" / "summaries.md").read_text().count(
        "```sql") >= 3
    assert (out / "explain" / "pages.md").exists()


def test_the_bench_database_is_never_the_applications(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/aptrack")
    assert runner.bench_database_url(None) == "postgres://u@db.example:5432/aptrack_bench"
    monkeypatch.delenv("DATABASE_URL")
    assert runner.bench_database_url(None).startswith("sqlite:///")
    assert runner.bench_database_url(None).endswith("var/bench/bench.sqlite3")
    with pytest.raises(SystemExit):
        runner._db_name("postgres://u@h/x;drop")


def test_a_figure_without_its_keys_is_refused():
    with pytest.raises(ValueError, match="lacks"):
        runner.check_figure("x", {"name": "n", "value": 1})
    assert runner.check_figure("x", {k: 1 for k in runner.FIGURE_KEYS})["suite"] == "x"
