"""The attendance import's two paths agree: row by row ("rows") and set-based in SQL ("staged").

Each scenario runs ``import_marks(..., method="rows")`` and then ``method="staged"`` from the
same database state, each inside a transaction rolled back afterwards, and compares what the
caller sees (the problems, or the report) and every row an import can change: the marks, their
amendments, the kept counts, the alerts and the audit events the run wrote. Each test also
checks something of its own, so that two paths that both do nothing cannot pass.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

import pytest
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from aptrack.accounts.models import AuditEvent
from aptrack.attendance import counts
from aptrack.attendance.imports import ImportFailed, import_marks
from aptrack.attendance.models import Alert, AttendanceCount, AttendanceMark, MarkAmendment
from aptrack.attendance.services import MarksInvalid, attendance_marks_record
from aptrack.placements import services as placements
from aptrack.rules import upn as rules_upn
from tests import factories
from tests.attendance.conftest import MON

pytestmark = pytest.mark.django_db

METHODS = ("rows", "staged")
TUE, WED, THU, FRI = (MON + timedelta(days=n) for n in range(1, 5))
HEADER = "upn,date,session,code"
T = TypeVar("T")


# --- what an import can change, as plain rows ---------------------------------------------

class Mark(NamedTuple):
    learner: int
    setting: int
    date: date
    session: str
    code: str
    category: str
    at_school: bool
    placement: int | None
    source: str
    supplied_code: str
    needs_review: bool
    version: int
    recorded_by: int | None
    never_amended: bool


class Amendment(NamedTuple):
    mark: tuple[int, int, date, str]
    old_code: str
    new_code: str
    old_source: str
    new_source: str
    reason: str
    amended_by: int | None


class Audit(NamedTuple):
    action: str
    object_type: str
    object_id: Any  # a mark's key for a mark, else the id as written
    learner: int | None
    user: int | None
    changes: str  # JSON, keys sorted


Outcome = dict[str, Any]


def _sorted(rows: Iterable[T]) -> list[T]:
    return sorted(rows, key=repr)  # repr: a None beside an int must not stop the sort


def db_state(since: int) -> Outcome:
    """Everything an import may change; audit events after id ``since`` (written by the run)."""
    keys: dict[int, tuple[int, int, date, str]] = {}
    marks = []
    for pk, *values, amended_at in AttendanceMark.objects.values_list(
            "pk", "learner_id", "setting_id", "date", "session", "code", "category", "at_school",
            "placement_id", "source", "supplied_code", "needs_review", "version",
            "recorded_by_id", "amended_at"):
        keys[pk] = (values[0], values[1], values[2], values[3])
        marks.append(Mark._make([*values, amended_at is None]))
    amendments = [Amendment(keys[mark_id], *rest) for mark_id, *rest in
                  MarkAmendment.objects.values_list("mark_id", "old_code", "new_code",
                                                    "old_source", "new_source", "reason",
                                                    "amended_by_id")]
    audit = []
    for action, object_type, object_id, learner_id, user_id, changes in (
            AuditEvent.objects.filter(pk__gt=since).values_list(
                "action", "object_type", "object_id", "learner_id", "user_id", "changes")):
        if object_type == "attendancemark" and object_id.isdigit():
            object_id = keys.get(int(object_id), ("no such mark", object_id))
        audit.append(Audit(action, object_type, object_id, learner_id, user_id,
                           json.dumps(changes, sort_keys=True, default=str)))
    return {
        "marks": _sorted(marks),
        "amendments": _sorted(amendments),
        "counts": _sorted(AttendanceCount.objects.exclude(sessions=0).values_list(
            "learner_id", "school_year", "category", "sessions")),
        "alerts": _sorted(Alert.objects.values_list(
            "kind", "learner_id", "setting_id", "date", "session", "code", "placement_id")),
        "audit": _sorted(audit),
    }


class Importer:
    """``import_marks`` by one method; each call returns what the caller and the database see."""

    def __init__(self, method: str, since: int) -> None:
        self.method = method
        self.since = since

    def __call__(self, name: str, data: bytes, *, setting: Any, actor: Any = None,
                 dry_run: bool = False) -> Outcome:
        out: Outcome
        queued = len(connection.run_on_commit)
        try:
            report = import_marks(name, io.BytesIO(data), setting=setting, actor=actor,
                                  dry_run=dry_run, method=self.method)
        except ImportFailed as exc:
            out = {"problems": list(exc.problems)}
        else:
            out = {"lines": report.lines(), "rows": report.rows,
                   "result": report.result.as_dict(), "withdrawn": dict(report.withdrawn)}
        out.update(db_state(self.since))
        out["count_errors"] = counts.differences()
        # The alerts' e-mails, sent when the transaction commits: one per new alert.
        out["emails_queued"] = len(connection.run_on_commit) - queued
        return out


def both(scenario: Callable[[Importer], T]) -> T:
    """Run ``scenario`` by each method from the same state, rolled back after each; they must
    agree. Returns the outcome (the same for both)."""
    since = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    start = db_state(since)
    seen: dict[str, T] = {}
    for method in METHODS:
        with transaction.atomic():
            seen[method] = scenario(Importer(method, since))
            transaction.set_rollback(True)
        assert db_state(since) == start, f"the {method} run was not rolled back"
    differences = _differences(seen["rows"], seen["staged"])
    assert not differences, "the paths disagree:\n" + "\n".join(differences)
    assert seen["staged"] == seen["rows"]
    return seen["rows"]


def _differences(rows: Any, staged: Any, where: str = "outcome") -> list[str]:
    """Where two outcomes differ, readably: per key, and per row for lists of rows."""
    if isinstance(rows, dict) and isinstance(staged, dict):
        out: list[str] = []
        for key in sorted(set(rows) | set(staged), key=str):
            out += _differences(rows.get(key, "(absent)"), staged.get(key, "(absent)"),
                                f"{where}[{key!r}]")
        return out
    if rows == staged:
        return []
    if (isinstance(rows, list) and isinstance(staged, list) and len(rows) == len(staged)
            and all(isinstance(x, dict) for x in rows + staged)):
        return [d for i, (a, b) in enumerate(zip(rows, staged, strict=True))
                for d in _differences(a, b, f"{where}[{i}]")]
    if isinstance(rows, list) and isinstance(staged, list):
        return [f"{where}: only by rows {[x for x in rows if x not in staged]!r}; "
                f"only by staged {[x for x in staged if x not in rows]!r}"
                + ("" if sorted(map(repr, rows)) != sorted(map(repr, staged)) else
                   f"; in another order: rows {rows!r}, staged {staged!r}")]
    return [f"{where}: rows {rows!r}, staged {staged!r}"]


# --- files ---------------------------------------------------------------------------------

def csv_bytes(header: str, rows: Iterable[Sequence[Any]], *, end: str = "\n",
              encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=end)
    writer.writerow(header.split(","))
    for row in rows:
        writer.writerow([str(c) for c in row])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: dict[int, Sequence[Any]]) -> bytes:
    """A workbook whose first sheet holds ``rows`` at those row numbers (gaps stay empty)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register(actor: Any, marks: list[tuple[Any, Any, date, str, str]]) -> None:
    """Marks typed on a register before the import: (placement, setting, date, session, code)."""
    attendance_marks_record(actor=actor, notify=False, source="register", marks=[
        {"learner": p.learner_id, "setting": s.pk, "date": d, "session": sn, "code": c}
        for p, s, d, sn, c in marks])


