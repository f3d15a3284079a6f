"""Server times of the pages people wait for, measured in process with Django's test Client
against the live views on the benchmark database (no network, no browser): p50 and p95 over
``ctx.repeats`` requests after a warm-up.

* ``la_dashboard``: ``/`` as the LA officer of the first generated LA (target p95 < 300 ms at
  national scale);
* ``learner_page``: ``/learners/<id>/`` for learners in that LA with a placement (target
  p95 < 150 ms), and ``learner_attendance_page`` (``/attendance/learners/<id>/``, the heatmap);
* ``register_save``: a provider's AM register posted with "all present" and one absence to
  ``/attendance/register/`` (marks written, home-school marks derived, an alert raised), the
  session's marks removed again before each request (target p95 < 150 ms);
* others for context: the learner list, the attendance overview and watch lists, a school's
  home page, the register page, and signing in (``POST /sign-in/``: Argon2 password hashing).

Baseline of every page: the same percentile of the sign-in page (``/sign-in/``, no data read)
in the same run: the floor of the framework, middleware and templates on this machine.
The three slowest queries of one request of each page are written with their plans
(EXPLAIN ANALYZE on PostgreSQL) to bench/results/explain/pages.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.suites._common import explain, figure, percentile

#: Pages with both percentiles in the results (the others get p95 only), and their targets.
HEADLINE = {"la_dashboard": 300, "learner_page": 150, "register_save": 150,
            "learner_attendance_page": 150, "sign_in": None}


def _users(ctx: Any) -> dict[str, Any]:
    from aptrack.accounts.models import User

    code = ctx.la_code
    return {role: User.objects.get(username=f"la{code}.{name}") for role, name in
            (("la", "officer"), ("school", "school.dsl"), ("provider", "provider.staff"))}


def register_day(ctx: Any, provider: Any) -> tuple[Any, list[int]]:
    """The latest school day before today on which the provider expected learners (AM)."""
    from aptrack.attendance.whereabouts import calendar_of, register_rows

    cal = calendar_of(provider)
    day = ctx.today - timedelta(days=1)
    for _ in range(120):
        if cal.is_school_day(day):
            rows = [r for r in register_rows(provider, day, "AM") if r.expected_here]
            if rows:
                return day, [r.learner.pk for r in rows]
        day -= timedelta(days=1)
    raise RuntimeError(f"{provider} expected nobody in the last 120 days")


def learner_sample(user: Any, limit: int = 60) -> list[int]:
    from aptrack.learners.models import Learner

    return list(Learner.objects.for_user(user).filter(placements__status__in=["active", "ended"])
                .order_by("pk").values_list("pk", flat=True).distinct()[:limit])


def _clear_session(provider: Any, day: Any, learners: list[int]) -> None:
    """Remove a register session's marks (and the marks and alerts derived from them)."""
    from aptrack.attendance.models import Alert, AttendanceMark, MarkAmendment

    marks = AttendanceMark.objects.filter(learner_id__in=learners, date=day, session="AM")
    MarkAmendment.objects.filter(mark__in=marks).delete()
    marks.filter(setting=provider).delete()
    marks.filter(source="derived").delete()
    Alert.objects.filter(learner_id__in=learners, date=day, session="AM").delete()
    from aptrack.attendance import counts

    counts.rebuild(learners)  # marks deleted outside the service: their counts follow


def _sample(request: Callable[[], Any], repeats: int, expect: int,
            before: Callable[[], None] | None = None) -> tuple[list[float], int]:
    """Time ``repeats`` requests after two warm-up ones (10 at most when a page takes over a
    second: the percentiles of a slow page are clear enough and the run stays short)."""
    times: list[float] = []
    errors = 0
    i = 0
    while i < repeats + 2:
        if before:
            before()
        started = time.perf_counter()
        response = request()
        elapsed = time.perf_counter() - started
        if response.status_code != expect:
            errors += 1
        if i == 1 and elapsed > 1:
            repeats = min(repeats, 10)
        if i >= 2:  # two warm-up requests
            times.append(elapsed * 1000)
        i += 1
    return times, errors


