"""``aptrack generate``: deterministic for a seed, and every row one the services would accept."""

from __future__ import annotations

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from aptrack.attendance.models import AttendanceMark
from aptrack.attendance.services import attendance_marks_record
from aptrack.attendance.whereabouts import calendar_of, expected_at_provider
from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.models import Placement
from aptrack.rules import arrangements
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import upn as rules_upn
from aptrack.scale.generator import GenerateError, Generator
from aptrack.scale.presets import SCALES

TODAY = date(2026, 11, 20)
pytestmark = pytest.mark.django_db


def generate(seed: int = 1) -> Generator:
    generator = Generator(SCALES["tiny"], seed=seed, today=TODAY)
    generator.run()
    return generator


def snapshot() -> str:
    """A digest of every generated row, in id order (marks in key order)."""
    digest = hashlib.sha256()
    for model, order in ((LocalAuthority, "pk"), (Establishment, "pk"), (Learner, "pk"),
                         (Exclusion, "pk"), (Placement, "pk"), (Enrolment, "pk"),
                         (AttendanceMark, ("learner_id", "setting_id", "date", "session"))):
        fields = [f.attname for f in model._meta.concrete_fields
                  if model is not AttendanceMark or f.attname != "id"]
        ordering = order if isinstance(order, tuple) else (order,)
        for row in model.objects.order_by(*ordering).values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def in_rollback(fn):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        value = fn()
        transaction.set_rollback(True)
    return value


def test_the_same_seed_gives_the_same_rows_and_another_seed_others():
    first = in_rollback(lambda: (generate(1), snapshot())[1])
    again = in_rollback(lambda: (generate(1), snapshot())[1])
    other = in_rollback(lambda: (generate(2), snapshot())[1])
    assert first == again
    assert other != first


def test_tiny_scale_has_the_shape_of_its_preset():
    report = generate().report
    scale = SCALES["tiny"]
    assert LocalAuthority.objects.count() == scale.las == len(report.la_codes)
    assert Establishment.objects.count() == scale.las * 14
    assert Learner.objects.count() == scale.learners
    assert Placement.objects.count() == scale.learners
    assert report.marks == AttendanceMark.objects.count() > 1000
    assert set(Placement.objects.values_list("reason", flat=True)) == {
        "permanent_exclusion", "suspension", "health", "off_site_direction", "preventative",
        "other"} or Placement.objects.count() < 12
    for upn in Learner.objects.values_list("upn", flat=True):
        assert rules_upn.validate(upn) == upn
    assert not AttendanceMark.objects.filter(date__gte=TODAY).exists()


def test_placements_carry_what_the_rules_decide():
    generate()
    for p in Placement.objects.select_related("provider"):
        decided = arrangements.arrange(reason=p.reason, provider_kind=p.provider.kind,
                                       commissioner_kind=p.commissioner_kind)
        assert (p.responsible, p.remains_on_roll, p.registration_at_provider,
                p.home_school_code) == (decided.responsible, decided.remains_on_roll,
                                        decided.registration_at_provider,
                                        decided.home_school_code or "")
        p.full_clean()


def test_every_mark_is_on_a_school_day_in_its_placement_with_the_code_category():
    generate()
    calendars: dict[int, object] = {}
    placements = {p.pk: p for p in Placement.objects.all()}
    for m in AttendanceMark.objects.select_related("setting"):
        if m.setting_id not in calendars:
            calendars[m.setting_id] = calendar_of(m.setting)
        assert calendars[m.setting_id].is_school_day(m.date)  # type: ignore[attr-defined]
        assert m.category == rules_attendance.CATEGORY[m.code]
        if m.placement_id and m.setting_id == placements[m.placement_id].provider_id:
            assert expected_at_provider(placements[m.placement_id], m.date, m.session)
        if m.source == "derived":
            assert m.code in {"D", "K", "B"} or m.category in {"authorised", "unauthorised"}