def small_batches(monkeypatch: Any, size: int) -> None:
    """Make each path write as it does a large file: the rows path's plain rows (above
    ``STREAM_ABOVE`` marks), the staged path's slices of ``SLICE`` lines."""
    monkeypatch.setattr("aptrack.attendance.services.STREAM_ABOVE", 0)
    monkeypatch.setattr("aptrack.attendance.staged.SLICE", size)


def marks_at(out: Outcome, setting: Any) -> dict[tuple[date, str], Mark]:
    return {(m.date, m.session): m for m in out["marks"] if m.setting == setting.pk}


def columns(problems: list[str]) -> list[tuple[int, str]]:
    """(line, column) of each ``line N: COLUMN: reason``."""
    out = []
    for p in problems:
        where, column, _ = p.split(": ", 2)
        out.append((int(where.split()[1]), column))
    return out


# --- scenarios -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", [None, "provider_staff"])
@pytest.mark.parametrize("small", [False, True], ids=["one-batch", "small-batches"])
def test_clean_file_for_a_dual_learner(  # type: ignore[no-untyped-def]
        dual, world, who, small, monkeypatch):
    """1. Marks created at the PRU; the home school's D derived for the sessions expected there
    (Mon-Wed mornings). ``small-batches``: the rows path writes its marks as plain rows (COPY
    on PostgreSQL) and the staged path inserts them two lines of the file at a time."""
    if small:
        small_batches(monkeypatch, 2)
    actor = world.users[who] if who else None
    upn = dual.learner.upn
    data = csv_bytes(HEADER, [
        (upn, "2025-10-06", "AM", "/"), (upn, "2025-10-06", "PM", "\\"),
        (upn, "2025-10-07", "AM", "L"), (upn, "08/10/2025", "AM", "/"),
        (upn, "2025-10-09", "AM", "B"),  # Thursday: not in the pattern, so nothing derived
    ])
    out = both(lambda load: load("marks.csv", data, setting=dual.provider, actor=actor))
    assert out["result"] == {"created": 5, "amended": 0, "unchanged": 0, "derived": 3,
                             "needs_review": 0, "alerts": 0}
    assert out["lines"][0].startswith("5 rows read: 5 marks were created")
    home = marks_at(out, dual.home_school)
    assert {k: (m.code, m.source) for k, m in home.items()} == {
        (d, "AM"): ("D", "derived") for d in (MON, TUE, WED)}
    pru = marks_at(out, dual.provider)
    assert {m.source for m in pru.values()} == {"import"}
    assert {m.recorded_by for m in pru.values()} == {getattr(actor, "pk", None)}
    assert (dual.learner_id, 2025, "present", 4) in out["counts"]
    assert (dual.learner_id, 2025, "not_counted", 3) in out["counts"]
    assert [(a.action, a.object_id, a.user) for a in out["audit"]] == [
        ("attendance.record", str(dual.provider_id), getattr(actor, "pk", None))]
    assert out["count_errors"] == []


