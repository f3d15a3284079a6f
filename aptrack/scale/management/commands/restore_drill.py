"""``aptrack restore_drill``: prove that a backup restores, table by table, row by row.

PostgreSQL: ``pg_dump`` (custom format) of the database inside a repeatable-read snapshot,
``pg_restore`` into a fresh database, then for every table (and every sequence) the row count and
a checksum (the sum of the md5 of each row's text, so no order and no memory is needed) of the
snapshot and of the restored copy are compared. SQLite: SQLite's online backup API into a fresh
file, ``PRAGMA integrity_check`` on it, and the same comparison. Any difference, or any failed
step, exits non-zero. The scratch database is dropped unless ``--keep``.

``aptrack restore_drill --compare URL`` compares the database with another one of the same kind
(a restored copy kept with ``--keep``, a replica when writes are paused) without dumping.
The database user needs the right to create databases (PostgreSQL: CREATEDB).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

Checksums = dict[str, tuple[int, str]]  # table (or "sequence NAME") -> (rows, checksum)


@dataclass
class Drill:
    source: Checksums = field(default_factory=dict)
    restored: Checksums = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    scratch: str = ""
    dump_bytes: int = 0

    @property
    def differences(self) -> list[str]:
        return compare(self.source, self.restored)


def compare(source: Checksums, restored: Checksums) -> list[str]:
    """Every table whose rows differ between the two sides, one line each."""
    out = []
    for name in sorted(set(source) | set(restored)):
        a, b = source.get(name), restored.get(name)
        if a is None:
            out.append(f"{name}: only in the restored database")
        elif b is None:
            out.append(f"{name}: missing from the restored database")
        elif name.startswith("sequence ") and a[1] != b[1]:
            out.append(f"{name}: at {a[1]}, restored at {b[1]}")
        elif a[0] != b[0]:
            out.append(f"{name}: {a[0]} rows, {b[0]} restored")
        elif a[1] != b[1]:
            out.append(f"{name}: {a[0]} rows in both but their checksums differ")
    return out


# --- PostgreSQL -------------------------------------------------------------------------------

def _pg_params(db: dict[str, Any]) -> dict[str, Any]:
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    params.update({k: v for k, v in (db.get("OPTIONS") or {}).items()
                   if k in {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}})
    return {k: v for k, v in params.items() if v is not None}


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
             "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT"}
    for key, value in _pg_params(db).items():
        env[names[key]] = str(value)
    return env


def pg_checksums(conn: Any) -> Checksums:
    """Rows and checksum of every table and the value of every sequence, over ``conn``."""
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET extra_float_digits = 3")
    tables = [r[0] for r in conn.execute(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1")]
    out: Checksums = {}
    for table in tables:
        rows, total = conn.execute(
            "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint"  # noqa: S608
            f"::numeric), 0) FROM ONLY {table} AS t").fetchone()
        out[table.removeprefix("public.")] = (int(rows), str(total))
    for name, last in conn.execute(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
            "ORDER BY 1"):
        out[f"sequence {name.removeprefix('public.')}"] = (0, str(last))
    return out


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        raise CommandError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}")


def drill_postgresql(db: dict[str, Any], *, keep: bool, jobs: int,
                     say: Any = print) -> Drill:
    import psycopg

    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            raise CommandError(f"{tool} is not installed (PostgreSQL client tools)")
    drill = Drill()
    params, env, name = _pg_params(db), _pg_env(db), db["NAME"]
    drill.scratch = f"{name[:40]}_drill_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="aptrack-drill-") as tmp:
        dump = Path(tmp) / f"{name}.dump"
        started = time.monotonic()
        with psycopg.connect(dbname=name, **params) as source:
            # One snapshot for the dump and for the source's checksums: writes that go on
            # meanwhile are in neither.
            source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            say(f"Dumping {name} (custom format, snapshot {snapshot})...")
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
                  f"--dbname={name}"], env)
            drill.steps.append(("pg_dump", time.monotonic() - started))
            drill.dump_bytes = dump.stat().st_size
            started = time.monotonic()
            drill.source = pg_checksums(source)
            source.rollback()
        drill.steps.append(("checksums of the source", time.monotonic() - started))
        started = time.monotonic()
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'CREATE DATABASE "{drill.scratch}"')
        try:
            say(f"Restoring into {drill.scratch}...")
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--jobs={jobs}", f"--dbname={drill.scratch}", str(dump)], env)
            drill.steps.append(("pg_restore", time.monotonic() - started))
            started = time.monotonic()
            with psycopg.connect(dbname=drill.scratch, **params) as restored:
                drill.restored = pg_checksums(restored)
            drill.steps.append(("checksums of the restored copy", time.monotonic() - started))
        finally:
            if not keep:
                with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
                    admin.execute(
                        f'DROP DATABASE IF EXISTS "{drill.scratch}" WITH (FORCE)')
    return drill


# --- SQLite -----------------------------------------------------------------------------------

def sqlite_checksums(conn: sqlite3.Connection) -> Checksums:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' "
        "ORDER BY name")]
    out: Checksums = {}
    for table in tables:
        rows, total = 0, 0
        # quote() gives each stored value as SQL text, untouched by the converters a
        # connection may have registered (Django turns dates into objects).
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        values = " || char(31) || ".join(f'quote("{c}")' for c in columns)
        for (text,) in conn.execute(f'SELECT {values} FROM "{table}"'):  # noqa: S608
            rows += 1
            total += int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:16], 16)
        out[table] = (rows, str(total))
    return out


@contextmanager
def _read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Hold one read transaction (and so one snapshot) on ``conn`` while inside."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the snapshot
    try:
        yield
    finally:
        conn.execute("COMMIT")


def drill_sqlite(alias: str, *, keep: bool, say: Any = print) -> Drill:
    connection = connections[alias]
    connection.ensure_connection()
    raw: sqlite3.Connection = connection.connection
    drill = Drill()
    folder = Path(settings.VAR_DIR) / "restore-drill"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"restore-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}.sqlite3"
    drill.scratch = str(target)
    started = time.monotonic()
    say(f"Backing up {connection.settings_dict['NAME']} into {target}...")
    try:
        with _read_snapshot(raw):
            drill.source = sqlite_checksums(raw)
            drill.steps.append(("checksums of the source", time.monotonic() - started))
            started = time.monotonic()
            copy = sqlite3.connect(target)
            try:
                raw.backup(copy)
            finally:
                copy.close()
        drill.steps.append(("backup", time.monotonic() - started))
        drill.dump_bytes = target.stat().st_size
        started = time.monotonic()
        restored = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            check = restored.execute("PRAGMA integrity_check").fetchall()
            if check != [("ok",)]:
                raise CommandError(f"integrity check of the copy failed: {check[:5]}")
            drill.restored = sqlite_checksums(restored)
        finally:
            restored.close()
        drill.steps.append(("checksums of the restored copy", time.monotonic() - started))
    finally:
        if not keep:
            target.unlink(missing_ok=True)
    return drill


# --- Compare with another database ------------------------------------------------------------

def checksums_of(db: Any, alias: str | None = None) -> Checksums:
    """Checksums of a database given by its settings (or of a configured alias)."""
    if "postgresql" in db["ENGINE"]:
        import psycopg

        with psycopg.connect(dbname=db["NAME"], **_pg_params(db)) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return pg_checksums(conn)
    if "sqlite" in db["ENGINE"]:
        if alias is not None:
            connections[alias].ensure_connection()
            raw: sqlite3.Connection = connections[alias].connection
            with _read_snapshot(raw):
                return sqlite_checksums(raw)
        if not Path(db["NAME"]).is_file():
            raise CommandError(f"{db['NAME']}: no such database file")
        lite = sqlite3.connect(f"file:{db['NAME']}?mode=ro", uri=True)
        try:
            with _read_snapshot(lite):
                return sqlite_checksums(lite)
        finally:
            lite.close()
    raise CommandError(f"restore_drill supports PostgreSQL and SQLite, not {db['ENGINE']}")


class Command(BaseCommand):
    help = ("Dump the database, restore it into a fresh database and compare every table's row "
            "count and checksum; exits non-zero on any difference.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default="default", help="database alias to drill")
        parser.add_argument("--keep", action="store_true",
                            help="keep the restored copy (its name is printed) for inspection")
        parser.add_argument("--jobs", type=int, default=2, help="parallel pg_restore jobs")
        parser.add_argument("--compare", metavar="URL",
                            help="only compare with another database of the same kind "
                                 "(e.g. a kept copy), given as a DATABASE_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        if alias not in settings.DATABASES:
            raise CommandError(f"--database: no database {alias!r} in the settings")
        db = connections[alias].settings_dict
        say = self.stdout.write
        if options["compare"]:
            other = dj_database_url.parse(options["compare"])
            if other["ENGINE"].rsplit(".", 1)[-1] != db["ENGINE"].rsplit(".", 1)[-1]:
                raise CommandError("--compare: the other database must be of the same kind")
            drill = Drill(source=checksums_of(db, alias), restored=checksums_of(other))
            drill.scratch = options["compare"]
        elif db["ENGINE"] == "django.db.backends.postgresql":
            drill = drill_postgresql(db, keep=options["keep"], jobs=options["jobs"], say=say)
        elif db["ENGINE"] == "django.db.backends.sqlite3":
            drill = drill_sqlite(alias, keep=options["keep"], say=say)
        else:
            raise CommandError(f"restore_drill supports PostgreSQL and SQLite, not "
                               f"{db['ENGINE']}")
        tables = [n for n in drill.source if not n.startswith("sequence ")]
        rows = sum(drill.source[n][0] for n in tables)
        for step, seconds in drill.steps:
            say(f"  {step}: {seconds:.1f} s")
        if drill.dump_bytes:
            say(f"  copy size: {drill.dump_bytes / 1_048_576:.1f} MiB")
        if options["keep"] and not options["compare"]:
            say(f"Kept the restored copy: {drill.scratch}")
        differences = drill.differences
        if differences:
            for line in differences:
                self.stderr.write(f"  DIFFERENT {line}")
            raise CommandError(f"restore drill FAILED: {len(differences)} of "
                               f"{len(set(drill.source) | set(drill.restored))} tables or "
                               "sequences differ")
        self.stdout.write(self.style.SUCCESS(
            f"Restore drill passed: {len(tables)} tables, {rows:,} rows and "
            f"{len(drill.source) - len(tables)} sequences identical after restore."))
