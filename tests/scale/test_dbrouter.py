"""The read replica router (aptrack/dbrouter.py) against a real second database.

The "replica" is a copy of the test database taken at a moment (SQLite's backup API, or
PostgreSQL's CREATE DATABASE ... TEMPLATE): rows written after the copy are on the primary only,
which is exactly what replication lag looks like, so every read shows where it went.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aptrack.accounts.models import User
from aptrack.dbrouter import PIN_COOKIE, REPLICA, report_alias, reporting
from aptrack.directory.models import LocalAuthority
from aptrack.learners.models import Learner
from aptrack.settings.parts.operations import with_replica
from tests import factories
from tests.scale.faultkit import pg_admin

ROUTER = "aptrack.dbrouter.ReplicaRouter"
MIDDLEWARE = "aptrack.dbrouter.ReportingMiddleware"


class Replica:
    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"{connection.settings_dict['NAME']}_replica_{uuid.uuid4().hex[:6]}"
        else:
            self.name = str(tmp_path / "replica.sqlite3")
        connections.settings[REPLICA] = {**connection.settings_dict, "NAME": self.name}

    def sync(self) -> None:
        """Make the replica a copy of the primary as it is now."""
        connections[REPLICA].close()
        if self.vendor == "postgresql":
            connection.close()  # a template database must have no other session
            pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            pg_admin(f'CREATE DATABASE "{self.name}" TEMPLATE '
                     f'"{connection.settings_dict["NAME"]}"')
        else:
            connection.ensure_connection()
            target = sqlite3.connect(self.name)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        # Connected here, outside the test's guard against unlisted databases (the replica
        # is not a test database of pytest-django's: this fixture makes and drops it).
        connections[REPLICA].connect()

    def remove(self) -> None:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        if self.vendor == "postgresql":
            pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def replica(transactional_db: Any, world: Any, settings: Any, tmp_path: Path) -> Any:
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    r = Replica(tmp_path)
    r.sync()
    yield r
    r.remove()


def test_reports_read_the_replica_and_everything_else_the_primary(replica: Replica,
                                                                 world: Any) -> None:
    on_both = Learner.objects.count()
    late = factories.learner(world.school)  # written after the copy: on the primary only
    assert Learner.objects.filter(pk=late.pk).exists()
    with reporting() as alias:
        assert alias == REPLICA
        assert not Learner.objects.filter(pk=late.pk).exists()
        assert Learner.objects.count() == on_both
        # Writes always go to the primary, even inside a report.
        LocalAuthority.objects.create(code="999", name="Written in a report")
        assert not LocalAuthority.objects.filter(code="999").exists()  # not replicated yet
        # Sign-in, permissions and audit are never read from the replica.
        assert User.objects.filter(username="la_officer").exists()
        fresh = factories.user("fresh_officer", world.users["la_officer"].organisation,
                               world.users["la_officer"].role)
        assert User.objects.filter(pk=fresh.pk).exists()
    assert LocalAuthority.objects.filter(code="999").exists()
    assert LocalAuthority.objects.using(REPLICA).filter(code="999").count() == 0
    # Inside a transaction on the primary a report reads the primary: it may read its writes.
    with transaction.atomic(), reporting() as alias:
        assert alias == "default"
        assert Learner.objects.filter(pk=late.pk).exists()
    # After replication the replica has it.
    replica.sync()
    with reporting():
        assert Learner.objects.filter(pk=late.pk).exists()


def test_without_a_replica_reports_read_the_primary(db: Any, world: Any, settings: Any) -> None:
    settings.DATABASE_ROUTERS = [ROUTER]
    assert REPLICA not in connections.settings
    late = factories.learner(world.school)
    with reporting() as alias:
        assert alias == "default" == report_alias()
        assert Learner.objects.filter(pk=late.pk).exists()


def _tables(queries: CaptureQueriesContext) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


def test_report_views_run_on_the_replica_and_a_writer_is_pinned_to_the_primary(
        replica: Replica, world: Any) -> None:
    client = Client()
    client.force_login(world.users["la_officer"])  # the session is on the primary only
    census = reverse("exchange:census")
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(census)
    assert response.status_code == 200
    sql = _tables(on_replica)
    assert on_replica.captured_queries, "the census read nothing from the replica"
    assert "django_session" not in sql and "accounts_user" not in sql
    # A page that is not a report reads the primary only.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(reverse("exchange:index")).status_code == 200
    assert not on_replica.captured_queries
    # A browser that has just written reads the primary for a while (its own writes).
    client.post(census)
    assert client.cookies[PIN_COOKIE].value
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(census).status_code == 200
    assert not on_replica.captured_queries


def test_the_replica_and_its_router_are_configured_only_by_database_replica_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    databases = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "aptrack"}}
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    assert with_replica(databases, ["m"]) == (databases, ["m"], [])
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.internal:5432/aptrack")
    dbs, middleware, routers = with_replica(databases, ["m"])
    assert dbs["replica"]["HOST"] == "replica.internal"
    assert dbs["replica"]["TEST"] == {"MIRROR": "default"}
    assert middleware == ["m", MIDDLEWARE] and routers == [ROUTER]