def test_offsite_absence_in_the_alert_window(  # type: ignore[no-untyped-def]
        offsite, world, settings):
    """2. Non-school AP: absences inside the alert window raise alerts, the home school's mark
    is the provider's absence code (B when present). The window ends on Tuesday: the import
    has no ``today``, so, as the browser tests do, the window is set from the real date."""
    settings.ATTENDANCE = {**settings.ATTENDANCE,
                           "ALERT_WINDOW_DAYS": (timezone.localdate() - TUE).days}
    upn = offsite.learner.upn
    data = csv_bytes(HEADER, [
        (upn, "2025-10-06", "AM", "O"),  # Monday: one day before the window
        (upn, "2025-10-07", "AM", "O"),  # the first day of the window
        (upn, "2025-10-07", "PM", "I"),
        (upn, "2025-10-08", "AM", "/"),
    ])
    out = both(lambda load: load("ap.csv", data, setting=offsite.provider,
                                 actor=world.users["other_provider_staff"]))
    assert out["result"] == {"created": 4, "amended": 0, "unchanged": 0, "derived": 4,
                             "needs_review": 0, "alerts": 2}
    assert [(a[3], a[4], a[5]) for a in out["alerts"]] == [(TUE, "AM", "O"), (TUE, "PM", "I")]
    assert out["emails_queued"] == 2  # one e-mail per alert, when the import commits
    assert {k: m.code for k, m in marks_at(out, offsite.home_school).items()} == {
        (MON, "AM"): "O", (TUE, "AM"): "O", (TUE, "PM"): "I", (WED, "AM"): "B"}
    # The home school's register holds these sessions: the AP's marks are not counted.
    assert (offsite.learner_id, 2025, "unauthorised", 2) in out["counts"]
    assert (offsite.learner_id, 2025, "approved_activity", 1) in out["counts"]
    assert out["count_errors"] == []


@pytest.mark.parametrize("where", ["pru", "ap"])
def test_every_kind_of_problem(dual, offsite, world, where):  # type: ignore[no-untyped-def]
    """3. Every problem, each on its line, in the same words and order; nothing written."""
    if where == "pru":
        p, outsider, actor = dual, offsite.learner, world.users["provider_staff"]
    else:
        p, outsider, actor = offsite, dual.learner, world.users["other_provider_staff"]
    upn = p.learner.upn
    nobody = rules_upn.make("333", "4999", "19", 7)
    future = (timezone.localdate() + timedelta(days=400)).isoformat()
    data = csv_bytes(HEADER, [
        ("", "2025-10-06", "AM", "/"),                   # 2 blank UPN
        ("A123", "2025-10-06", "AM", "/"),               # 3 malformed UPN
        (nobody, "2025-10-06", "AM", "/"),               # 4 valid, nobody's
        (outsider.upn, "2025-10-06", "AM", "/"),         # 5 not the actor's learner
        (upn, "2025-13-01", "AM", "/"),                  # 6 not a date
        (upn, future, "AM", "/"),                        # 7 in the future
        (upn, "2025-10-11", "AM", "/"),                  # 8 a Saturday
        (upn, "2025-10-07", "EV", "/"),                  # 9 not a session
        (upn, "2025-10-07", "AM", "Q9"),                 # 10 not a code
        (upn, "2025-10-07", "AM", ""),                   # 11 no code
        (upn, "2025-10-03", "AM", "/"),                  # 12 the Friday before the placement
        (upn, "2025-10-06", "AM", "/"),                  # 13 fine
        (upn, "2025-10-06", "AM", "O"),                  # 14 the same session, another code
        (f" {upn.lower()} ", "2025-10-08", "AM", "/"),   # 15 fine (UPN normalised)
        (upn, "2025-10-08", "am", " / "),                # 16 the same mark again: no problem
        (upn, "31/02/2025", "XX", "ZZ"),                 # 17 three problems
    ])
    out = both(lambda load: load("bad.csv", data, setting=p.provider, actor=actor))
    problems = out["problems"]
    assert columns(problems) == [
        (2, "upn"), (3, "upn"), (4, "upn"), (5, "upn"), (6, "date"), (7, "date"), (8, "date"),
        (9, "session"), (10, "code"), (11, "code"), (12, "date"), (14, "session"),
        (17, "date"), (17, "session"), (17, "code")]
    assert problems[0] == "line 2: upn: a UPN is required"
    assert problems[2] == f"line 4: upn: no learner with UPN {nobody} in your records"
    assert problems[3] == f"line 5: upn: no learner with UPN {outsider.upn} in your records"
    assert "is in the future" in problems[5] and "not a school day" in problems[6]
    assert "had no placement or enrolment" in problems[10]
    # The other row is named by its line, not by its index among the rows read ("item 7").
    assert "another code" in problems[11] and "line 13" in problems[11].split(": ", 2)[2]
    assert out["marks"] == [] and out["audit"] == [] and out["counts"] == []


def test_a_setting_the_actor_may_not_mark(dual, world):  # type: ignore[no-untyped-def]
    """3b. The home school's DSL sees the learner but may not write the PRU's register."""
    upn = dual.learner.upn
    data = csv_bytes(HEADER, [(upn, "2025-10-06", "AM", "/"), (upn, "2025-10-07", "AM", "/")])
    out = both(lambda load: load("x.csv", data, setting=dual.provider,
                                 actor=world.users["school_dsl"]))
    assert out["problems"] == [
        f"line {n}: setting: you cannot record marks for Test PRU: only its own staff can"
        for n in (2, 3)]


