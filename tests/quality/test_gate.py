"""Commissioning is refused while the commissioner's own critical checks of the provider are
missing, not satisfactory or expired, or the LA has suspended the provider; an LA officer may
override with a recorded reason, which is kept and audited (KCSIE; DfE AP guidance)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from aptrack.accounts.models import AuditEvent
from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.models import CheckOverride
from tests import factories
from tests.quality.conftest import record_critical

pytestmark = pytest.mark.django_db


def _commission(world, actor, learner, *, commissioner="school", **kw):
    who = ({"commissioning_la": world.la} if commissioner == "local_authority"
           else {"commissioning_establishment": world.school})
    return placements.placement_commission(
        actor=actor, learner=learner, provider=world.ap, commissioner_kind=commissioner,
        reason="preventative", tier=2, start_date=date(2025, 10, 6),
        hours_per_week=Decimal("10"), **who, **kw)


def test_school_is_refused_without_its_own_checks_even_when_the_la_has_checked(world,
                                                                               school_dsl):
    learner = factories.learner(world.school)
    record_critical(world.ap, la=world.la)  # the LA's list is not enough
    with pytest.raises(ValidationError) as error:
        _commission(world, school_dsl, learner)
    message = str(error.value.message_dict["provider"])
    assert "Written confirmation of staff safeguarding checks: not checked" in message
    assert "An LA officer may override" in message
    record_critical(world.ap, school=world.school)
    assert _commission(world, school_dsl, learner).pk


def test_expired_and_unsatisfactory_checks_are_named(world, la_officer):
    learner = factories.learner(world.school)
    record_critical(world.ap, la=world.la, on=date(2025, 9, 15), expires=date(2025, 10, 1))
    services.check_record(actor=la_officer, provider=world.ap, kind="insurance",
                          outcome="not_met", checked_on=date(2025, 10, 2))
    with pytest.raises(ValidationError) as error:
        _commission(world, la_officer, learner, commissioner="local_authority")
    message = str(error.value)
    assert "Insurance: not satisfactory (2 October 2025)" in message
    assert "Risk assessments: expired on 1 October 2025" in message


def test_check_expiring_today_is_still_valid(world, la_officer):
    learner = factories.learner(world.school)
    record_critical(world.ap, la=world.la, expires=date.today())
    assert _commission(world, la_officer, learner, commissioner="local_authority").pk


def test_suspended_provider_is_refused_even_with_checks(world, la_officer):
    learner = factories.learner(world.school)
    record_critical(world.ap, la=world.la)
    services.provider_status_set(actor=la_officer, provider=world.ap, status="suspended",
                                 reasons="Ofsted concerns about supervision")
    with pytest.raises(ValidationError, match="Suspended by Test LA"):
        _commission(world, la_officer, learner, commissioner="local_authority")
    services.provider_status_set(actor=la_officer, provider=world.ap, status="approved",
                                 reasons="Concerns resolved at the visit")
    assert _commission(world, la_officer, learner, commissioner="local_authority").pk


def test_school_cannot_override_but_la_officer_can_with_a_reason(world, school_dsl,
                                                                 la_officer):
    learner = factories.learner(world.school)
    with pytest.raises(ValidationError) as error:
        _commission(world, school_dsl, learner, override_reason="We trust them")
    assert "Only an officer of the local authority" in str(error.value)
    assert not CheckOverride.objects.exists()
    placement = _commission(world, la_officer, learner,
                            override_reason="Emergency place; visit booked for Friday")
    override = CheckOverride.objects.get(placement=placement)
    assert override.overridden_by == la_officer
    assert override.reason == "Emergency place; visit booked for Friday"
    assert len(override.problems) == 5
    event = AuditEvent.objects.get(action="placement.check_override")
    assert event.user == la_officer and event.learner_id == learner.pk
    assert event.changes == {"placement": placement.pk, "problems": 5}


def test_officer_of_another_la_cannot_override(world):
    learner = factories.learner(world.school)
    other = world.users["other_la_officer"]
    with pytest.raises((ValidationError, type(learner).DoesNotExist)):
        _commission(world, other, learner, override_reason="Not our learner")
    assert not CheckOverride.objects.exists()


def test_blank_override_reason_is_refused(world, la_officer):
    learner = factories.learner(world.school)
    with pytest.raises(ValidationError, match="cannot be commissioned"):
        _commission(world, la_officer, learner, commissioner="local_authority",
                    override_reason="   ")


def test_system_actor_is_not_gated(world):
    """The demo loader and administrator imports (actor None) are not gated, as with scope."""
    learner = factories.learner(world.school)
    assert world.commission(learner).pk


def test_checks_are_never_edited_and_other_schools_cannot_record_for_us(world, school_dsl):
    check = services.check_record(actor=school_dsl, provider=world.ap, kind="dsl",
                                  outcome="met", checked_on=date(2025, 9, 1))
    assert check.commissioning_establishment == world.school
    assert check.expires_on == date(2026, 9, 1)  # default 12 months
    with pytest.raises(PermissionError):
        check.save()
    with pytest.raises(ValidationError, match="your own organisation"):
        services.check_record(actor=school_dsl, provider=world.ap, kind="dsl", outcome="met",
                              checked_on=date(2025, 9, 1),
                              commissioning_establishment=world.other_school)
    with pytest.raises(ValidationError,
                       match="Only a local authority, a commissioning school or a post-16"):
        services.check_record(actor=world.users["provider_staff"], provider=world.ap,
                              kind="dsl", outcome="met", checked_on=date(2025, 9, 1))
    with pytest.raises(ValidationError, match="future"):
        services.check_record(actor=school_dsl, provider=world.ap, kind="dsl", outcome="met",
                              checked_on=date.today() + timedelta(days=1))
    assert AuditEvent.objects.filter(action="provider_check.record").count() == 1


def test_only_la_officers_set_a_provider_status(world, school_dsl):
    with pytest.raises(ValidationError, match="Only a local authority officer"):
        services.provider_status_set(actor=school_dsl, provider=world.ap, status="approved",
                                     reasons="Fine")
