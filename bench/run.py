"""The benchmark runner: ``python -m bench.run --scale la`` (``make bench [SCALE=la]``).

1. Creates a fresh benchmark database: on PostgreSQL a database ``aptrack_bench`` (dropped and
   created again) on the server of ``--database-url`` / ``BENCH_DATABASE_URL`` / ``DATABASE_URL``;
   without a PostgreSQL URL, an SQLite file under ``var/bench/``.
2. Migrates it and loads ``aptrack generate`` data at the scale asked for.
3. Runs every ``bench/suites/*.py`` (``run(ctx) -> list[dict]``; a figure is
   ``{"name", "value", "baseline", "ratio", "unit", "notes"}``, the baseline measured in the
   same run) and adds the runner's own peak memory.
4. Writes ``bench/results/latest.json`` (``{"meta": {...}, "figures": [...]}``) and
   ``bench/results/latest.md`` (the table, also printed), and query plans under
   ``bench/results/explain/``; drops the benchmark database unless ``--keep``.

A suite that fails is reported in ``"errors"`` and the runner exits 1 after writing results.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import secrets
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SUITES_DIR = Path(__file__).resolve().parent / "suites"
FIGURE_KEYS = ("name", "value", "baseline", "ratio", "unit", "notes")


@dataclass
class Context:
    """What every suite gets: the scale, the database and the generated data's accounts."""

    scale: str
    database_url: str
    vendor: str
    tiny: bool
    seed: int
    today: date
    results_dir: Path
    password: str
    la_code: str = ""
    usernames: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    locust_seconds: int = 30
    repeats: int = 30
    import_rows: int | None = None

    @property
    def explain_dir(self) -> Path:
        path = self.results_dir / "explain"
        path.mkdir(parents=True, exist_ok=True)
        return path


