"""Commissioning placements: what the rules decide is stored; registrations follow.

Dates use the test calendar of school year 2025/26 (tests/factories.py): Autumn 1 runs
Tue 2 Sep (an INSET day) to Thu 23 Oct 2025; Autumn 2 starts Mon 3 Nov 2025.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aptrack.accounts.models import AuditEvent
from aptrack.learners import services as learners
from aptrack.placements import services
from aptrack.placements.models import Placement
from tests import factories

pytestmark = pytest.mark.django_db


def _exclude(world, learner, category, first_day, days=None, school=None):
    return learners.exclusion_record(actor=None, learner=learner, school=school or world.school,
                                     category=category, first_day=first_day, school_days=days,
                                     reason_1="DB")


def test_permanent_exclusion_at_pru(world, la_officer):
    """EA 1996 s19(3A): the LA provides from the 6th school day; Mon 6 Oct -> Mon 13 Oct 2025.
    The learner leaves the roll when the exclusion is final and is single registered at the PRU.
    """
    learner = factories.learner(world.school)
    exclusion = _exclude(world, learner, "PERM", date(2025, 10, 6))
    p = world.commission(learner, provider=world.pru, reason="permanent_exclusion",
                         commissioner="local_authority", exclusion=exclusion,
                         start=date(2025, 10, 13))
    assert (p.responsible, p.remains_on_roll, p.registration_at_provider, p.home_school_code) == (
        "local_authority", False, "single", "")
    assert p.provision_due_by == date(2025, 10, 13)
    assert p.home_school == world.school
    services.placement_start(actor=la_officer, placement=p)
    # While the exclusion is pending the learner is still on the excluding school's roll.
    statuses = dict(learner.enrolments.values_list("establishment__name", "status"))
    assert statuses == {"Test High": "M", "Test PRU": "S"}
    learners.exclusion_make_final(actor=la_officer, exclusion=exclusion,
                                  final_on=date(2025, 10, 24))
    current = learner.current_enrolments(date(2025, 11, 3))
    assert [(e.establishment.name, e.status) for e in current] == [("Test PRU", "C")]


def test_permanent_exclusion_on_friday_before_half_term(world):
    """Day 1 Fri 17 Oct; days 2-5 Mon 20 to Thu 23 Oct; half term; day 6 is Mon 3 Nov 2025."""
    learner = factories.learner(world.school)
    exclusion = _exclude(world, learner, "PERM", date(2025, 10, 17))
    assert services.provision_due_by(reason="permanent_exclusion",
                                     exclusion=exclusion) == date(2025, 11, 3)


@pytest.mark.parametrize(("days", "due"), [(5, None), (6, date(2025, 10, 13))])
def test_suspension_provision_from_the_sixth_day(world, days, due):
    """2007 Regs as amended by SI 2014/3216: provision from the 6th consecutive school day when
    a suspension is longer than 5 school days; the school is responsible and keeps the roll."""
    learner = factories.learner(world.school)
    exclusion = _exclude(world, learner, "FIXD", date(2025, 10, 6), days)
    p = world.commission(learner, provider=world.pru, reason="suspension", exclusion=exclusion,
                         start=date(2025, 10, 9))
    assert p.provision_due_by == due
    assert (p.responsible, p.remains_on_roll, p.registration_at_provider, p.home_school_code) == (
        "school", True, "dual", "D")


def test_back_to_back_suspensions_count_as_one_period(world):
    """3 days from Mon 6 Oct then 3 days from Thu 9 Oct: one period of 6 -> due Mon 13 Oct."""
    learner = factories.learner(world.school)
    _exclude(world, learner, "FIXD", date(2025, 10, 6), 3)
    second = _exclude(world, learner, "FIXD", date(2025, 10, 9), 3)
    assert services.provision_due_by(reason="suspension", exclusion=second) == date(2025, 10, 13)


def test_pru_suspension_makes_the_la_responsible(world):
    """EIA 2006 s100: for a suspension from a PRU the LA arranges the provision."""
    learner = factories.learner(world.pru)
    exclusion = _exclude(world, learner, "FIXD", date(2025, 10, 6), 6, school=world.pru)
    p = world.commission(learner, provider=world.ap, reason="suspension", exclusion=exclusion,
                         commissioner="local_authority")
    assert (p.responsible, p.registration_at_provider, p.home_school_code) == (
        "local_authority", "none", "K")


def test_suspension_provision_not_at_the_excluding_school(world):
    learner = factories.learner(world.pru)
    exclusion = _exclude(world, learner, "FIXD", date(2025, 10, 6), 6, school=world.pru)
    with pytest.raises(ValidationError) as err:
        world.commission(learner, provider=world.pru, reason="suspension", exclusion=exclusion,
                         commissioner="local_authority")
    assert "excluding school" in err.value.message_dict["provider"][0]


@pytest.mark.parametrize(("reason", "commissioner", "provider", "expected"), [
    # DOMAIN.md section 2: school provider -> dual, D; non-school LA-arranged -> K;
    # non-school school-arranged -> B.
    ("off_site_direction", "school", "ap", ("school", True, "none", "B")),
    ("off_site_direction", "school", "pru", ("school", True, "dual", "D")),
    ("health", "local_authority", "ap", ("local_authority", True, "none", "K")),
    ("health", "local_authority", "pru", ("local_authority", True, "dual", "D")),
    ("preventative", "school", "ap", ("school", True, "none", "B")),
    ("other", "local_authority", "ap", ("local_authority", True, "none", "K")),
])
def test_reasons_decide_responsibility_roll_and_codes(world, reason, commissioner, provider,
                                                      expected):
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=getattr(world, provider), reason=reason,
                         commissioner=commissioner)
    assert (p.responsible, p.remains_on_roll, p.registration_at_provider,
            p.home_school_code) == expected
    assert p.provision_due_by is None and p.legal_basis


def test_exclusion_reasons_need_the_exclusion(world):
    learner = factories.learner(world.school)
    with pytest.raises(ValidationError) as err:
        world.commission(learner, provider=world.pru, reason="permanent_exclusion",
                         commissioner="local_authority")
    assert "exclusion" in err.value.message_dict
    suspension = _exclude(world, learner, "FIXD", date(2025, 10, 6), 2)
    with pytest.raises(ValidationError) as err:
        world.commission(learner, provider=world.pru, reason="permanent_exclusion",
                         commissioner="local_authority", exclusion=suspension)
    assert "does not fit" in err.value.message_dict["exclusion"][0]


def test_dual_registration_starts_and_ends_with_the_placement(world, school_dsl):
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=world.pru, reason="off_site_direction")
    services.placement_agree(actor=school_dsl, placement=p)
    services.placement_start(actor=school_dsl, placement=p)
    assert sorted(learner.current_enrolments(date(2025, 10, 7)).values_list("status", flat=True)
                  ) == ["M", "S"]
    services.placement_end(actor=school_dsl, placement=p, end_date=date(2025, 12, 12),
                           end_reason="objectives_met", destination="returned_home_school")
    assert list(learner.current_enrolments(date(2025, 12, 15)).values_list("status", flat=True)
                ) == ["C"]
    actions = list(AuditEvent.objects.filter(learner_id=learner.pk).values_list("action",
                                                                                flat=True))
    for action in ["placement.commission", "placement.agree", "placement.start",
                   "enrolment.start", "placement.end", "enrolment.end"]:
        assert action in actions


def test_status_changes_follow_the_lifecycle(world):
    learner = factories.learner(world.school)
    p = world.commission(learner)
    services.placement_cancel(actor=None, placement=p)
    with pytest.raises(ValidationError):
        services.placement_start(actor=None, placement=p)
    with pytest.raises(ValidationError):
        services.placement_end(actor=None, placement=p, end_date=date(2025, 11, 1),
                               end_reason="other", destination="unknown")


def test_no_overlapping_placements_at_one_provider(world):
    learner = factories.learner(world.school)
    first = world.commission(learner, start=date(2025, 10, 6))
    with pytest.raises(ValidationError) as err:
        world.commission(learner, start=date(2025, 11, 3))
    assert "over these dates" in err.value.message_dict["start_date"][0]
    # The database holds the invariant even when the service is bypassed.
    clone = Placement.objects.get(pk=first.pk)
    clone.pk = None
    clone.start_date = date(2025, 12, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    # Cancelled placements do not block a new one; ended ones only over their own dates.
    services.placement_cancel(actor=None, placement=first)
    second = world.commission(learner, start=date(2025, 11, 3))
    services.placement_start(actor=None, placement=second)
    services.placement_end(actor=None, placement=second, end_date=date(2025, 11, 28),
                           end_reason="planned_end", destination="returned_home_school")
    assert world.commission(learner, start=date(2025, 12, 1)).pk


def test_bad_input_names_the_field(world):
    learner = factories.learner(world.school)
    cases = [
        ({"hours_per_week": Decimal("0")}, "hours_per_week"),
        ({"sessions_pattern": "0000000000"}, "sessions_pattern"),
        ({"sessions_pattern": "11111"}, "sessions_pattern"),
        ({"tier": 4}, "tier"),
        ({"planned_end_date": date(2025, 9, 1)}, "planned_end_date"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as err:
            world.commission(learner, **extra)
        assert field in err.value.message_dict, (extra, err.value.message_dict)
    assert not Placement.objects.exists()


def test_writes_outside_the_actors_scope_are_refused_as_absent(world):
    """Out of scope is "no such record" (404), and nothing is written."""
    learner = factories.learner(world.school)
    with pytest.raises(learner.DoesNotExist):
        placements_for = world.users["other_school_dsl"]
        services.placement_commission(
            actor=placements_for, learner=learner, provider=world.ap,
            commissioner_kind="school", commissioning_establishment=world.other_school,
            reason="preventative", tier=1, start_date=date(2025, 10, 6), hours_per_week=10)
    assert not Placement.objects.exists()
    p = world.commission(learner, provider=world.pru)
    for actor in (world.users["other_school_dsl"], world.users["provider_staff"]):
        with pytest.raises(Placement.DoesNotExist):
            services.placement_agree(actor=actor, placement=p)
    p.refresh_from_db()
    assert p.status == "referred"
    assert services.placement_agree(actor=world.users["school_dsl"], placement=p).status == (
        "agreed")
