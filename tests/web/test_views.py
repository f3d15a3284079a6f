"""The pages of every role: scoped lists, the learner page (audited, 404 out of scope), the
placement page and its next steps, the provider directory, and the admin's scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from aptrack.accounts.models import AuditEvent
from aptrack.learners import services as learner_services
from aptrack.placements import services as placements
from aptrack.placements.models import Placement
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["la_officer", "school_dsl", "other_school_dsl", "provider_staff",
         "other_provider_staff"]


def test_every_page_needs_sign_in(client, world, placed):
    for url in [reverse("web:home"), reverse("web:learners"),
                reverse("web:learner", args=[placed.learner_id]), reverse("web:referrals"),
                reverse("web:placement", args=[placed.pk]), reverse("web:providers"),
                reverse("web:provider", args=[world.pru.pk]), reverse("web:commission")]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("web:sign-in") in response["Location"]


@pytest.mark.parametrize("role,heading", [
    ("la_officer", "What needs action today"), ("school_dsl", "Learners"),
    ("provider_staff", "Learners")])
def test_each_role_has_its_own_home(client, world, placed, role, heading):
    client.force_login(world.users[role])
    body = client.get(reverse("web:home")).content.decode()
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in body


def test_school_home_lists_its_learners_in_ap_with_where_they_are_expected(
        client, world, placed, pupils):
    client.force_login(world.users["school_dsl"])
    body = client.get(reverse("web:home")).content.decode()
    assert "Mine, " in body and "Test PRU" in body
    client.force_login(world.users["other_school_dsl"])
    assert "Mine, " not in client.get(reverse("web:home")).content.decode()


def test_provider_home_lists_learners_placed_there_with_their_needs(client, world, placed):
    client.force_login(world.users["provider_staff"])
    body = client.get(reverse("web:home")).content.decode()
    assert "Mine, " in body and "No special educational need" in body
    client.force_login(world.users["other_provider_staff"])
    assert "Mine, " not in client.get(reverse("web:home")).content.decode()


def test_search_by_name_or_upn_is_scoped(client, world, pupils):
    mine, theirs = pupils["mine"], pupils["theirs"]
    client.force_login(world.users["school_dsl"])
    page = client.get(reverse("web:learners")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    by_upn = client.get(reverse("web:learners"), {"q": mine.upn}).content.decode()
    assert by_upn.count(reverse("web:learner", args=[mine.pk])) == 1
    assert "Theirs" not in client.get(reverse("web:learners"),
                                      {"q": theirs.upn}).content.decode()
    client.force_login(world.users["la_officer"])
    page = client.get(reverse("web:learners"), {"q": "theirs"}).content.decode()
    assert reverse("web:learner", args=[theirs.pk]) in page


@pytest.mark.parametrize("role,visible", [
    ("la_officer", True), ("school_dsl", True), ("other_school_dsl", False),
    ("provider_staff", True), ("other_provider_staff", False)])
def test_learner_and_placement_pages_by_role_and_scope(client, world, placed, role, visible):
    user = world.users[role]
    client.force_login(user)
    learner_url = reverse("web:learner", args=[placed.learner_id])
    placement_url = reverse("web:placement", args=[placed.pk])
    assert client.get(learner_url).status_code == (200 if visible else 404)
    assert client.get(placement_url).status_code == (200 if visible else 404)
    if visible:
        assert AuditEvent.objects.filter(user=user, action="learner.view").count() == 1
        assert AuditEvent.objects.filter(user=user, action="placement.view").count() == 1
    else:  # one access.denied row each, naming what was asked for (aptrack.accounts.audit)
        for kind, pk in (("learner", placed.learner_id), ("placement", placed.pk)):
            assert AuditEvent.objects.filter(user=user, action="access.denied",
                                             object_type=kind, object_id=str(pk)).count() == 1
    if visible:
        assert AuditEvent.objects.get(user=user, action="learner.view").learner_id == (
            placed.learner_id)


def test_learner_page_shows_a_timeline_and_hides_exclusions_from_providers(client, world,
                                                                           pupils):
    learner = pupils["mine"]
    exclusion = learner_services.exclusion_record(
        actor=None, learner=learner, school=world.school, category="FIXD",
        first_day=date(2025, 11, 3), school_days=8, reason_1="PA")
    p = world.commission(learner, provider=world.pru, reason="suspension", exclusion=exclusion,
                         start=date(2025, 11, 10))
    placements.placement_start(actor=None, placement=p)
    client.force_login(world.users["provider_staff"])
    body = client.get(reverse("web:learner", args=[learner.pk])).content.decode()
    assert "Dual registered" in body and "Joined the roll of Test PRU" in body
    assert "Exclusions" not in body and "Suspension (fixed period) from" not in body
    assert "{% block attendance %}" not in body  # the slot renders empty, not as text
    client.force_login(world.users["la_officer"])
    body = client.get(reverse("web:learner", args=[learner.pk])).content.decode()
    assert "Suspension (fixed period) from Test High for 8 school days" in body
    assert body.index("Started at Test PRU") < body.index("Joined the roll of Test High")


@pytest.mark.parametrize("role,status", [
    ("la_officer", 200), ("school_dsl", 200), ("provider_staff", 404)])
def test_referral_queue(client, world, pupils, role, status):
    referred = world.commission(pupils["mine"], provider=world.pru, reason="off_site_direction")
    client.force_login(world.users[role])
    response = client.get(reverse("web:referrals"))
    assert response.status_code == status
    if status == 200:
        assert reverse("web:placement", args=[referred.pk]) in response.content.decode()
    client.force_login(world.users["other_school_dsl"])
    assert reverse("web:placement", args=[referred.pk]) not in client.get(
        reverse("web:referrals")).content.decode()


def test_agree_start_and_end_a_placement_with_stale_edit_detection(client, world, pupils):
    p = world.commission(pupils["mine"], provider=world.pru, reason="off_site_direction")
    client.force_login(world.users["school_dsl"])
    url = reverse("web:placement", args=[p.pk])
    assert "Mark as agreed" in client.get(url).content.decode()
    client.post(reverse("web:placement-action", args=[p.pk, "agree"]), {"version": p.version})
    p.refresh_from_db()
    assert p.status == "agreed" and p.version == 2
    # a second tab still holding version 1 is refused: nothing changes
    response = client.post(reverse("web:placement-action", args=[p.pk, "cancel"]),
                           {"version": 1}, follow=True)
    assert "Someone else changed this placement" in response.content.decode()
    p.refresh_from_db()
    assert p.status == "agreed"
    client.post(reverse("web:placement-action", args=[p.pk, "start"]), {"version": 2})
    p.refresh_from_db()
    assert p.status == "active"
    assert AuditEvent.objects.filter(action="placement.start",
                                     user=world.users["school_dsl"]).count() == 1
    end_url = reverse("web:placement-end", args=[p.pk])
    body = client.post(end_url, {"version": p.version}).content.decode()
    assert "Choose why the placement ended" in body and 'href="#id_end_reason_0"' in body
    response = client.post(end_url, {"version": p.version, "end-day": "19", "end-month": "12",
                                     "end-year": "2025", "end_reason": "objectives_met",
                                     "destination": "returned_home_school"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "ended" and p.end_date == date(2025, 12, 19)


def test_providers_cannot_change_placements(client, world, placed):
    client.force_login(world.users["provider_staff"])
    assert "End the placement" not in client.get(
        reverse("web:placement", args=[placed.pk])).content.decode()
    assert client.get(reverse("web:placement-end", args=[placed.pk])).status_code == 404
    response = client.post(reverse("web:placement-action", args=[placed.pk, "cancel"]),
                           {"version": placed.version})
    assert response.status_code == 404
    client.force_login(world.users["other_school_dsl"])
    response = client.post(reverse("web:placement-action", args=[placed.pk, "cancel"]),
                           {"version": placed.version})
    assert response.status_code == 404
    assert Placement.objects.get(pk=placed.pk).status == "active"


def test_change_learner_details_refuses_a_stale_version(client, world, pupils):
    learner = pupils["mine"]
    url = reverse("web:learner-change", args=[learner.pk])
    client.force_login(world.users["school_dsl"])
    form = {"version": learner.version, "given_name": "Alex", "family_name": "Mine",
            "date_of_birth-day": "1", "date_of_birth-month": "1",
            "date_of_birth-year": "2012", "upn": learner.upn, "sen_provision": "K",
            "primary_need": "SEMH"}
    assert client.post(url, form).status_code == 302
    learner.refresh_from_db()
    assert (learner.given_name, learner.sen_provision, learner.version) == ("Alex", "K", 2)
    response = client.post(url, {**form, "given_name": "Sam"})  # still version 1
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this learner" in body and 'value="Alex"' in body
    assert 'name="version" value="2"' in body
    learner.refresh_from_db()
    assert learner.given_name == "Alex"
    bad = client.post(url, {**form, "version": 2, "upn": "A332400124001X"[:13],
                            "date_of_birth-month": "13"})
    assert bad.status_code == 200
    assert "The date of birth must be a real date" in bad.content.decode()
    client.force_login(world.users["provider_staff"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["other_school_dsl"])
    assert client.get(url).status_code == 404


def test_provider_directory_and_page(client, world, placed):
    client.force_login(world.users["la_officer"])
    body = client.get(reverse("web:providers")).content.decode()
    assert "Test PRU" in body and "Test Unregistered AP" in body
    body = client.get(reverse("web:provider", args=[world.pru.pk])).content.decode()
    assert "URN 100003" in body and "Mine, " in body
    body = client.get(reverse("web:provider", args=[world.ap.pk])).content.decode()
    assert "Registration is not required today" in body
    client.force_login(world.users["other_provider_staff"])
    body = client.get(reverse("web:provider", args=[world.pru.pk])).content.decode()
    assert "Mine, " not in body  # another provider's learners are not listed
    assert client.get(reverse("web:provider", args=[99999])).status_code == 404


def test_registration_test_flags_a_provider_with_a_looked_after_full_time_learner(
        client, world):
    learner = factories.learner(world.school, looked_after=True)
    p = world.commission(learner, provider=world.ap, reason="off_site_direction",
                         hours_per_week=25)
    placements.placement_start(actor=None, placement=p)
    client.force_login(world.users["la_officer"])
    body = client.get(reverse("web:home")).content.decode()
    section = body[body.index('id="must-register"'):]
    assert "Test Unregistered AP" in section and "Must register" in section
    assert "1 full-time learner(s) of compulsory school age have an EHC plan or are looked " \
           "after" in section


def test_dashboard_shows_overdue_provision_after_a_permanent_exclusion(client, world, pupils):
    from datetime import timedelta

    first = date.today() - timedelta(days=21)
    learner_services.exclusion_record(actor=None, learner=pupils["mine"], school=world.school,
                                      category="PERM", first_day=first, reason_1="PA")
    client.force_login(world.users["la_officer"])
    body = client.get(reverse("web:home")).content.decode()
    section = body[body.index('id="provision-due"'):body.index("Referrals waiting to start")]
    assert pupils["mine"].full_name in section and "Not yet" in section
    assert ">Overdue<" in section or ">Due<" in section
    # once a placement for the exclusion has started, it leaves the list
    exclusion = pupils["mine"].exclusions.get()
    p = world.commission(pupils["mine"], provider=world.pru, reason="permanent_exclusion",
                         commissioner="local_authority", exclusion=exclusion, start=first)
    placements.placement_start(actor=None, placement=p)
    body = client.get(reverse("web:home")).content.decode()
    section = body[body.index('id="provision-due"'):body.index("Referrals waiting to start")]
    assert pupils["mine"].full_name not in section


def test_navigation_shows_only_pages_that_exist_for_the_role(client, world):
    client.force_login(world.users["la_officer"])
    body = client.get(reverse("web:providers")).content.decode()
    assert 'href="/referrals/"' in body and 'href="/providers/"' in body
    assert 'aria-current="page"' in body
    client.force_login(world.users["provider_staff"])
    body = client.get(reverse("web:providers")).content.decode()
    assert 'href="/referrals/"' not in body


def test_admin_is_scoped_and_read_only_for_personal_data(client, world):
    from aptrack.demo import la_admin_group

    admin = world.users["la_officer"]
    admin.role, admin.is_staff = "la_admin", True
    admin.save()
    admin.groups.add(la_admin_group())
    factories.learner(world.school, family_name="Inside")
    far_school = factories.establishment(world.other_la, "Far", "mainstream_school",
                                         urn="100008", estab_number="4008")
    factories.learner(far_school, family_name="Outside", home_la=world.other_la)
    client.force_login(admin)
    page = client.get("/admin/learners/learner/").content.decode()
    assert "Inside" in page and "Outside" not in page
    assert client.get("/admin/learners/learner/add/").status_code == 403
    establishments = client.get("/admin/directory/establishment/").content.decode()
    assert "Test High" in establishments and "Far" not in establishments


def test_cancelling_asks_first_then_cancels(client, world, pupils):
    p = world.commission(pupils["mine"], provider=world.pru, reason="off_site_direction")
    client.force_login(world.users["la_officer"])
    url = reverse("web:placement-action", args=[p.pk, "cancel"])
    body = client.get(url).content.decode()
    assert "Are you sure you want to cancel this placement?" in body
    assert Placement.objects.get(pk=p.pk).status == "referred"  # asking changes nothing
    client.post(url, {"version": p.version})
    assert Placement.objects.get(pk=p.pk).status == "cancelled"
    assert client.get(url).status_code == 404  # nothing left to cancel
    assert client.get(reverse("web:placement-action", args=[p.pk, "agree"])).status_code == 404


def test_out_of_scope_is_a_plain_page_not_found(client, world, pupils):
    client.force_login(world.users["other_school_dsl"])
    response = client.get(reverse("web:learner", args=[pupils["mine"].pk]))
    body = response.content.decode()
    assert response.status_code == 404 and "Page not found" in body
    assert "Mine" not in body  # nothing about the learner, not even that they exist
