"""Faults (issue 10 part 5), with real processes on loopback and real databases, no mocks.

1. The database connection lost in the middle of an attendance import leaves nothing partial:
   on PostgreSQL the import's backend is terminated with ``pg_terminate_backend`` while it writes,
   and (on both databases) the import process is killed with SIGKILL while it writes.
2. The server killed with SIGKILL during a burst of API writes loses no acknowledged write: every
   request answered 2xx is in the database, complete (its marks and its audit event), and no
   request is there in part.

Each test builds its own database (a file, or a PostgreSQL database next to the test database)
that the subprocesses open; see tests/scale/faultkit.py.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.scale.faultkit import APTRACK, ROOT, ScratchDB, free_port, seeded, vendor

LEARNERS = 250  # x 2 sessions x ~370 school days: ~185,000 marks in the import
TABLES = ("attendance_attendancemark", "attendance_markamendment", "attendance_alert",
          "attendance_attendanceimport", "attendance_attendancecount", "accounts_auditevent")

HOW = ["sigkill"] + (["pg_terminate_backend"] if vendor() == "postgresql" else [])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One migrated, seeded database per module; each test works on a copy of it."""
    last = min(date(2026, 7, 20), date.today() - timedelta(days=1))
    db = seeded(tmp_path_factory.mktemp("faults"), "faults", learners=LEARNERS,
                first="2024-09-02", last=last.isoformat())
    yield db
    db.drop()


@pytest.fixture
def scratch(template: ScratchDB, request: pytest.FixtureRequest) -> Any:
    db = template.clone(request.node.name.split("[")[0][5:25])
    yield db
    db.drop()


