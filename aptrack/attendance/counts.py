"""Counted sessions per learner, school year and category, kept beside the marks.

A year's summary of an LA (or a region, or England) used to group every mark of the year and
apply the counting rule of ``selectors.counted_marks`` mark by mark: seconds at LA scale, a
scan that grows with the whole table at national scale (decision 0007). ``AttendanceCount``
holds the result per learner, year and category. It is changed only here:

* ``recount`` is called by ``services.attendance_marks_record`` inside its transaction, with the
  sessions it touched: it counts those sessions before and after the write and adds the
  difference, so new marks, amendments and derived home-school marks all keep it right;
* ``rebuild`` recomputes the counts of some learners (or all) from the marks, for bulk loads
  (``aptrack generate``), deletions (retention, demo reset) and ``aptrack attendance_counts``.

The counting rule (DfE school census guidance on dual registration): a learner's session counts
on the school registers that hold it (the home school's D is not counted, so a dual-registered
learner's session counts once, at the PRU); a non-school provider's mark counts only for
sessions no school register covers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear

from aptrack.rules.calendar import school_year_of

Key = tuple[int, date, str]  # learner, date, session
CountKey = tuple[int, int, str]  # learner, school year, category


def _models() -> tuple[type[models.Model], type[models.Model]]:
    from .models import AttendanceCount, AttendanceMark

    return AttendanceMark, AttendanceCount


def counted(keys: set[Key], held: set[Key] | None = None) -> Counter[CountKey]:
    """(learner, school year, category) -> counted sessions among the sessions ``keys``.

    ``held``, when given, receives the sessions that hold at least one mark.
    """
    if not keys:
        return Counter()
    mark_model, _ = _models()
    rows = mark_model.objects.filter(  # type: ignore[attr-defined]
        learner_id__in={k[0] for k in keys},
        date__range=(min(k[1] for k in keys), max(k[1] for k in keys)),
    ).values_list("learner_id", "date", "session", "category", "at_school")
    # Per session: the categories of its school-register marks, and of the others.
    school: dict[Key, list[str]] = {}
    other: dict[Key, list[str]] = {}
    for learner_id, day, session, category, at_school in rows:
        key = (learner_id, day, session)
        if key in keys:
            (school if at_school else other).setdefault(key, []).append(category)
    if held is not None:
        held.update(school)
        held.update(other)
    out: Counter[CountKey] = Counter()
    years: dict[date, int] = {}
    for source, skip in ((school, None), (other, school)):
        for key, categories in source.items():
            if skip is not None and key in skip:
                continue  # a school register holds this session: the others do not count
            day = key[1]
            year = years.get(day)
            if year is None:
                year = years[day] = school_year_of(day)
            for category in categories:
                out[(key[0], year, category)] += 1
    return out


def recount(before: Counter[CountKey], keys: set[Key],
            known: Counter[CountKey] | None = None) -> None:
    """Add to the counts the difference the write made: ``keys`` are read back from the marks;
    ``known`` are counted sessions the caller knows without reading (a session that held no
    mark and received exactly one, with no derived mark)."""
    delta = counted(keys)
    if known:
        delta.update(known)
    delta.subtract(before)
    rows = [(lid, year, cat, n) for (lid, year, cat), n in sorted(delta.items()) if n]
    if not rows:
        return
    _, count_model = _models()
    table = connection.ops.quote_name(count_model._meta.db_table)
    # INSERT ... ON CONFLICT: PostgreSQL, and SQLite from 3.24.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (learner_id, school_year, category, sessions) "  # noqa: S608 - the table name is the model's
            "VALUES (%s, %s, %s, %s) ON CONFLICT (learner_id, school_year, category) "
            f"DO UPDATE SET sessions = {table}.sessions + excluded.sessions", rows)


def grouped(mark_model: Any, marks: Any = None) -> Any:
    """A grouped query of counted sessions: rows of (learner_id, year, category, n).

    ``mark_model`` may be the historical model of a migration.
    """
    marks = mark_model.objects.all() if marks is None else marks
    on_school = mark_model.objects.filter(learner_id=OuterRef("learner_id"),
                                          date=OuterRef("date"), session=OuterRef("session"),
                                          at_school=True)
    return (marks.filter(Q(at_school=True) | ~Exists(on_school))
            .annotate(y=ExtractYear("date"), month=ExtractMonth("date"))
            .annotate(year=Case(When(month__gte=9, then=F("y")), default=F("y") - Value(1)))
            .values_list("learner_id", "year", "category")
            .annotate(n=Count("pk")).order_by())


def rebuild(learner_ids: Iterable[int] | None = None, *, mark_model: Any = None,
            count_model: Any = None, chunk: int = 20_000) -> int:
    """Recompute the counts of ``learner_ids`` (every learner when None) from the marks.

    Returns the number of count rows written. Runs in one transaction.
    """
    if mark_model is None or count_model is None:
        mark_model, count_model = _models()
    ids = None if learner_ids is None else sorted(set(learner_ids))
    with transaction.atomic():
        targets = count_model.objects.all()
        marks = mark_model.objects.all()
        if ids is not None:
            targets = targets.filter(learner_id__in=ids)
            marks = marks.filter(learner_id__in=ids)
        targets.delete()
        written = 0
        batch: list[Any] = []
        for learner_id, year, category, n in grouped(mark_model, marks).iterator(chunk_size=chunk):
            batch.append(count_model(learner_id=learner_id, school_year=year, category=category,
                                     sessions=n))
            if len(batch) >= chunk:
                count_model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        count_model.objects.bulk_create(batch)
        written += len(batch)
    return written


def differences(learner_ids: Iterable[int] | None = None) -> list[tuple[CountKey, int, int]]:
    """Counts that disagree with the marks: [((learner, year, category), kept, from marks)]."""
    mark_model, count_model = _models()
    kept = count_model.objects.all()  # type: ignore[attr-defined]
    marks = mark_model.objects.all()  # type: ignore[attr-defined]
    if learner_ids is not None:
        ids = sorted(set(learner_ids))
        kept = kept.filter(learner_id__in=ids)
        marks = marks.filter(learner_id__in=ids)
    have = {(lid, y, c): n for lid, y, c, n in kept.values_list(
        "learner_id", "school_year", "category", "sessions") if n}
    want = {(lid, y, c): n for lid, y, c, n in grouped(mark_model, marks)}
    return sorted((key, have.get(key, 0), want.get(key, 0))
                  for key in set(have) | set(want) if have.get(key, 0) != want.get(key, 0))
