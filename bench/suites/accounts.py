"""Accounts benchmarks: the audit question and the subject access export.

* ``audit_user_window``: ``aptrack audit --user X --since --until`` (selector + JSON) for one
  account over one week, on a year of audit events at the context's scale (inserted inside a
  transaction that is rolled back). Baseline: the bare indexed fetch of the same rows as tuples.
  The issue's target: under a second.
* ``audit_user_year``: the same account over the whole year.
* ``subject_access_export``: the zip of everything on the learner with the most placements in
  the database (if any). Target: under 60 s. Baseline: reading the learner row alone.
"""

from __future__ import annotations

import json
import os
import random
from datetime import timedelta
from typing import Any

from bench.suites._common import figure, timed

EVENTS = {"la": 300_000, "region": 1_000_000, "national": 3_000_000}
USERS = 500


class _Rollback(Exception):
    pass


def _setup(ctx: Any) -> None:
    if getattr(ctx, "database_url", None):
        os.environ.setdefault("DATABASE_URL", ctx.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aptrack.settings.local")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _year_of_events(n: int) -> None:
    from django.utils import timezone

    from aptrack.accounts.models import AuditEvent

    rnd = random.Random(7)  # noqa: S311 - synthetic data
    start = timezone.now() - timedelta(days=365)
    actions = ["learner.view", "placement.update", "attendance.record", "sign_in.success"]
    batch = []
    for i in range(n):
        batch.append(AuditEvent(
            username=f"bench.user{rnd.randrange(USERS)}", action=rnd.choice(actions),
            object_type="learner", object_id=str(rnd.randrange(100_000)),
            learner_id=rnd.randrange(100_000)))
        if len(batch) == 10_000 or i == n - 1:
            made = AuditEvent.objects.bulk_create(batch)
            # auto_now_add stamps "now": spread the events over the year instead (raw SQL,
            # as the application itself can never update audit rows).
            del made
            batch = []
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE accounts_auditevent SET at = %s + ((id * 1051) %% 525600) * "
                           "interval '1 minute' WHERE username LIKE 'bench.%%'", [start])
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER USER")
        else:
            from aptrack.accounts import db_guards

            with db_guards.lifted(connection):
                cursor.execute("UPDATE accounts_auditevent SET at = datetime(%s, '+' || "
                               "((id * 1051) %% 525600) || ' minutes') "
                               "WHERE username LIKE 'bench.%%'",
                               [start.strftime("%Y-%m-%d %H:%M:%S")])


def run(ctx: Any) -> list[dict[str, Any]]:
    _setup(ctx)
    from django.db import transaction
    from django.utils import timezone

    from aptrack.accounts import dataprotection
    from aptrack.accounts.management.commands.audit import Command
    from aptrack.accounts.selectors import audit_events

    n = EVENTS.get(getattr(ctx, "scale", "la"), EVENTS["la"])
    figures: list[dict[str, Any]] = []

    def measure() -> None:
        _year_of_events(n)
        until = timezone.now()
        since = until - timedelta(days=7)

        def command(**kw: Any) -> int:
            from io import StringIO

            out = StringIO()
            cmd = Command(stdout=out)
            cmd.handle(user="bench.user42", format="json", **kw)
            return len(json.loads(out.getvalue()))

        def bare(s: Any) -> int:
            return len(list(audit_events(username="bench.user42", since=s, until=until)
                            .values_list("at", "action", "object_id")))

        week, rows = timed(lambda: command(since=since.isoformat(), until=until.isoformat()))
        base_week, _ = timed(lambda: bare(since))
        year, rows_year = timed(lambda: command(since=None, until=None))
        base_year, _ = timed(lambda: bare(None))
        note = f"{n} events over 365 days, {USERS} accounts"
        figures.append(figure("audit_user_window", week, base_week, "s",
                              f"{note}; one account, one week: {rows} events; target < 1 s"))
        figures.append(figure("audit_user_year", year, base_year, "s",
                              f"{note}; one account, the year: {rows_year} events"))
        raise _Rollback

    try:
        with transaction.atomic():
            measure()
    except _Rollback:
        pass

    from django.db.models import Count

    from aptrack.learners.models import Learner

    learner = Learner.objects.annotate(n=Count("placements")).order_by("-n").first()
    if learner is not None:
        def export() -> int:
            box: dict[str, int] = {}
            try:
                with transaction.atomic():
                    box["size"] = len(dataprotection.subject_access_export(actor=None,
                                                                           learner=learner))
                    raise _Rollback
            except _Rollback:
                pass
            return box["size"]

        seconds, size = timed(export)
        base, _ = timed(lambda: Learner.objects.get(pk=learner.pk))
        figures.append(figure("subject_access_export", seconds, base, "s",
                              f"learner {learner.pk}, zip of {size} bytes; target < 60 s"))
    return figures
