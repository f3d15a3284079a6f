"""The audit trail: the ``aptrack audit`` command, denied access, append-only storage, and the
viewer for LA administrators."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from aptrack.accounts import audit
from aptrack.accounts.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
KEYS = {"at", "user", "action", "object_type", "object_id", "learner_id"}


def run_audit(*args):
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return json.loads(out.getvalue())


def test_audit_command_lists_what_an_account_saw(client, world):
    learner = factories.learner(world.school)
    client.force_login(world.users["school_dsl"])
    client.get(reverse("web:learner", args=[learner.pk]))
    events = run_audit("--user", "school_dsl", "--format", "json")
    assert isinstance(events, list) and events
    assert all(set(e) == KEYS for e in events)
    seen = [e for e in events if e["learner_id"] == learner.pk]
    assert seen and seen[0]["user"] == "school_dsl" and seen[0]["object_id"] == str(learner.pk)
    assert run_audit("--user", "la_officer", "--format", "json") == []


def test_since_and_until_bound_the_events(world):
    user = world.users["la_officer"]
    for n in range(3):
        audit.record(actor=user, action=f"test.{n}", object_type="learner", object_id=str(n))
    events = run_audit("--user", "la_officer")
    assert [e["action"] for e in events] == ["test.0", "test.1", "test.2"]
    middle = events[1]["at"]
    assert [e["action"] for e in run_audit("--user", "la_officer", "--since", middle)] == [
        "test.1", "test.2"]
    assert [e["action"] for e in run_audit("--user", "la_officer", "--until", middle)] == [
        "test.0"]
    later = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert run_audit("--user", "la_officer", "--since", later) == []
    with pytest.raises(CommandError, match="not an ISO 8601"):
        run_audit("--user", "la_officer", "--since", "yesterday")


def test_denied_access_is_audited(client, world):
    theirs = factories.learner(world.other_school)
    client.force_login(world.users["school_dsl"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("web:learner", args=[theirs.pk])).status_code == 404
    # exactly one row for the refusal: the view's (it knows the object), not the middleware's too
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="access.denied", user=world.users["school_dsl"])
    assert (event.object_type, event.object_id, event.learner_id) == (
        "learner", str(theirs.pk), None)
    assert event.changes == {"route": "web:learner", "status": 404, "method": "GET",
                             "path": f"/learners/{theirs.pk}/"}


def test_a_denied_route_without_a_view_audit_is_written_once_by_the_middleware(client, world):
    client.force_login(world.users["provider_staff"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("accounts:audit")).status_code == 404
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.object_type, event.changes["route"], event.changes["status"]) == (
        "accounts:audit", "accounts:audit", 404)


def test_a_denied_api_read_is_one_row_marked_as_from_the_api(client, world):
    from aptrack.api import services as api_services

    theirs = factories.learner(world.other_school)
    token = api_services.token_create(actor=None, user=world.users["school_dsl"], name="t")[1]
    before = AuditEvent.objects.count()
    assert client.get(f"/api/v1/learners/{theirs.pk}/",
                      HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.object_type, event.object_id, event.changes["via"]) == (
        "learner", str(theirs.pk), "api")


def test_audit_rows_cannot_be_changed_or_removed(world):
    event = audit.record(actor=world.users["la_officer"], action="x", object_type="learner")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="y")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    # below the application: the database itself refuses (triggers, migration 0002)
    statements = ["UPDATE accounts_auditevent SET action = 'y'", "DELETE FROM accounts_auditevent"]
    if connection.vendor == "postgresql":  # SQLite has no TRUNCATE (its DELETE is refused)
        statements.append("TRUNCATE accounts_auditevent")
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "x"


def test_audit_viewer_for_la_administrators_only(client, people):
    audit.record(actor=people["school_dsl"], action="learner.view", object_type="learner",
                 object_id="1", learner_id=1)
    audit.record(actor=people["other_la_admin"], action="learner.view", object_type="learner",
                 object_id="2", learner_id=2)
    client.force_login(people["la_admin"])
    page = client.get(reverse("accounts:audit"), {"username": "school_dsl"})
    assert page.status_code == 200 and list(page.context["page"]) and all(
        e.username == "school_dsl" for e in page.context["page"])
    everyone = client.get(reverse("accounts:audit")).context["page"]
    assert "other_la_admin" not in {e.username for e in everyone}
    bad = client.get(reverse("accounts:audit"), {"since": "last week"})
    assert b"There is a problem" in bad.content
    for who in ["la_officer", "school_dsl", "provider_staff"]:
        client.force_login(people[who])
        assert client.get(reverse("accounts:audit")).status_code == 404
