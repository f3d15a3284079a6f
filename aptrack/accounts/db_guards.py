"""Database-level guards of the audit trail: triggers that refuse UPDATE, DELETE and TRUNCATE.

Installed by migration accounts 0002. Only the test suite may lift them, and only around
Django's ``flush`` (which empties every table between transactional tests); see
``management/commands/flush.py``. Production settings never allow it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SQLITE = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION aptrack_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditevent_append_only
       BEFORE UPDATE OR DELETE OR TRUNCATE ON accounts_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION aptrack_audit_append_only()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent",
]


def install(connection: Any) -> None:
    """Create the append-only triggers on this connection's database."""
    with connection.cursor() as cursor:
        for sql in POSTGRES if connection.vendor == "postgresql" else SQLITE:
            cursor.execute(sql)


def remove(connection: Any) -> None:
    """Drop the append-only triggers (the function stays on PostgreSQL)."""
    with connection.cursor() as cursor:
        for sql in POSTGRES_DROP if connection.vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(sql)


@contextmanager
def lifted(connection: Any) -> Iterator[None]:
    """Run a block with the guard lifted, and put it back whatever happens."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)