def test_withdrawn_codes_are_mapped_and_flagged(dual, world):  # type: ignore[no-untyped-def]
    """4. H, J, Y and F mapped (C, J1, Y7, C) and flagged (all but J), new or amending; a
    withdrawn code that maps to the code already there changes nothing."""
    staff = world.users["provider_staff"]
    register(staff, [(dual, dual.provider, MON, "AM", "/"), (dual, dual.provider, MON, "PM", "C")])
    upn = dual.learner.upn
    data = csv_bytes(HEADER, [
        (upn, "2025-10-06", "AM", "H"),    # amends / to C
        (upn, "2025-10-06", "PM", "h"),    # C already: unchanged
        (upn, "2025-10-07", "AM", "J"),
        (upn, "2025-10-08", "AM", "Y"),
        (upn, "2025-10-09", "AM", "F"),
        (upn, "2025-10-09", "PM", " f "),
    ])
    out = both(lambda load: load("old.csv", data, setting=dual.provider, actor=staff))
    assert out["result"] == {"created": 4, "amended": 1, "unchanged": 1, "derived": 2,
                             "needs_review": 4, "alerts": 0}
    assert out["withdrawn"] == {"H": 2, "J": 1, "Y": 1, "F": 2}
    assert out["lines"][1:] == [
        "6 rows used codes withdrawn in 2024 (F: 2, H: 2, J: 1, Y: 1); they were mapped to "
        "current codes (F to C, H to C, J to J1, Y to Y7).",
        "4 marks were flagged for review."]
    pru = marks_at(out, dual.provider)
    assert {k: (m.code, m.supplied_code, m.needs_review) for k, m in pru.items()} == {
        (MON, "AM"): ("C", "H", True), (MON, "PM"): ("C", "", False),
        (TUE, "AM"): ("J1", "J", False), (WED, "AM"): ("Y7", "Y", True),
        (THU, "AM"): ("C", "F", True), (THU, "PM"): ("C", "F", True)}
    assert [(a.old_code, a.new_code, a.new_source) for a in out["amendments"]] == [
        ("/", "C", "import")]


def test_import_twice_then_amend_with_reasons(dual, world):  # type: ignore[no-untyped-def]
    """5. The same file again changes nothing; a third file amends, keeping each row's reason
    and the default one where the reason is blank."""
    staff = world.users["provider_staff"]
    upn = dual.learner.upn
    first = csv_bytes(HEADER, [(upn, "2025-10-06", "AM", "N"), (upn, "2025-10-07", "AM", "/"),
                               (upn, "2025-10-08", "AM", "/")])
    fix = csv_bytes(HEADER + ",reason", [
        (upn, "2025-10-06", "AM", "I", "phoned in ill"),
        (upn, "2025-10-07", "AM", "L", ""),
        (upn, "2025-10-08", "AM", "/", "no change"),
        (upn, "2025-10-09", "AM", "/", "new"),
    ])

    def scenario(load: Importer) -> list[Outcome]:
        return [load("marks.csv", first, setting=dual.provider, actor=staff),
                load("marks.csv", first, setting=dual.provider, actor=staff),
                load("fix.csv", fix, setting=dual.provider, actor=staff)]

    once, twice, fixed = both(scenario)
    assert once["result"]["created"] == 3 and once["result"]["derived"] == 3
    assert twice["result"] == {"created": 0, "amended": 0, "unchanged": 3, "derived": 0,
                               "needs_review": 0, "alerts": 0}
    assert twice["marks"] == once["marks"] and twice["counts"] == once["counts"]
    assert fixed["result"] == {"created": 1, "amended": 2, "unchanged": 1, "derived": 0,
                               "needs_review": 0, "alerts": 0}
    assert [(a.mark[2], a.old_code, a.new_code, a.reason, a.amended_by)
            for a in fixed["amendments"]] == [
        (MON, "N", "I", "phoned in ill", staff.pk),
        (TUE, "/", "L", "Corrected by the import of fix.csv", staff.pk)]
    amended = marks_at(fixed, dual.provider)[(MON, "AM")]
    assert (amended.version, amended.never_amended) == (2, False)
    assert sorted(a.action for a in fixed["audit"]).count("attendance.amend") == 2
    assert fixed["count_errors"] == []


def test_reimport_amends_the_derived_home_marks(offsite, world):  # type: ignore[no-untyped-def]
    """5b. At non-school AP a new absence code changes the home school's derived mark too."""
    staff = world.users["other_provider_staff"]
    upn = offsite.learner.upn
    first = csv_bytes(HEADER, [(upn, "2025-10-06", "AM", "/"), (upn, "2025-10-06", "PM", "\\")])
    fix = csv_bytes("reason,upn,date,session,code", [("no show", upn, "2025-10-06", "AM", "O")])

    def scenario(load: Importer) -> list[Outcome]:
        return [load("a.csv", first, setting=offsite.provider, actor=staff),
                load("b.csv", fix, setting=offsite.provider, actor=staff)]

    _, fixed = both(scenario)
    assert fixed["result"]["amended"] == 1 and fixed["result"]["derived"] == 1
    assert {(a.mark[1], a.old_code, a.new_code, a.reason) for a in fixed["amendments"]} == {
        (offsite.provider_id, "/", "O", "no show"),
        (offsite.home_school_id, "B", "O", "Derived again from the provider's register")}
    assert fixed["count_errors"] == []


