"""``aptrack restore_drill`` (``make restore-drill``): dump, restore into a fresh database,
compare row counts and checksums of every table; non-zero on any difference. Runs against the
real test database (PostgreSQL with pg_dump/pg_restore, or SQLite with its backup API)."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from aptrack.attendance import services as attendance
from aptrack.attendance.models import AttendanceMark
from aptrack.scale.management.commands.restore_drill import compare
from tests import factories
from tests.scale.faultkit import pg_admin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def marked(world: Any, settings: Any, tmp_path: Any) -> int:
    """Two learners with four weeks of marks at Test High; the drill's files go to tmp_path."""
    settings.VAR_DIR = tmp_path
    marks = []
    for learner in (factories.learner(world.school), factories.learner(world.school)):
        day = date(2025, 9, 8)
        while day < date(2025, 10, 6):
            if day.weekday() < 5:
                marks += [{"learner": learner.pk, "setting": world.school.pk, "date": day,
                           "session": s, "code": c} for s, c in (("AM", "/"), ("PM", "N"))]
            day += timedelta(days=1)
    attendance.attendance_marks_record(actor=None, marks=marks, source="import")
    return AttendanceMark.objects.count()


def _drill(*args: str) -> str:
    out = io.StringIO()
    call_command("restore_drill", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _kept(output: str) -> str:
    found = re.search(r"Kept the restored copy: (\S+)", output)
    assert found, output
    return found.group(1)


def _url_of(scratch: str) -> str:
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{scratch}"
    return f"sqlite:///{scratch}"


def _scratch_exists(scratch: str) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch])
            return bool(cursor.fetchone()[0])
    from pathlib import Path

    return Path(scratch).exists()


def _drop(scratch: str) -> None:
    if connection.vendor == "postgresql":
        pg_admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    else:
        from pathlib import Path

        Path(scratch).unlink(missing_ok=True)


def test_the_drill_restores_every_row_and_removes_its_scratch_database(marked: int) -> None:
    assert marked == 80
    out = _drill()
    assert "Restore drill passed" in out, out
    rows = int(re.search(r"tables, ([\d,]+) rows", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert rows >= marked
    scratch = re.search(r"(?:Restoring into|into) (\S+?)(?:\.\.\.)$", out, re.M)
    assert scratch, out
    assert not _scratch_exists(scratch.group(1))


def test_a_restored_copy_that_differs_is_caught_table_by_table(marked: int) -> None:
    scratch = _kept(_drill("--keep"))
    try:
        assert _scratch_exists(scratch)
        url = _url_of(scratch)
        assert "Restore drill passed" in _drill("--compare", url)
        # Change one mark's code in the copy: same row count, different checksum.
        if connection.vendor == "postgresql":
            import psycopg

            db = connection.settings_dict
            with psycopg.connect(dbname=scratch, host=db["HOST"] or "127.0.0.1",
                                 port=int(db["PORT"] or 5432), user=db["USER"],
                                 password=db.get("PASSWORD") or None) as conn:
                conn.execute("UPDATE attendance_attendancemark SET code = 'B' "
                             "WHERE id = (SELECT min(id) FROM attendance_attendancemark)")
        else:
            with sqlite3.connect(scratch) as conn:
                conn.execute("UPDATE attendance_attendancemark SET code = 'B' "
                             "WHERE id = (SELECT min(id) FROM attendance_attendancemark)")
        err = io.StringIO()
        with pytest.raises(CommandError, match="restore drill FAILED: 1 of"):
            call_command("restore_drill", "--compare", url, stdout=io.StringIO(), stderr=err)
        assert ("DIFFERENT attendance_attendancemark: 80 rows in both but their checksums "
                "differ") in err.getvalue()
        # A lost row is caught by its count.
        AttendanceMark.objects.filter(pk=AttendanceMark.objects.order_by("pk")[0].pk).delete()
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("restore_drill", "--compare", url, stdout=io.StringIO(), stderr=err)
        assert "attendance_attendancemark: 79 rows, 80 restored" in err.getvalue()
    finally:
        _drop(scratch)


def test_compare_names_missing_extra_and_different_tables() -> None:
    source = {"a": (1, "10"), "b": (2, "20"), "c": (3, "30"), "sequence s": (0, "7")}
    restored = {"a": (1, "10"), "b": (2, "21"), "d": (0, "0"), "sequence s": (0, "5")}
    assert compare(source, restored) == [
        "b: 2 rows in both but their checksums differ",
        "c: missing from the restored database",
        "d: only in the restored database",
        "sequence s: at 7, restored at 5",
    ]
    assert compare(source, dict(source)) == []


def test_compare_refuses_a_database_of_another_kind() -> None:
    other = ("sqlite:////tmp/x.sqlite3" if connection.vendor == "postgresql"
             else "postgres://postgres@127.0.0.1:5432/x")
    with pytest.raises(CommandError, match="same kind"):
        call_command("restore_drill", "--compare", other, stdout=io.StringIO())
