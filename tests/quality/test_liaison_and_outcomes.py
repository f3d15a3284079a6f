"""Liaison records are append-only, corrections point to what they correct, and safeguarding
notes are read only by DSL roles of the organisations involved, LA safeguarding officers and
their author; outcomes end the placement and schedule the six-month follow-up."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from aptrack.accounts.models import AuditEvent
from aptrack.placements import services as placements
from aptrack.quality import selectors, services
from aptrack.quality.models import LiaisonEntry, PlacementOutcome
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_pru(world):
    placement = world.commission(factories.learner(world.school), provider=world.pru)
    return placements.placement_start(actor=None, placement=placement)


def _entry(actor, placement, summary, safeguarding=False, corrects=None):
    return services.liaison_record(actor=actor, placement=placement, kind="call",
                                   occurred_on=date(2025, 10, 7), with_whom="Home school DSL",
                                   summary=summary, safeguarding=safeguarding, corrects=corrects)


def test_who_reads_safeguarding_notes(world, at_pru, more_users):
    staff = world.users["provider_staff"]
    ordinary = _entry(staff, at_pru, "Arrived late, settled well")
    concern = _entry(staff, at_pru, "Disclosed worry at home", safeguarding=True)
    dsl_note = _entry(world.users["school_dsl"], at_pru, "Referred to MASH", safeguarding=True)
    readers = {
        "school_dsl": {ordinary, concern, dsl_note},
        "la_safeguarding": {ordinary, concern, dsl_note},
        "school_staff": {ordinary},
        "la_officer": {ordinary},
        "provider_staff": {ordinary, concern},  # their own concern, not the school DSL's note
        "other_provider_staff": set(),
        "other_school_dsl": set(),
        "other_la_officer": set(),
    }
    users = {**world.users, **more_users}
    for name, expected in readers.items():
        seen = set(LiaisonEntry.objects.for_user(users[name]))
        assert seen == expected, name
    assert list(selectors.liaison_for_learner(user=users["school_dsl"],
                                              learner_id=at_pru.learner_id)) == [
        ordinary, concern, dsl_note]


def test_provider_staff_never_see_another_providers_notes(world, more_users):
    learner = factories.learner(world.school)
    at_pru = world.commission(learner, provider=world.pru)
    at_ap = world.commission(learner, provider=world.ap)
    _entry(world.users["provider_staff"], at_pru, "PRU note")
    ap_note = _entry(world.users["other_provider_staff"], at_ap, "AP note")
    assert list(LiaisonEntry.objects.for_user(world.users["other_provider_staff"])) == [ap_note]
    with pytest.raises(type(at_pru).DoesNotExist):
        _entry(world.users["other_provider_staff"], at_pru, "Not mine")


def test_entries_are_append_only_and_corrections_point_back(world, at_pru):
    staff = world.users["provider_staff"]
    first = _entry(staff, at_pru, "Attended 3 sessions")
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        LiaisonEntry.objects.filter(pk=first.pk).update(summary="changed")
    with pytest.raises(PermissionError):
        first.delete()
    fix = _entry(staff, at_pru, "Attended 4 sessions", corrects=first)
    assert first.corrected_by == fix
    with pytest.raises(ValidationError, match="already been corrected"):
        _entry(staff, at_pru, "Attended 5 sessions", corrects=first)
    assert AuditEvent.objects.filter(action="liaison.record").count() == 2


def test_a_correction_of_a_safeguarding_note_stays_restricted(world, at_pru):
    dsl = world.users["school_dsl"]
    concern = _entry(dsl, at_pru, "Concern", safeguarding=True)
    fix = _entry(dsl, at_pru, "Concern (date corrected)", corrects=concern)
    assert fix.safeguarding
    with pytest.raises(LiaisonEntry.DoesNotExist):  # cannot correct what one cannot read
        _entry(world.users["la_officer"], at_pru, "Overwrite", corrects=concern)


def test_outcome_ends_the_placement_and_schedules_the_follow_up(world, at_pru, school_dsl):
    outcome = services.outcome_record(actor=school_dsl, placement=at_pru,
                                      destination="home_school", end_date=date(2025, 12, 18),
                                      end_reason="objectives_met")
    at_pru.refresh_from_db()
    assert (at_pru.status, at_pru.destination) == ("ended", "returned_home_school")
    assert outcome.follow_up_due == date(2026, 6, 18)
    assert list(selectors.follow_ups_due(user=school_dsl, on=date(2026, 6, 18))) == [outcome]
    assert list(selectors.follow_ups_due(user=school_dsl, on=date(2026, 6, 17))) == []
    services.follow_up_record(actor=school_dsl, outcome=outcome,
                              followed_up_on=date(2026, 6, 19), result="still_there")
    assert list(selectors.follow_ups_due(user=school_dsl, on=date(2026, 7, 1))) == []
    event = AuditEvent.objects.get(action="outcome.follow_up")
    assert event.changes["follow_up_result"] == ["", "still_there"]
    with pytest.raises(ValidationError, match="already recorded"):
        services.outcome_record(actor=school_dsl, placement=at_pru, destination="other",
                                destination_note="Moved abroad with family")


def test_outcomes_that_are_not_a_return_to_school_have_no_follow_up(world, at_pru, school_dsl):
    outcome = services.outcome_record(actor=school_dsl, placement=at_pru,
                                      destination="moved_away", end_date=date(2025, 12, 18),
                                      end_reason="left_area")
    assert outcome.follow_up_due is None
    with pytest.raises(ValidationError, match="Only a return to school"):
        services.follow_up_record(actor=school_dsl, outcome=outcome,
                                  followed_up_on=date(2026, 6, 19), result="left")


def test_outcome_of_an_active_placement_needs_the_end(world, at_pru, school_dsl,
                                                     provider_staff):
    with pytest.raises(ValidationError, match="end date and reason"):
        services.outcome_record(actor=school_dsl, placement=at_pru, destination="home_school")
    with pytest.raises(type(at_pru).DoesNotExist):  # providers do not record outcomes
        services.outcome_record(actor=provider_staff, placement=at_pru,
                                destination="home_school", end_date=date(2025, 12, 18),
                                end_reason="objectives_met")
    assert not PlacementOutcome.objects.exists()