def test_sessions_held_by_another_register(dual, offsite, world):  # type: ignore[no-untyped-def]
    """6. The home school typed its own marks first: they are never overwritten, and the counts
    (the "held" sessions of services/counts) agree. Then the school imports its own register,
    over its own marks, the derived D and empty sessions."""
    school_dsl = world.users["school_dsl"]
    register(school_dsl, [(dual, world.school, MON, "AM", "/"),
                          (offsite, world.school, MON, "AM", "/")])
    data_pru = csv_bytes(HEADER, [(dual.learner.upn, "2025-10-06", "AM", "/"),
                                  (dual.learner.upn, "2025-10-07", "AM", "/")])
    data_ap = csv_bytes(HEADER, [(offsite.learner.upn, "2025-10-06", "AM", "O"),
                                 (offsite.learner.upn, "2025-10-07", "AM", "/")])
    data_school = csv_bytes(HEADER, [
        (dual.learner.upn, "2025-10-06", "AM", "L"),   # over its own mark
        (dual.learner.upn, "2025-10-07", "AM", "/"),   # over the derived D
        (dual.learner.upn, "2025-10-07", "PM", "\\"),  # nothing there
        (offsite.learner.upn, "2025-10-08", "PM", "M"),  # nothing there either
    ])

    def scenario(load: Importer) -> list[Outcome]:
        return [load("pru.csv", data_pru, setting=dual.provider,
                     actor=world.users["provider_staff"]),
                load("ap.csv", data_ap, setting=offsite.provider,
                     actor=world.users["other_provider_staff"]),
                load("school.csv", data_school, setting=world.school, actor=school_dsl)]

    pru, ap, school = both(scenario)
    assert pru["result"]["created"] == 2 and pru["result"]["derived"] == 1  # Tuesday only
    assert (marks_at(pru, world.school)[(MON, "AM")].source,
            marks_at(pru, world.school)[(MON, "AM")].code) == ("register", "/")
    assert ap["result"]["derived"] == 1
    assert school["result"] == {"created": 2, "amended": 2, "unchanged": 0, "derived": 0,
                                "needs_review": 0, "alerts": 0}
    assert {(a.mark[1], a.mark[2], a.old_code, a.new_code) for a in school["amendments"]} >= {
        (world.school.pk, MON, "/", "L"), (world.school.pk, TUE, "D", "/")}
    for out in (pru, ap, school):
        assert out["count_errors"] == []


@pytest.mark.parametrize("bad", [False, True], ids=["loads", "refused"])
def test_ended_and_later_placements(dual, world, bad):  # type: ignore[no-untyped-def]
    """6b. A placement that ended on Wednesday and another from the next Monday (afternoons):
    each mark takes the placement of its day; the days between have none, nor has a learner
    whose placement has not started."""
    placements.placement_end(actor=None, placement=dual, end_date=WED,
                             end_reason="planned_end", destination="returned_home_school")
    later = world.commission(dual.learner, provider=world.pru, reason="off_site_direction",
                             start=MON + timedelta(days=7), sessions_pattern="0101010101")
    placements.placement_start(actor=None, placement=later, on=later.start_date)
    waiting = world.commission(factories.learner(world.school), provider=world.pru,
                               reason="off_site_direction", start=MON)
    upn = dual.learner.upn
    rows = [(upn, "2025-10-06", "AM", "/"), (upn, "2025-10-08", "AM", "/"),
            (upn, "2025-10-13", "PM", "\\"), (upn, "2025-10-14", "AM", "/")]
    if bad:
        rows += [(upn, "2025-10-09", "AM", "/"), (waiting.learner.upn, "2025-10-07", "AM", "/")]
    data = csv_bytes(HEADER, rows)
    out = both(lambda load: load("two.csv", data, setting=world.pru))
    if bad:
        assert columns(out["problems"]) == [(6, "date"), (7, "date")]
        assert all("had no placement or enrolment at Test PRU" in p for p in out["problems"])
        return
    assert out["result"]["created"] == 4 and out["result"]["derived"] == 3
    assert {k: m.placement for k, m in marks_at(out, world.pru).items()} == {
        (MON, "AM"): dual.pk, (WED, "AM"): dual.pk,
        (MON + timedelta(days=7), "PM"): later.pk, (TUE + timedelta(days=7), "AM"): later.pk}


@pytest.mark.parametrize("bad", [False, True], ids=["loads", "refused"])
def test_xlsx_with_date_cells(dual, world, bad):  # type: ignore[no-untyped-def]
    """7a. XLSX: date and datetime cells, text dates, spaces and lower case, an empty row."""
    upn = dual.learner.upn
    rows: dict[int, Sequence[Any]] = {
        1: ["UPN", " Date ", "Session", "CODE"],
        2: [upn, datetime(2025, 10, 6), "am", "/"],
        3: [upn, date(2025, 10, 7), "AM ", " l "],
        4: [f" {upn.lower()}", "08/10/2025", "Am", "b"],
        # 5 and 6 empty
        7: [upn, date(2025, 10, 9), "PM", "\\", None, None],
    }
    if bad:
        rows[9] = [upn, date(2025, 10, 11), "AM", "/"]  # a Saturday, after the empty rows
        rows[10] = [upn, "10th October", "PM", "/"]
    data = xlsx_bytes(rows)
    out = both(lambda load: load("marks.xlsx", data, setting=dual.provider,
                                 actor=world.users["provider_staff"]))
    if bad:
        assert columns(out["problems"]) == [(9, "date"), (10, "date")]
        assert "Saturday 11 October 2025 is not a school day" in out["problems"][0]
        assert out["marks"] == []
    else:
        assert out["rows"] == 4 and out["result"]["created"] == 4
        assert {k: m.code for k, m in marks_at(out, dual.provider).items()} == {
            (MON, "AM"): "/", (TUE, "AM"): "L", (WED, "AM"): "B", (THU, "PM"): "\\"}


def _shapes_setup(dual: Any, staff: Any) -> None:
    register(staff, [(dual, dual.provider, MON, "AM", "O"), (dual, dual.provider, TUE, "AM", "/"),
                     (dual, dual.provider, WED, "AM", "N")])


