"""HTTP load: Locust, headless, on loopback, bounded in time, against the application served by
``aptrack runserver`` (Django's threaded server, ``--noreload``) on the benchmark database.

50 concurrent users over mixed journeys (bench/locustfile.py: LA officers, school DSLs and
provider staff, already signed in, reading dashboards, learner records, attendance and
registers, and saving registers) for ``ctx.locust_seconds``; figures: p50/p95/p99 response
times, throughput and errors. Baseline: the same 50 users requesting only the sign-in page for a
third of the time, in the same run. Also the server's peak memory (VmHWM) against its memory
after start-up.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess  # noqa: S404 - the server and Locust run as child processes on loopback
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.suites._common import figure

ROOT = Path(__file__).resolve().parent.parent.parent
USERS = 50
#: Users started a second: sign-ins (Argon2, 100 MiB each) spread over the first seconds, and
#: the statistics reset once all have started, so the figures are the steady state.
SPAWN_RATE = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(ctx: Any) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": ctx.database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}


def _start_server(ctx: Any, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", "from aptrack.cli import main; main()", "runserver",
         f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=_env(ctx), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped: " + server.stderr.read().decode()[-2000:]
                               if server.stderr else "")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/",  # noqa: S310
                                        timeout=5):
                return server
        except urllib.error.HTTPError:
            return server  # it answers: Locust reports what it answers
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the server did not answer within 60 s")


def _locust(ctx: Any, port: int, classes: list[str], seconds: int, prefix: Path,
            config: dict[str, Any]) -> dict[str, float]:
    env = {**_env(ctx), "BENCH_LOCUST": json.dumps(config)}
    subprocess.run(  # noqa: S603 - fixed arguments; Locust exits 1 when a request failed
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
         "--headless", "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{seconds}s",
         "--reset-stats",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
         "--stop-timeout", "5", "--loglevel", "ERROR", *classes],
        env=env, cwd=ROOT, check=False, timeout=seconds + 120,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    return {"requests": float(total["Request Count"]), "failures": float(total["Failure Count"]),
            "p50": float(total["50%"]), "p95": float(total["95%"]), "p99": float(total["99%"]),
            "rps": float(total["Requests/s"])}


def _sessions(user: Any, count: int) -> list[str]:
    """Session keys of ``count`` signed-in sessions of ``user`` (as after signing in)."""
    from django.test import Client

    keys = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies["sessionid"].value)
    return keys


def _memory(pid: int, kind: str) -> float:
    from bench.run import rss_mb

    return rss_mb(kind, str(pid))


def run(ctx: Any) -> list[dict[str, Any]]:
    from bench.suites.pages import _users, learner_sample, register_day

    users = _users(ctx)
    day, _ = register_day(ctx, users["provider"].organisation.establishment)
    config = {"register_day": day.isoformat(),
              **{role: {"sessions": _sessions(user, USERS), "learners": learner_sample(user)}
                 for role, user in users.items()}}
    port = _free_port()
    server = _start_server(ctx, port)
    out_dir = ctx.results_dir / "locust"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        idle = _memory(server.pid, "VmRSS")
        seconds = ctx.locust_seconds
        load = _locust(ctx, port, ["LAOfficer", "SchoolDSL", "ProviderStaff"], seconds,
                       out_dir / "journeys", config)
        floor = _locust(ctx, port, ["FloorUser"], max(3, seconds // 3), out_dir / "floor",
                        config)
        peak = _memory(server.pid, "VmHWM")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    note = (f"Locust, {USERS} users, {seconds} s, mixed journeys of LA officers, school DSLs "
            f"and provider staff against runserver on loopback; {int(load['requests']):,} "
            f"requests; baseline: the same users on /sign-in/ only")
    return [
        figure("load_p50", load["p50"], floor["p50"], "ms", note),
        figure("load_p95", load["p95"], floor["p95"], "ms", note),
        figure("load_p99", load["p99"], floor["p99"], "ms", note),
        figure("load_throughput", load["rps"], floor["rps"], "requests/s", note),
        {"name": "load_errors", "value": int(load["failures"]),
         "baseline": int(floor["failures"]), "ratio": None, "unit": "requests",
         "notes": f"failed requests (target 0) of {int(load['requests']):,}; per-request "
                  "statistics in bench/results/locust/"},
        figure("server_peak_memory", peak, idle, "MB",
               "peak resident memory of the server process under load; baseline: after its "
               "first request"),
    ]
