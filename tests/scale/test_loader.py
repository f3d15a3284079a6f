"""The streaming loader: COPY on PostgreSQL, executemany on SQLite, defaults for the rest."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from aptrack.attendance.models import AttendanceMark
from aptrack.directory.models import LocalAuthority
from aptrack.scale.loader import BulkWriter, NoDefault, insert_rows

pytestmark = pytest.mark.django_db


def test_insert_rows_writes_tuples_with_the_other_fields_at_their_defaults(world):
    from tests import factories

    learner = factories.learner(world.school)
    setting_id = world.school.pk
    days = [date(2025, 9, 8), date(2025, 9, 9), date(2025, 9, 10)]
    rows = [(learner.pk, setting_id, d, s, "/" if s == "AM" else "\\", "present", "import")
            for d in days for s in ("AM", "PM")]
    written = insert_rows(AttendanceMark, ["learner_id", "setting_id", "date", "session", "code",
                                           "category", "source"], rows, chunk=4)
    assert written == 6
    marks = list(AttendanceMark.objects.filter(learner=learner, source="import")
                 .order_by("date", "session"))
    assert [(m.date, m.session) for m in marks] == [(d, s) for d in days for s in ("AM", "PM")]
    assert all(m.version == 1 and m.supplied_code == "" and not m.needs_review
               and m.recorded_by_id is None for m in marks)


def test_a_required_field_left_out_is_refused_before_anything_is_written():
    with pytest.raises(NoDefault, match="name"):
        BulkWriter().open(LocalAuthority, ["id", "code"])


def test_ids_are_allocated_past_the_existing_ones_and_sequences_follow():
    first = LocalAuthority.objects.create(code="101", name="Existing")
    writer = BulkWriter()
    writer.open(LocalAuthority, ["id", "code", "name"])
    new_id = writer.new_id(LocalAuthority)
    assert new_id == first.pk + 1
    writer.add(LocalAuthority, (new_id, "102", "Loaded"))
    assert writer.finish() == {"directory.LocalAuthority": 1}
    after = LocalAuthority.objects.create(code="103", name="Created after")
    assert after.pk > new_id
    assert connection.vendor in {"sqlite", "postgresql"}
