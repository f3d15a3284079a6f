"""A provider's designated safeguarding lead (role ``provider_dsl``) reads the safeguarding
liaison notes of their own provider's placements; the provider's other staff do not (except
notes they wrote themselves), nor does any other provider's DSL. The role belongs to provider
organisations only and leaves the existing role values unchanged."""

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from aptrack.accounts import scopes
from aptrack.accounts.choices import ROLES_BY_ORGANISATION, OrganisationKind, Role
from aptrack.accounts.models import Organisation
from aptrack.placements import services as placements
from aptrack.quality import services
from aptrack.quality.models import LiaisonEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def dsls(world):
    pru_org = Organisation.objects.get(establishment=world.pru)
    ap_org = Organisation.objects.get(establishment=world.ap)
    return {"pru_dsl": factories.user("pru_dsl", pru_org, Role.PROVIDER_DSL),
            "ap_dsl": factories.user("ap_dsl", ap_org, Role.PROVIDER_DSL),
            "pru_manager": factories.user("pru_manager", pru_org, Role.PROVIDER_MANAGER)}


@pytest.fixture
def two_placements(world):
    """One learner at the PRU (Mon-Wed) and at the unregistered AP (Thu-Fri) at once."""
    learner = factories.learner(world.school)
    at_pru = placements.placement_start(actor=None, placement=world.commission(
        learner, provider=world.pru, sessions_pattern="1111110000"))
    at_ap = placements.placement_start(actor=None, placement=world.commission(
        learner, provider=world.ap, sessions_pattern="0000001111"))
    return at_pru, at_ap


def _note(actor, placement, summary, safeguarding=True):
    return services.liaison_record(actor=actor, placement=placement, kind="concern",
                                   occurred_on=date(2025, 10, 7), with_whom="Key worker",
                                   summary=summary, safeguarding=safeguarding)


def test_the_role_exists_for_providers_only_and_old_values_are_unchanged(world, dsls):
    assert Role.PROVIDER_DSL.value == "provider_dsl"
    assert [r.value for r in Role if r != Role.PROVIDER_DSL] == [
        "la_officer", "la_safeguarding", "la_admin", "school_dsl", "school_staff",
        "provider_manager", "provider_staff", "post16_staff"]
    assert Role.PROVIDER_DSL in ROLES_BY_ORGANISATION[OrganisationKind.PROVIDER]
    assert Role.PROVIDER_DSL in scopes.PROVIDER_ROLES and dsls["pru_dsl"].is_provider
    assert "provider_dsl" in settings.QUALITY["DSL_ROLES"]
    school_org = Organisation.objects.get(establishment=world.school)
    with pytest.raises(ValidationError, match="does not belong"):
        factories.user("school_pretender", school_org, Role.PROVIDER_DSL)


def test_provider_dsl_reads_safeguarding_notes_of_their_own_placements(world, dsls,
                                                                       two_placements):
    at_pru, at_ap = two_placements
    school_note = _note(world.users["school_dsl"], at_pru, "Home school DSL: MASH referral")
    ordinary = _note(world.users["school_dsl"], at_pru, "Settled well", safeguarding=False)
    staff_note = _note(world.users["provider_staff"], at_pru, "Disclosure to key worker")
    ap_note = _note(world.users["school_dsl"], at_ap, "Concern raised at the AP")
    readers = {
        "pru_dsl": {school_note, ordinary, staff_note},
        "pru_manager": {ordinary},  # provider roles other than the DSL do not
        "provider_staff": {ordinary, staff_note},  # the note they wrote, not the school DSL's
        "ap_dsl": {ap_note},  # never another provider's notes on the same learner
        "other_provider_staff": set(),
        "school_dsl": {school_note, ordinary, staff_note, ap_note},
    }
    users = {**world.users, **dsls}
    for name, expected in readers.items():
        assert set(LiaisonEntry.objects.for_user(users[name])) == expected, name


def test_provider_dsl_sees_the_note_on_the_liaison_page_and_staff_do_not(client, world, dsls,
                                                                        two_placements):
    at_pru, _ = two_placements
    _note(world.users["school_dsl"], at_pru, "Learner disclosed a worry at home")
    url = reverse("quality:liaison", args=[at_pru.learner_id])
    client.force_login(dsls["pru_dsl"])
    response = client.get(url)
    assert response.status_code == 200
    assert "Learner disclosed a worry at home" in response.content.decode()
    client.force_login(world.users["provider_staff"])
    response = client.get(url)
    assert response.status_code == 200
    assert "Learner disclosed a worry at home" not in response.content.decode()
    # A DSL of another provider with no placement of this learner cannot open the page.
    ap_only = factories.learner(world.school)
    placements.placement_start(actor=None, placement=world.commission(ap_only,
                                                                      provider=world.ap))
    client.force_login(dsls["pru_dsl"])
    assert client.get(reverse("quality:liaison", args=[ap_only.pk])).status_code == 404


def test_provider_dsl_records_a_concern_that_the_home_school_dsl_reads(world, dsls,
                                                                      two_placements):
    at_pru, _ = two_placements
    concern = _note(dsls["pru_dsl"], at_pru, "Bruising noticed; home school DSL called")
    assert concern in LiaisonEntry.objects.for_user(world.users["school_dsl"])
    assert concern not in LiaisonEntry.objects.for_user(world.users["la_officer"])
    assert concern not in LiaisonEntry.objects.for_user(dsls["ap_dsl"])
