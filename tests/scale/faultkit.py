"""Real databases and real processes for the fault and restore-drill tests.

A :class:`ScratchDB` is a database of its own (a SQLite file, or a PostgreSQL database on the
server of the test run), migrated and seeded by ``aptrack`` subprocesses, that other processes
(an import, a server) can open while the test watches them. Nothing here is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APTRACK = Path(sys.executable).with_name("aptrack")


def vendor() -> str:
    """``postgresql`` or ``sqlite``: the database this test run uses."""
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else "sqlite"


def _pg_server() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": int(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres", "password": db.get("PASSWORD") or None}


def pg_admin(sql: str) -> None:
    """Run one statement (e.g. CREATE DATABASE) on the server's ``postgres`` database."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **_pg_server()) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ScratchDB:
    """A database other processes can open: ``url`` is its DATABASE_URL."""

    kind: str  # "sqlite" or "postgresql"
    name: str  # file path or database name
    home: Path  # APTRACK_VAR_DIR of the subprocesses
    seed: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, home: Path, label: str) -> ScratchDB:
        home.mkdir(parents=True, exist_ok=True)
        kind = vendor()
        if kind == "postgresql":
            base = settings.DATABASES["default"]["NAME"].removeprefix("test_")
            name = f"{base}_{label}_{uuid.uuid4().hex[:8]}"
            pg_admin(f'CREATE DATABASE "{name}"')
            return cls(kind, name, home)
        return cls(kind, str(home / f"{label}.sqlite3"), home)

    @property
    def url(self) -> str:
        if self.kind == "postgresql":
            s = _pg_server()
            auth = s["user"] + (f":{s['password']}" if s["password"] else "")
            return f"postgres://{auth}@{s['host']}:{s['port']}/{self.name}"
        return f"sqlite:///{self.name}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_", "PYTEST", "APTRACK_TEST"))}
        env.update(DJANGO_SETTINGS_MODULE="aptrack.settings.test", DATABASE_URL=self.url,
                   APTRACK_VAR_DIR=str(self.home), PYTHONUNBUFFERED="1", **extra)
        return env

    def aptrack(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(APTRACK), *args], cwd=ROOT, env=self.env(**env),
                              capture_output=True, text=True, timeout=timeout, check=False)

    def python(self, code: str, *args: str, timeout: float = 60) -> str:
        """Run Django code in a subprocess against this database; return its stdout."""
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def migrate(self) -> None:
        done = self.aptrack("migrate", "--noinput", timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]

    def clone(self, label: str) -> ScratchDB:
        """A copy of this database (file copy, or CREATE DATABASE ... TEMPLATE)."""
        if self.kind == "postgresql":
            name = f"{self.name.rsplit('_', 1)[0]}_{label}_{uuid.uuid4().hex[:8]}"
            pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
            return ScratchDB(self.kind, name, self.home, dict(self.seed))
        target = self.home / f"{label}-{uuid.uuid4().hex[:8]}.sqlite3"
        with sqlite3.connect(self.name) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return ScratchDB(self.kind, str(target), self.home, dict(self.seed))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of one query over a fresh connection (``%s`` placeholders on both)."""
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(dbname=self.name, **_pg_server()) as conn:
                return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]
        conn = sqlite3.connect(self.name, timeout=20)
        try:
            return list(conn.execute(sql.replace("%s", "?"), params).fetchall())
        finally:
            conn.close()

    def drop(self) -> None:
        if self.kind == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)


SEED = r"""
import json, sys
from datetime import date, timedelta
import django
django.setup()
from tests import factories
from aptrack.api import services as api_services
from aptrack.attendance.whereabouts import calendar_of

count = int(sys.argv[1])
first, last = date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
w = factories.World.build()
learners = [factories.learner(w.school, start=date(2024, 9, 1)) for _ in range(count)]
cal = calendar_of(w.school)
days, day = [], first
while day <= last:
    if cal.is_school_day(day):
        days.append(day.isoformat())
    day += timedelta(days=1)
token = api_services.token_create(actor=None, user=w.users["school_dsl"], name="faults")[1]
print(json.dumps({"school": w.school.pk, "urn": w.school.urn, "days": days, "token": token,
                  "learners": [[l.pk, l.upn] for l in learners]}))
"""


def seeded(home: Path, label: str, *, learners: int, first: str, last: str) -> ScratchDB:
    """A migrated database with the test world, ``learners`` pupils on the roll of Test High
    since September 2024, the school days between ``first`` and ``last`` and an API token of
    Test High's DSL."""
    db = ScratchDB.create(home, label)
    try:
        db.migrate()
        db.seed = json.loads(db.python(SEED, str(learners), first, last, timeout=180))
    except BaseException:
        db.drop()
        raise
    return db


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