def test_the_attendance_service_accepts_every_generated_mark_as_already_recorded():
    """Re-submitting generated marks through the real service changes nothing: each is on a
    school day of its setting, within a placement or an enrolment there, with a valid code."""
    generate()
    marks = [{"learner": m.learner_id, "setting": m.setting_id, "date": m.date,
              "session": m.session, "code": m.code}
             for m in AttendanceMark.objects.order_by("learner_id", "date")[:600]]
    result = attendance_marks_record(actor=None, marks=marks, source="import", today=TODAY)
    assert result.unchanged == len(marks)
    assert result.created == result.amended == 0


def test_rows_point_at_rows_that_exist_and_new_rows_get_fresh_ids():
    generate()
    assert not AttendanceMark.objects.exclude(learner_id__in=Learner.objects.values("pk")).exists()
    assert not AttendanceMark.objects.exclude(
        setting_id__in=Establishment.objects.values("pk")).exists()
    assert not AttendanceMark.objects.filter(placement__isnull=False).exclude(
        placement_id__in=Placement.objects.values("pk")).exists()
    assert not Enrolment.objects.exclude(learner_id__in=Learner.objects.values("pk")).exists()
    top = max(Learner.objects.values_list("pk", flat=True))
    fresh = LocalAuthority.objects.create(code="999", name="After the generator")
    assert fresh.pk > max(LocalAuthority.objects.exclude(pk=fresh.pk).values_list("pk",
                                                                                  flat=True))
    assert Learner.objects.create(given_name="A", family_name="B", date_of_birth=date(2012, 1, 1),
                                  sex="F", home_la=fresh).pk > top


def test_generating_twice_into_the_same_database_is_refused():
    generate()
    with pytest.raises(GenerateError, match="already exist"):
        generate()


def test_the_command_prints_progress_and_accounts(monkeypatch):
    monkeypatch.setenv("APTRACK_GENERATE_PASSWORD", "a-long-bench-password-1")
    out = StringIO()
    call_command("generate", "--scale", "tiny", "--seed", "5", "--today", "2026-11-20",
                 stdout=out)
    text = out.getvalue()
    assert "LA 1/2" in text and "LA 2/2" in text and "Generated tiny data" in text
    from aptrack.accounts.models import User

    officer = User.objects.get(username=f"la{LocalAuthority.objects.order_by('pk')[0].code}"
                                         ".officer")
    assert officer.check_password("a-long-bench-password-1")
    assert officer.role == "la_officer"


def test_without_a_password_nobody_can_sign_in_as_a_generated_account():
    generate()
    from aptrack.accounts.models import User

    assert User.objects.count() == 4
    assert not any(u.has_usable_password() for u in User.objects.all())


def test_the_command_refuses_production_settings_and_bad_dates(settings):
    with pytest.raises(CommandError, match="not a date"):
        call_command("generate", "--scale", "tiny", "--today", "20/11/2026", stdout=StringIO())
    settings.APTRACK = {**settings.APTRACK, "DEMO_ALLOWED": False}
    with pytest.raises(CommandError, match="production"):
        call_command("generate", "--scale", "tiny", stdout=StringIO())
    assert not LocalAuthority.objects.exists()


def test_presets_match_the_issue():
    national = SCALES["national"]
    assert national.las == 153
    assert national.las * national.establishments_per_la == pytest.approx(24_000, rel=0.01)
    assert national.las * national.learners_per_la_year == pytest.approx(100_000, rel=0.01)
    assert SCALES["la"].learners_per_la_year == 1000
    assert SCALES["region"].las * 9 == pytest.approx(national.las, rel=0.05)


def test_generated_counts_and_school_flags_agree_with_the_marks():
    """The generator writes the kept counts itself (attendance/counts.py's rule) and each mark's
    at_school flag from its setting: both must equal what the marks say."""
    from aptrack.attendance import counts
    from aptrack.attendance.models import AttendanceCount
    from aptrack.directory.choices import SCHOOL_KINDS

    generate()
    assert AttendanceCount.objects.count() > 0
    assert counts.differences() == []
    assert not AttendanceMark.objects.filter(at_school=True).exclude(
        setting__kind__in=SCHOOL_KINDS).exists()
    assert not AttendanceMark.objects.filter(at_school=False,
                                             setting__kind__in=SCHOOL_KINDS).exists()
    assert AttendanceMark.objects.filter(at_school=False).exists()