@pytest.mark.parametrize("bad", [False, True], ids=["loads", "refused"])
def test_csv_shapes_utf8(dual, world, bad):  # type: ignore[no-untyped-def]
    """7b. UTF-8 with a BOM and CRLF; columns in another order with ``reason``; spaces, lower
    case, dd/mm/yyyy; blank lines, a row of commas, quoted cells (a comma, a line break);
    rows with too few and too many cells. A problem names the physical line its row starts on
    (an editor's line number), after a cell that holds a line break too."""
    staff = world.users["provider_staff"]
    _shapes_setup(dual, staff)
    upn = dual.learner.upn
    lines = [
        "\ufeffCode , SESSION,upn,Date,Reason",              # 1
        f"/, am , {upn} ,06/10/2025,",                        # 2 amends O, default reason
        "",                                                   # 3
        f" l ,AM,{upn.lower()},2025-10-07,\"late, bus\"",     # 4 amends /
        ",,,,",                                               # 5
        f"/,am,{upn},08/10/2025,\"first line\r\nsecond line\"",  # 6 and 7
        f"\\,pm,{upn},06/10/2025",                            # 8 no reason cell
        f"B,AM,{upn},09/10/2025,,extra,cells",                # 9 too many cells
        "",                                                   # 10
    ]
    if bad:
        lines += [f"O,XM,{upn},10/10/2025,",                  # physical line 11
                  "I,AM"]                                     # 12 too few: no UPN
    lines += ["", ""]
    data = "\r\n".join(lines).encode("utf-8")
    out = both(lambda load: load("shapes.csv", data, setting=dual.provider, actor=staff))
    if bad:
        assert columns(out["problems"]) == [(11, "session"), (12, "upn")]
        assert out["problems"][1] == "line 12: upn: a UPN is required"
        assert [a for a in out["amendments"]] == []
        return
    assert out["rows"] == 5
    assert out["result"] == {"created": 2, "amended": 3, "unchanged": 0, "derived": 0,
                             "needs_review": 0, "alerts": 0}
    assert {(a.mark[2], a.new_code, a.reason) for a in out["amendments"]} == {
        (MON, "/", "Corrected by the import of shapes.csv"), (TUE, "L", "late, bus"),
        (WED, "/", "first line\r\nsecond line")}
    assert {k: m.code for k, m in marks_at(out, dual.provider).items()} == {
        (MON, "AM"): "/", (MON, "PM"): "\\", (TUE, "AM"): "L", (WED, "AM"): "/",
        (THU, "AM"): "B"}


@pytest.mark.parametrize("case", ["loads", "bad-code", "undefined-byte", "mixed"])
def test_csv_shapes_windows_1252(dual, world, case):  # type: ignore[no-untyped-def]
    """7c. Windows-1252 bytes (not UTF-8): the reasons keep their letters. A byte Windows-1252
    leaves undefined (0x81), or a file that is UTF-8 in one place and Windows-1252 in another,
    is refused naming the line, never read with letters garbled."""
    staff = world.users["provider_staff"]
    _shapes_setup(dual, staff)
    upn = dual.learner.upn
    rows: list[tuple[str, ...]] = [(upn, "06/10/2025", "AM", "/", "Café – rang at 9"),
            (upn, "07/10/2025", "AM", "I", "£5 bus fare"),
            (upn, "08/10/2025", "AM", "/", "odd byte here")]
    if case == "bad-code":
        rows.append((upn, "09/10/2025", "AM", "ü"))  # no reason cell
    data = csv_bytes(HEADER + ",reason", rows, encoding="cp1252")
    if case == "undefined-byte":
        data = data.replace(b"odd byte", b"odd \x81byte")
    if case == "mixed":  # line 4 pasted in from a UTF-8 file
        data = data.replace(b"odd byte", "odd bÿte".encode())
    out = both(lambda load: load("win.csv", data, setting=dual.provider, actor=staff))
    if case == "bad-code":
        assert columns(out["problems"]) == [(5, "code")]
        assert "'ü'" in out["problems"][0]
        return
    if case == "undefined-byte":
        at = data.index(b"\x81") + 1
        assert out["problems"] == [
            "line 4: file: the file is not valid utf-8 or windows-1252 text (byte 0x81 at "
            f"byte {at}); save it again as CSV in UTF-8 or Windows-1252"]
        return
    if case == "mixed":
        assert out["problems"] == [
            "line 2: file: byte 0xE9 is not UTF-8, but line 4 has UTF-8 characters: the file "
            "mixes two encodings; save it again as CSV UTF-8"]
        return
    assert {(a.mark[2], a.reason) for a in out["amendments"]} == {
        (MON, "Café – rang at 9"), (TUE, "£5 bus fare"), (WED, "odd byte here")}


@pytest.mark.parametrize("odd", ["tab", "nbsp", "unit-separator", "ideographic-space",
                                 "line-separator", "nul"])
def test_plain_csv_with_odd_characters(dual, world, odd):  # type: ignore[no-untyped-def]
    """7e. A plain file (no quotes, no blank lines, every row as wide as the header), which
    PostgreSQL may COPY as it is, with characters Python's ``str.strip`` and SQL's ``trim``
    treat differently: a row of tabs or no-break spaces only is blank (skipped), and such
    characters around a cell go; a NUL byte in a cell makes a bad code, not a crash."""
    upn = dual.learner.upn
    space = {"tab": "\t", "nbsp": "\xa0", "unit-separator": "\x1f",
             "ideographic-space": "\u3000", "line-separator": "\u2028", "nul": "\x00"}[odd]
    lines = ["upn,date,session,code",
             f"{upn},2025-10-06,AM,/",
             f"{space},{space}, ,{space}",                         # 3
             f"{upn}{space},{space}2025-10-07,AM{space},{space}/",  # 4
             f"{upn},2025-10-08,AM,L"]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    out = both(lambda load: load("odd.csv", data, setting=dual.provider,
                                 actor=world.users["provider_staff"]))
    if odd == "nul":
        assert columns(out["problems"]) == [(3, "upn"), (4, "upn")]
        return
    assert out["rows"] == 3 and out["result"]["created"] == 3


