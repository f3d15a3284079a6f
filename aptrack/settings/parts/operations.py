"""Settings of operations: a read replica for reports (imported at the end of base.py).

``DATABASE_REPLICA_URL`` (e.g. ``postgres://aptrack@replica.internal:5432/aptrack``) adds the
``replica`` database and the router of aptrack/dbrouter.py; without it nothing changes. See
docs/operations.md.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url

__all__ = ["APTRACK_REPLICA"]

APTRACK_REPLICA = {
    # GET views whose queries may read the replica (ReportingMiddleware): read-only reports.
    "REPORT_VIEWS": [v.strip() for v in os.environ.get(
        "APTRACK_REPLICA_REPORT_VIEWS",
        "exchange:census,exchange:census-download,exchange:export,"
        "sufficiency:workbook,sufficiency:report").split(",") if v.strip()],
    # Apps always read from the primary, even in a report: sign-in, permissions, audit.
    "PRIMARY_ONLY_APPS": ["sessions", "auth", "contenttypes", "admin", "accounts", "api",
                          "axes", "otp_totp", "otp_static", "django_otp"],
    # After a write, the same browser reads the primary this long (replication lag).
    "PIN_SECONDS": int(os.environ.get("APTRACK_REPLICA_PIN_SECONDS", "10")),
}


def with_replica(databases: dict[str, Any],
                 middleware: list[str]) -> tuple[dict[str, Any], list[str], list[str]]:
    """DATABASES, MIDDLEWARE and DATABASE_ROUTERS with the replica when it is configured."""
    url = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    if not url:
        return databases, middleware, []
    replica = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")))
    if replica["ENGINE"] == "django.db.backends.sqlite3":
        replica.setdefault("OPTIONS", {})["timeout"] = 20
    replica["TEST"] = {"MIRROR": "default"}  # tests read the test database through the alias
    return ({**databases, "replica": replica},
            [*middleware, "aptrack.dbrouter.ReportingMiddleware"],
            ["aptrack.dbrouter.ReplicaRouter"])