def _plans(ctx: Any, name: str, request: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    selects = sorted((q for q in captured.captured_queries
                      if q["sql"].lstrip().upper().startswith("SELECT")),
                     key=lambda q: -float(q["time"]))[:3]
    path = ctx.explain_dir / "pages.md"
    for n, q in enumerate(selects, start=1):
        try:
            explain(q["sql"], None, path, f"{name}: query {n} of the 3 slowest "
                                          f"({len(captured)} queries, {q['time']} s)")
        except Exception as exc:  # a plan we cannot reproduce is noted, not fatal
            with path.open("a") as out:
                out.write(f"## {name}: query {n}\n\n(no plan: {exc})\n\n")
    return len(captured)


def run(ctx: Any) -> list[dict[str, Any]]:
    from django.test import Client

    (ctx.explain_dir / "pages.md").write_text("# Page queries and plans\n\n")
    users = _users(ctx)
    provider = users["provider"].organisation.establishment
    day, expected = register_day(ctx, provider)
    learners = learner_sample(users["la"])
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    anonymous = Client()
    counter = iter(range(10**9))

    def next_learner() -> int:
        return learners[next(counter) % len(learners)]

    register_url = f"/attendance/register/?date={day.isoformat()}&session=AM"
    post = {"date": day.isoformat(), "session": "AM", "action": "all_present",
            f"code-{expected[0]}": "O"}
    pages: list[tuple[str, Callable[[], Any], int, Callable[[], None] | None]] = [
        ("la_dashboard", lambda: clients["la"].get("/"), 200, None),
        ("learner_page", lambda: clients["la"].get(f"/learners/{next_learner()}/"), 200, None),
        ("learner_attendance_page",
         lambda: clients["la"].get(f"/attendance/learners/{next_learner()}/"), 200, None),
        ("register_save", lambda: clients["provider"].post("/attendance/register/", post), 302,
         lambda: _clear_session(provider, day, expected)),
        ("register_page", lambda: clients["provider"].get(register_url), 200, None),
        ("learner_list", lambda: clients["la"].get("/learners/"), 200, None),
        ("attendance_overview", lambda: clients["la"].get("/attendance/"), 200, None),
        ("watch_lists", lambda: clients["la"].get("/attendance/watch-lists/"), 200, None),
        ("school_home", lambda: clients["school"].get("/"), 200, None),
        ("sign_in", lambda: Client().post("/sign-in/", {"username": users["la"].username,
                                                         "password": ctx.password}), 302, None),
    ]
    floor, floor_errors = _sample(lambda: anonymous.get("/sign-in/"), ctx.repeats, 200)
    floor50, floor95 = percentile(floor, 50), percentile(floor, 95)
    out = []
    for name, request, expect, before in pages:
        repeats = ctx.repeats if name in HEADLINE else max(2, ctx.repeats // 6)
        print(f"   {name}: {repeats} requests ...", flush=True)
        times, errors = _sample(request, repeats, expect, before)
        if before:
            before()
        queries = _plans(ctx, name, request)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        target = f"; target p95 < {HEADLINE[name]} ms at national scale" if (
            HEADLINE.get(name)) else ""
        notes = (f"{len(times)} requests, {errors} not {expect}, {queries} queries; baseline: "
                 f"/sign-in/ ({floor_errors} errors){target}")
        if name in HEADLINE:
            out.append(figure(f"{name}_p50", p50, floor50, "ms", notes))
        out.append(figure(f"{name}_p95", p95, floor95, "ms", notes))
        if errors:
            out[-1]["errors"] = errors
    _clear_session(provider, day, expected)
    clients["provider"].post("/attendance/register/", {**post, f"code-{expected[0]}": ""})
    return out