@pytest.mark.parametrize("bad", [False, True], ids=["loads", "refused"])
def test_every_date_form_the_import_reads(dual, world, bad):  # type: ignore[no-untyped-def]
    """7d. Dates as INTERFACES.md allows them, ``yyyy-mm-dd`` and ``dd/mm/yyyy`` (one-digit day
    and month too, as Excel writes them), and forms it does not: ISO basic and week dates,
    which Python's ``date.fromisoformat`` would read, are refused like any other."""
    upn = dual.learner.upn
    rows = [(upn, "2025-10-06", "AM", "/"), (upn, "7/10/2025", "AM", "/"),
            (upn, "08/10/2025", "AM", "/"), (upn, "2025-10-9", "AM", "/"),
            (upn, "10/10/2025 ", "AM", "/")]
    if bad:
        rows += [(upn, "06-10-2025", "PM", "/"), (upn, "2025/10/07", "PM", "/"),
                 (upn, "2025-10-08T00:00", "PM", "/"), (upn, "6 Oct 2025", "PM", "/"),
                 (upn, "20251008", "PM", "/"), (upn, "2025-W41-4", "PM", "/")]
    data = csv_bytes(HEADER, rows)
    out = both(lambda load: load("dates.csv", data, setting=dual.provider,
                                 actor=world.users["provider_staff"]))
    if bad:
        assert columns(out["problems"]) == [(n, "date") for n in range(7, 13)]
        assert out["problems"][0] == ("line 7: date: '06-10-2025' is not a date as yyyy-mm-dd "
                                      "or dd/mm/yyyy")
        assert out["problems"][-1] == ("line 12: date: '2025-W41-4' is not a date as "
                                       "yyyy-mm-dd or dd/mm/yyyy")
        return
    assert sorted(marks_at(out, dual.provider)) == [(d, "AM") for d in (MON, TUE, WED, THU,
                                                                          FRI)]


def test_dry_run_writes_nothing(dual, world):  # type: ignore[no-untyped-def]
    """8. A dry run reports what would be done and writes nothing, by either path."""
    staff = world.users["provider_staff"]
    register(staff, [(dual, dual.provider, MON, "AM", "/")])
    upn = dual.learner.upn
    data = csv_bytes(HEADER, [(upn, "2025-10-06", "AM", "O"), (upn, "2025-10-07", "AM", "/"),
                              (upn, "2025-10-08", "AM", "H")])
    bad = csv_bytes(HEADER, [(upn, "2025-10-06", "AM", "O"), (upn, "2025-10-11", "AM", "/")])
    since = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    before = db_state(since)

    def scenario(load: Importer) -> list[Outcome]:
        return [load("dry.csv", data, setting=dual.provider, actor=staff, dry_run=True),
                load("dry.csv", bad, setting=dual.provider, actor=staff, dry_run=True)]

    dry, refused = both(scenario)
    assert dry["result"] == {"created": 2, "amended": 1, "unchanged": 0, "derived": 2,
                             "needs_review": 1, "alerts": 0}
    assert dry["lines"][0] == ("3 rows read: 2 marks would be created, 1 amended, 0 unchanged; "
                               "2 home-school marks would be derived; 0 absence alerts would "
                               "be raised.")
    assert dry["lines"][-1] == "Dry run: nothing was written."
    assert {k: v for k, v in dry.items() if k in before} == before
    assert columns(refused["problems"]) == [(3, "date")]


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("a.csv", b"pupil,date,session,code\nX,2025-10-06,AM,/\n",
     "line 1: header: missing upn; unexpected 'pupil' (expected upn,date,session,code)"),
    ("a.csv", b"upn,date,session,code,comment\n",
     "line 1: header: unexpected 'comment' (expected upn,date,session,code)"),
    ("a.csv", b"UPN,Date,Code\n", "line 1: header: missing session (expected "
                                  "upn,date,session,code)"),
    ("a.csv", b"", "line 1: header: the file is empty"),
    ("a.csv", b"\xef\xbb\xbf", "line 1: header: the file is empty"),
    ("a.csv", b"\n\nupn,date,session,code\n", "line 1: header: missing upn, date, session, "
                                             "code (expected upn,date,session,code)"),
    ("a.xlsx", b"not a workbook", "line 1: file: not a readable XLSX workbook"),
], ids=["missing-and-unknown", "unknown", "missing", "empty", "bom-only", "blank-first-line",
        "not-xlsx"])
def test_header_problems(dual, name, data, expected):  # type: ignore[no-untyped-def]
    """9. A bad header (or no file) is refused the same way, before any row is read."""
    out = both(lambda load: load(name, data, setting=dual.provider))
    assert len(out["problems"]) == 1 and out["problems"][0].startswith(expected)


@pytest.mark.parametrize("header", ["upn,date,session,code", "upn,date,session,code,,",
                                    "upn,date,session,code,upn"])
def test_headers_that_are_accepted(dual, header):  # type: ignore[no-untyped-def]
    """9b. A header alone reads 0 rows; empty trailing header cells and a repeated column are
    accepted (the first of the repeated column is read)."""
    upn = dual.learner.upn
    cells = [] if header == HEADER else [[upn, "2025-10-06", "AM", "/", "A123"]]
    data = csv_bytes(header, cells)
    out = both(lambda load: load("h.csv", data, setting=dual.provider))
    assert out["rows"] == len(cells) and out["result"]["created"] == len(cells)