def _counts(db: ScratchDB) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        counts[table] = db.query(f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608
    return counts


def _write_csv(db: ScratchDB, path: Path) -> int:
    rows = 0
    with path.open("w") as out:
        out.write("upn,date,session,code\n")
        for _, upn in db.seed["learners"]:
            for day in db.seed["days"]:
                out.write(f"{upn},{day},AM,/\n{upn},{day},PM,L\n")
                rows += 2
    return rows


class Watch:
    """Tells when the import's transaction has started writing rows."""

    def __init__(self, db: ScratchDB, app: str) -> None:
        self.db, self.app = db, app
        self.conn: Any = None
        if db.kind == "postgresql":
            import psycopg

            from tests.scale.faultkit import _pg_server

            self.conn = psycopg.connect(dbname=db.name, autocommit=True, **_pg_server())

    def writing(self) -> bool:
        if self.conn is not None:
            # backend_xid is given to a transaction at its first write.
            row = self.conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                "AND backend_xid IS NOT NULL", [self.app]).fetchone()
            return bool(row[0])
        # A rollback journal (or a write-ahead log) with pages in it: a write transaction is open.
        return any(Path(self.db.name + s).exists() and Path(self.db.name + s).stat().st_size > 0
                   for s in ("-journal", "-wal"))

    def terminate(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s", [self.app]).fetchone()
        return int(row[0])

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@pytest.mark.parametrize("how", HOW)
def test_an_import_cut_off_while_it_writes_leaves_nothing_partial(
        scratch: ScratchDB, tmp_path: Path, how: str) -> None:
    rows = _write_csv(scratch, tmp_path / "marks.csv")
    assert rows > 150_000
    before = _counts(scratch)
    assert before["attendance_attendancemark"] == 0
    app = f"aptrack-fault-{os.getpid()}-{how}"
    proc = subprocess.Popen(
        [str(APTRACK), "import_attendance", str(tmp_path / "marks.csv"), "--setting",
         scratch.seed["urn"]], cwd=ROOT, env=scratch.env(PGAPPNAME=app),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = Watch(scratch, app)
    try:
        deadline = time.monotonic() + 60
        while not watch.writing():
            assert proc.poll() is None, "the import ended before it could be cut off: " + (
                proc.communicate()[1][-2000:])
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.005)
        time.sleep(0.3)  # well inside the write: some batches are in, most are not
        assert proc.poll() is None, "the import ended before it could be cut off"
        if how == "sigkill":
            proc.send_signal(signal.SIGKILL)
        else:
            assert watch.terminate() == 1
        out, err = proc.communicate(timeout=30)
    finally:
        watch.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    if how == "sigkill":
        assert proc.returncode == -signal.SIGKILL
    else:
        # The command fails, loudly, naming the cause; it does not claim success.
        assert proc.returncode != 0
        assert any(cause in err for cause in (  # as libpq words it, wherever the cut falls
            "terminating connection due to administrator command",
            "server closed the connection unexpectedly", "the connection is lost")), err[-2000:]
        assert "marks were created" not in out
    # Nothing of the import is in the database: no mark, count, alert or audit event.
    assert _counts(scratch) == before
    assert scratch.query("SELECT count(*) FROM accounts_auditevent WHERE action LIKE %s",
                         ["attendance.%"]) == [(0,)]
    if scratch.kind == "sqlite":
        assert scratch.query("PRAGMA integrity_check") == [("ok",)]
    # The database is whole: the same file loads completely afterwards.
    again = scratch.aptrack("import_attendance", str(tmp_path / "marks.csv"), "--setting",
                            scratch.seed["urn"], timeout=120)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"{rows} marks were created" in again.stdout
    assert scratch.query("SELECT count(*) FROM attendance_attendancemark") == [(rows,)]


def _wait_for_server(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 without a token)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start: " + log.read_text()[-2000:])


def test_the_server_killed_during_a_burst_of_writes_loses_no_acknowledged_write(
        scratch: ScratchDB, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [str(APTRACK), "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT,
        env=scratch.env(APTRACK_API_RATE_PER_TOKEN="100000/minute"),
        stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_for_server(port, server, log)
        school, token = scratch.seed["school"], scratch.seed["token"]
        # One request = one learner's day: AM present, PM late, recorded all or nothing.
        jobs = [(pk, day) for day in scratch.seed["days"][:40]
                for pk, _ in scratch.seed["learners"]]
        lock = threading.Lock()
        acked: list[tuple[int, str]] = []
        refused: list[tuple[int, str, int]] = []
        cut: list[tuple[int, str]] = []  # sent, but the connection died: outcome unknown
        stop = threading.Event()
        cursor = iter(jobs)

        def worker() -> None:
            while not stop.is_set():
                with lock:
                    job = next(cursor, None)
                if job is None:
                    return
                body = json.dumps([
                    {"learner": job[0], "setting": school, "date": job[1], "session": "AM",
                     "code": "/"},
                    {"learner": job[0], "setting": school, "date": job[1], "session": "PM",
                     "code": "L"}]).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/attendance/marks/", data=body,
                    method="POST", headers={"Authorization": f"Bearer {token}",
                                            "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                        status = response.status
                        json.loads(response.read())
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except (OSError, http.client.HTTPException, ValueError):
                    # No complete answer (refused, reset, or cut mid-body: a status line then a
                    # body that is empty or not whole JSON): outcome unknown.
                    with lock:
                        cut.append(job)
                    return
                with lock:
                    (acked.append(job) if 200 <= status < 300
                     else refused.append((*job, status)))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 40
        while len(acked) < 60 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # mid-burst: the workers are still sending
        server.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=40)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    assert len(acked) >= 60, (len(acked), refused[:5], log.read_text()[-2000:])
    # Every request was valid: none may fail before the kill (on SQLite, concurrent writers
    # used to fail with "database is locked" until transactions began IMMEDIATE).
    assert not refused, refused[:5]
    assert cut, "the server was not killed in the middle of the burst"
    assert len(acked) + len(refused) + len(cut) < len(jobs)
    marks = scratch.query("SELECT learner_id, date, session, code, setting_id, source "
                          "FROM attendance_attendancemark")
    stored: dict[tuple[int, str], set[tuple[str, str]]] = {}
    for learner_id, day, session, code, setting_id, source in marks:
        assert (setting_id, source) == (school, "api")
        stored.setdefault((learner_id, str(day)), set()).add((session, code))
    sent = set(acked) | {(j[0], j[1]) for j in refused} | set(cut)
    assert set(stored) <= sent, "a mark nobody sent"
    # Every acknowledged request is there, complete; no request is there in part.
    assert all(job in stored for job in acked), [j for j in acked if j not in stored][:5]
    assert all(v == {("AM", "/"), ("PM", "L")} for v in stored.values())
    # Each request that committed wrote its audit event in the same transaction.
    events = scratch.query("SELECT count(*) FROM accounts_auditevent "
                           "WHERE action = %s AND object_id = %s", ["attendance.record",
                                                                    str(school)])
    assert events == [(len(stored),)]
    if scratch.kind == "sqlite":
        assert scratch.query("PRAGMA integrity_check") == [("ok",)]
