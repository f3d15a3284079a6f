"""Learner, enrolment and exclusion services: validation, constraints, audit."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aptrack.accounts.models import AuditEvent
from aptrack.learners import services
from aptrack.learners.models import Enrolment, Learner
from aptrack.rules import upn as rules_upn
from tests import factories

pytestmark = pytest.mark.django_db


def _details(world, **kw):
    base = {"given_name": "Ada", "family_name": "Example", "date_of_birth": date(2012, 3, 4),
            "sex": "F", "home_la": world.la}
    base.update(kw)
    return base


def test_create_learner_normalises_upn_and_audits(world, la_officer):
    upn = rules_upn.make("332", "4001", "24", 7)
    learner = services.learner_create(actor=la_officer, upn=upn.lower(), **_details(world))
    assert learner.upn == upn
    event = AuditEvent.objects.get(action="learner.create")
    assert (event.user, event.learner_id, event.changes["upn"]) == (la_officer, learner.pk, upn)


def test_wrong_check_letter_names_field_and_census_rule(world, la_officer):
    upn = rules_upn.make("332", "4001", "24", 7)
    wrong = ("B" if upn[0] != "B" else "C") + upn[1:]
    with pytest.raises(ValidationError) as err:
        services.learner_create(actor=la_officer, upn=wrong, **_details(world))
    message = err.value.message_dict["upn"][0]
    assert f"should be {upn[0]}" in message and "1510" in message
    assert not Learner.objects.exists() and not AuditEvent.objects.exists()  # nothing half-written


def test_unknown_la_code_is_census_error_1530(world, la_officer):
    with pytest.raises(ValidationError) as err:
        services.learner_create(actor=la_officer, upn="A999400124007", **_details(world))
    assert "1530" in err.value.message_dict["upn"][0]


def test_duplicate_upn_is_census_error_1520(world, la_officer):
    upn = rules_upn.make("332", "4001", "24", 8)
    services.learner_create(actor=la_officer, upn=upn, **_details(world))
    with pytest.raises(ValidationError) as err:
        services.learner_create(actor=la_officer, upn=upn, **_details(world, given_name="Bo"))
    assert "1520" in err.value.message_dict["upn"][0]
    assert Learner.objects.count() == 1


def test_database_refuses_duplicate_upn_even_past_the_service(world):
    upn = rules_upn.make("332", "4001", "24", 9)
    Learner.objects.create(upn=upn, **_details(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Learner.objects.create(upn=upn, **_details(world))


def test_primary_need_needs_sen_provision(world, la_officer):
    with pytest.raises(ValidationError) as err:
        services.learner_create(actor=la_officer, primary_need="SEMH", **_details(world))
    assert "primary_need" in err.value.message_dict


def test_update_refuses_a_stale_version(world, la_officer):
    learner = services.learner_create(actor=la_officer, **_details(world))
    services.learner_update(actor=la_officer, learner=learner, version=1, given_name="Ada-Mae")
    with pytest.raises(ValidationError) as err:
        services.learner_update(actor=la_officer, learner=learner, version=1, given_name="X")
    assert err.value.code == "stale"
    learner.refresh_from_db()
    assert (learner.given_name, learner.version) == ("Ada-Mae", 2)
    change = AuditEvent.objects.get(action="learner.update").changes
    assert change == {"given_name": ["Ada", "Ada-Mae"]}


def test_one_current_main_registration(world):
    learner = factories.learner(world.school)
    with pytest.raises(ValidationError):
        services.enrolment_start(actor=None, learner=learner, establishment=world.other_school,
                                 start_date=date(2025, 9, 3))
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        Enrolment.objects.create(learner=learner, establishment=world.other_school, status="M",
                                 start_date=date(2025, 9, 3))


def test_unregistered_provider_has_no_roll(world):
    learner = factories.learner(world.school)
    with pytest.raises(ValidationError) as err:
        services.enrolment_start(actor=None, learner=learner, establishment=world.ap,
                                 start_date=date(2025, 9, 3), status="S")
    assert "not a registered school" in str(err.value)


def test_permanent_exclusion_becomes_final_and_leaves_roll(world, la_officer):
    learner = factories.learner(world.school)
    exclusion = services.exclusion_record(actor=la_officer, learner=learner, school=world.school,
                                          category="PERM", first_day=date(2025, 10, 6),
                                          reason_1="PA", reason_2="VA")
    assert exclusion.status == "pending" and learner.home_enrolment(date(2025, 10, 7))
    services.exclusion_make_final(actor=la_officer, exclusion=exclusion,
                                  final_on=date(2025, 10, 24))
    enrolment = learner.enrolments.get()
    assert (enrolment.end_date, enrolment.leaving_reason) == (date(2025, 10, 24),
                                                              "permanent_exclusion")
    assert learner.home_enrolment(date(2025, 11, 3)) is None
    with pytest.raises(ValidationError):  # final only once
        services.exclusion_make_final(actor=la_officer, exclusion=exclusion,
                                      final_on=date(2025, 10, 25))


def test_exclusion_input_errors_name_the_field(world):
    learner = factories.learner(world.school)
    cases = [
        ({"category": "FIXD"}, "school_days"),  # a suspension needs its length
        ({"category": "PERM", "school_days": 3}, "school_days"),
        ({"category": "FIXD", "school_days": 2, "reason_2": "PA"}, "reason_2"),  # repeated
        ({"category": "FIXD", "school_days": 2, "reason_1": "ZZ"}, "reason_1"),  # unknown code
    ]
    for extra, field in cases:
        kw = {"reason_1": "PA", **extra}
        with pytest.raises(ValidationError) as err:
            services.exclusion_record(actor=None, learner=learner, school=world.school,
                                      first_day=date(2025, 10, 6), **kw)
        assert field in err.value.message_dict, (extra, err.value.message_dict)
    with pytest.raises(ValidationError) as err:
        services.exclusion_record(actor=None, learner=learner, school=world.other_school,
                                  category="FIXD", school_days=2, first_day=date(2025, 10, 6),
                                  reason_1="PA")
    assert "school" in err.value.message_dict


def test_reinstated_exclusion_keeps_the_roll_and_is_audited(world, la_officer):
    learner = factories.learner(world.school)
    exclusion = services.exclusion_record(actor=la_officer, learner=learner, school=world.school,
                                          category="PERM", first_day=date(2025, 10, 6),
                                          reason_1="PA")
    services.exclusion_reinstate(actor=la_officer, exclusion=exclusion)
    assert learner.home_enrolment(date(2025, 11, 3)).establishment == world.school
    event = AuditEvent.objects.get(action="exclusion.reinstate")
    assert event.changes == {"status": ["pending", "reinstated"]}
    with pytest.raises(ValidationError):
        services.exclusion_make_final(actor=la_officer, exclusion=exclusion,
                                      final_on=date(2025, 10, 24))


def test_learner_writes_need_the_learner_in_scope(world):
    learner = factories.learner(world.school)
    for role in ("other_school_dsl", "provider_staff", "other_la_officer"):
        with pytest.raises(Learner.DoesNotExist):
            services.learner_update(actor=world.users[role], learner=learner, given_name="X")
        with pytest.raises(Learner.DoesNotExist):
            services.exclusion_record(actor=world.users[role], learner=learner,
                                      school=world.school, category="FIXD", school_days=1,
                                      first_day=date(2025, 10, 6), reason_1="DB")
    learner.refresh_from_db()
    assert learner.given_name != "X" and not learner.exclusions.exists()
    assert services.learner_update(actor=world.users["school_dsl"], learner=learner,
                                   given_name="Y").given_name == "Y"