def rss_mb(kind: str = "VmRSS", pid: str = "self") -> float:
    """Resident memory of a process in MB from /proc (VmRSS now, VmHWM its peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(kind + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_database_url(explicit: str | None) -> str:
    """The benchmark database: never the one DATABASE_URL names, a sibling ``aptrack_bench``."""
    if explicit:
        return explicit
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/aptrack_bench"))
    return f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}"


def _pg_admin(url: str, statements: list[str]) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def _db_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an unusual database name {name!r}")
    return name


def create_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = _db_name(url)
    _pg_admin(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'])


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        create_database(url)  # removes the file
        return
    from django.db import connections

    connections.close_all()
    _pg_admin(url, [f'DROP DATABASE IF EXISTS "{_db_name(url)}" WITH (FORCE)'])


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def generate(ctx: Context, scale_name: str) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from aptrack.scale.generator import Generator
    from aptrack.scale.presets import SCALES

    started = time.perf_counter()
    call_command("migrate", verbosity=0, skip_checks=True)
    migrated = time.perf_counter() - started
    report = Generator(SCALES[scale_name], seed=ctx.seed, today=ctx.today,
                       password_hash=make_password(ctx.password),
                       progress=lambda message: print(message, flush=True)).run()
    ctx.rows = report.rows
    ctx.usernames = report.usernames
    ctx.la_code = report.la_codes[0]
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"migrate_s": round(migrated, 1), "generate_s": round(report.seconds, 1),
            "rows": report.rows,
            "marks_per_s": round(report.marks / report.seconds) if report.seconds else None}


def reuse(ctx: Context) -> dict[str, Any]:
    """Take a kept database as it is: count its rows, and give the generated accounts this
    run's password (the earlier run's was never stored)."""
    from django.apps import apps
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from aptrack.accounts.models import User
    from aptrack.directory.models import LocalAuthority

    call_command("migrate", verbosity=0, skip_checks=True)
    codes = sorted(LocalAuthority.objects.values_list("code", flat=True))
    if not codes:
        raise SystemExit("--reuse: the benchmark database holds no generated data")
    ctx.la_code = codes[0]
    labels = ["directory.LocalAuthority", "directory.Establishment", "learners.Learner",
              "learners.Enrolment", "learners.Exclusion", "placements.Placement",
              "attendance.AttendanceMark", "attendance.AttendanceCount", "accounts.User"]
    ctx.rows = {label: apps.get_model(label).objects.count() for label in labels}
    users = User.objects.filter(is_superuser=False)
    ctx.usernames = sorted(users.values_list("username", flat=True))
    users.update(password=make_password(ctx.password))
    return {"reused": True, "rows": ctx.rows}


def discover(only: list[str] | None) -> list[str]:
    names = sorted(p.stem for p in SUITES_DIR.glob("*.py") if not p.stem.startswith("_"))
    return [n for n in names if not only or n in only]


def check_figure(suite: str, figure: dict[str, Any]) -> dict[str, Any]:
    missing = [k for k in FIGURE_KEYS if k not in figure]
    if missing:
        raise ValueError(f"suite {suite}: figure {figure.get('name')!r} lacks {missing}")
    return {"suite": suite, **{k: figure[k] for k in FIGURE_KEYS},
            **{k: v for k, v in figure.items() if k not in FIGURE_KEYS}}


def run_suites(ctx: Context, names: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    figures: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for name in names:
        print(f"== suite {name}", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.suites.{name}")
            for figure in module.run(ctx):
                figures.append(check_figure(name, figure))
                print(f"   {format_row(figures[-1])}", flush=True)
        except Exception as exc:  # a broken suite must not hide the others' figures
            errors.append({"suite": name, "error": f"{type(exc).__name__}: {exc}",
                           "traceback": traceback.format_exc()})
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return figures, errors


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_row(f: dict[str, Any]) -> str:
    return (f"{f['name']}: {_fmt(f['value'])} {f['unit']} (baseline {_fmt(f['baseline'])}, "
            f"ratio {_fmt(f['ratio'])})")


def markdown(meta: dict[str, Any], figures: list[dict[str, Any]],
             errors: list[dict[str, str]]) -> str:
    lines = [f"# AP Track benchmarks: {meta['scale']} scale on {meta['database']}", "",
             f"{meta['finished_at']}; {meta['machine']}; data: "
             + ", ".join(f"{n:,} {k.split('.')[1]}" for k, n in meta["data"]["rows"].items()
                         if k.endswith(("Learner", "Placement", "AttendanceMark",
                                        "Establishment"))), "",
             "| suite | figure | value | baseline | ratio | unit | notes |",
             "|---|---|---:|---:|---:|---|---|"]
    for f in figures:
        notes = str(f["notes"]).replace("|", "/")
        lines.append(f"| {f['suite']} | {f['name']} | {_fmt(f['value'])} | "
                     f"{_fmt(f['baseline'])} | {_fmt(f['ratio'])} | {f['unit']} | {notes} |")
    for e in errors:
        lines.append(f"| {e['suite']} | FAILED | | | | | {e['error'].replace('|', '/')} |")
    lines.append("")
    return "\n".join(lines)


def database_label(ctx: Context) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["la", "region", "national"], default="la")
    parser.add_argument("--tiny", action="store_true",
                        help="generate the tiny test data set instead (smoke tests)")
    parser.add_argument("--database-url", help="benchmark database (created and dropped)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", help="yyyy-mm-dd (default today)")
    parser.add_argument("--suites", help="comma-separated suite names (default all)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--locust-seconds", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None,
                        help="requests per page for server times")
    parser.add_argument("--import-rows", type=int, default=None,
                        help="marks the attendance import suite loads (default by scale: la "
                             "100,000, region 300,000, national 1,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", action="store_true",
                        help="run the suites on a database kept (--keep) by an earlier run of "
                             "the same scale and seed, without generating again")
    args = parser.parse_args(argv)

    url = bench_database_url(args.database_url)
    if url == os.environ.get("DATABASE_URL") and not args.database_url:
        raise SystemExit("the benchmark database must not be DATABASE_URL's database")
    started = time.perf_counter()
    if not args.reuse:
        create_database(url)
    setup_django(url)
    idle_rss = rss_mb()
    from django.utils import timezone

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = date.fromisoformat(args.today) if args.today else timezone.localdate()
    ctx = Context(scale=args.scale, database_url=url, vendor="", tiny=args.tiny, seed=args.seed,
                  today=today, results_dir=out, password=secrets.token_urlsafe(16),
                  locust_seconds=args.locust_seconds or (5 if args.tiny else 30),
                  repeats=args.repeats or (3 if args.tiny else 30), import_rows=args.import_rows)
    from django.db import connection

    ctx.vendor = connection.vendor
    data = (reuse(ctx) if args.reuse else generate(ctx, "tiny" if args.tiny else args.scale))
    names = discover(args.suites.split(",") if args.suites else None)
    figures, errors = run_suites(ctx, names)
    peak = rss_mb("VmHWM")
    figures.append(check_figure("runner", {
        "name": "runner_peak_memory", "value": round(peak, 1), "baseline": round(idle_rss, 1),
        "ratio": round(peak / idle_rss, 2), "unit": "MB",
        "notes": "peak resident memory of the bench process (generation, imports, summaries, "
                 "page renders); baseline: after Django start-up"}))
    meta = {"scale": "tiny" if args.tiny else args.scale, "database": database_label(ctx),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1), "seed": args.seed,
            "today": today.isoformat(),
            "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
                       f"{platform.system()} {platform.machine()}",
            "data": data, "suites": names}
    (out / "latest.json").write_text(json.dumps(
        {"meta": meta, "figures": figures, "errors": errors}, indent=2, default=str) + "\n")
    table = markdown(meta, figures, errors)
    (out / "latest.md").write_text(table)
    print(table)
    if not args.keep:
        drop_database(url)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