# --- property: random small files -------------------------------------------------------

@pytest.fixture
def late(world):  # type: ignore[no-untyped-def]
    """A second learner at the PRU, every session, from the Wednesday."""
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=world.pru, reason="off_site_direction", start=WED,
                         sessions_pattern="1" * 10)
    placements.placement_start(actor=None, placement=p, on=WED)
    p.refresh_from_db()
    return p


FORTNIGHT = [MON + timedelta(days=n) for n in range(14)]
WEEKDAYS = [d for d in FORTNIGHT if d.weekday() < 5]
GOOD_CODES = ["/", "\\", "L", "O", "I", "B", "M", "N", "D", "l", " o "]
ANY_CODES = [*GOOD_CODES, "H", "J", "Y", "F", "h", "Q9", "", "#"]
SESSIONS = ["AM", "PM", "am", " pm "]


@hypothesis_settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_files(  # type: ignore[no-untyped-def]
        dual, offsite, late, world, settings, monkeypatch, data):
    """10. Random small files over three learners, a fortnight, both sessions and a code
    alphabet with invalid and withdrawn codes; random duplicates, pre-existing marks, dry runs.
    Each example is rolled back."""
    settings.ATTENDANCE = {**settings.ATTENDANCE,  # the second week is inside the alert window
                           "ALERT_WINDOW_DAYS": (timezone.localdate() - FORTNIGHT[7]).days}
    people = {"dual": dual, "offsite": offsite, "late": late}
    where = data.draw(st.sampled_from(["pru", "ap"]), label="setting")
    setting = world.pru if where == "pru" else world.ap
    mine = ["dual", "late"] if where == "pru" else ["offsite"]
    staff = world.users["provider_staff" if where == "pru" else "other_provider_staff"]
    actor = data.draw(st.sampled_from([None, staff]), label="actor")
    clean = data.draw(st.booleans(), label="clean")
    if clean:
        row = st.tuples(st.sampled_from(mine), st.sampled_from(WEEKDAYS[2:]),
                        st.sampled_from(SESSIONS), st.sampled_from(GOOD_CODES))
    else:
        row = st.tuples(st.sampled_from([*mine, *people]), st.sampled_from(FORTNIGHT),
                        st.sampled_from([*SESSIONS, "EV"]), st.sampled_from(ANY_CODES))
    rows = data.draw(st.lists(row, min_size=1, max_size=10), label="rows")
    if clean:  # one code per session (in any spelling): no row is refused
        first: dict[tuple[str, date, str], str] = {}
        rows = [(w, d, s, first.setdefault((w, d, s.strip().upper()), c)) for w, d, s, c in rows]
    copies = data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=3), label="copies")
    rows += [rows[i] for i in copies]
    order = data.draw(st.permutations(["upn", "date", "session", "code", "reason"]),
                      label="columns")
    reasons = data.draw(st.lists(st.sampled_from(["", "phoned", "late bus"]),
                                 min_size=len(rows), max_size=len(rows)), label="reasons")
    uk_dates = data.draw(st.booleans(), label="dd/mm/yyyy")
    end = data.draw(st.sampled_from(["\n", "\r\n"]), label="line end")
    dry_run = data.draw(st.sampled_from([False, False, True]), label="dry run")
    batch = data.draw(st.sampled_from([0, 1, 3]), label="small batches of")
    # Marks already there: on sessions of the file (at the setting or the home school).
    before = data.draw(st.lists(st.tuples(
        st.integers(0, len(rows) - 1), st.booleans(),
        st.sampled_from(["/", "\\", "O", "I", "B"])), max_size=4), label="marks before")

    cells = []
    for (who, day, session, code), reason in zip(rows, reasons, strict=True):
        p = people[who]
        values = {"upn": p.learner.upn, "session": session, "code": code, "reason": reason,
                  "date": day.strftime("%d/%m/%Y") if uk_dates else day.isoformat()}
        cells.append([values[c] for c in order])
    file = csv_bytes(",".join(order), cells, end=end)

    with monkeypatch.context() as patch, transaction.atomic():
        if batch:
            small_batches(patch, batch)
        for i, at_home, code in before:
            who, day, session, _ = rows[i]
            p = people[who]
            try:
                register(None, [(p, p.home_school if at_home else setting, day,
                                 session.strip().upper(), code)])
            except MarksInvalid:  # not a mark a register could hold
                pass
        out = both(lambda load: load("random.csv", file, setting=setting, actor=actor,
                                     dry_run=dry_run))
        event("refused" if "problems" in out else "dry run" if dry_run else "loaded")
        if "problems" in out:
            assert out["problems"], "refused with no problem"
            assert {line for line, _ in columns(out["problems"])} <= set(range(2, len(rows) + 2))
            assert not clean, "a clean file was refused"
        else:
            r = out["result"]
            event(f"amended: {bool(r['amended'])}, derived: {bool(r['derived'])}, "
                  f"alerts: {bool(r['alerts'])}")
            keys = {(people[w].learner_id, d, s.strip().upper()) for w, d, s, _ in rows}
            assert r["created"] + r["amended"] + r["unchanged"] == len(keys)
            assert out["rows"] == len(rows)
            if not dry_run:
                here = {(m.learner, m.date, m.session) for m in out["marks"]
                        if m.setting == setting.pk}
                assert keys <= here
            assert out["count_errors"] == []
        transaction.set_rollback(True)
