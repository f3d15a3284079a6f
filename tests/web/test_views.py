"""The web pages: sign-in, scoped learner list and learner page, audited reads, 404 out of scope."""

import pytest
from django.urls import reverse

from aptrack.accounts.models import AuditEvent
from aptrack.placements import services as placements
from tests import factories

pytestmark = pytest.mark.django_db


def test_sign_in_page_and_login_required(client, world):
    response = client.get(reverse("web:sign-in"))
    assert response.status_code == 200 and b"Sign in to AP Track" in response.content
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and reverse("web:sign-in") in response["Location"]


def test_wrong_password_shows_an_error_summary(client, world):
    response = client.post(reverse("web:sign-in"), {"username": "school_dsl", "password": "no"})
    assert response.status_code == 200 and b"There is a problem" in response.content


def test_sign_in_then_see_own_learners_only(client, world):
    mine = factories.learner(world.school, family_name="Mine")
    theirs = factories.learner(world.other_school, family_name="Theirs")
    response = client.post(reverse("web:sign-in"),
                           {"username": "school_dsl", "password": "a-long-test-password-1"})
    assert response.status_code == 302
    page = client.get(reverse("web:home")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(reverse("web:home"), {"q": mine.upn}).content.decode().count(
        "/learners/") == 1
    assert client.get(reverse("web:learner", args=[theirs.pk])).status_code == 404


def test_learner_page_is_audited_and_out_of_scope_is_404(client, world):
    learner = factories.learner(world.school)
    p = world.commission(learner, provider=world.pru, reason="off_site_direction")
    placements.placement_start(actor=None, placement=p)
    client.force_login(world.users["provider_staff"])
    response = client.get(reverse("web:learner", args=[learner.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dual registered" in body and "Exclusions" not in body  # no exclusion history
    assert AuditEvent.objects.filter(action="learner.view", learner_id=learner.pk,
                                     user=world.users["provider_staff"]).count() == 1
    client.force_login(world.users["other_provider_staff"])
    assert client.get(reverse("web:learner", args=[learner.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="learner.view_denied",
                                     user=world.users["other_provider_staff"]).count() == 1
    client.force_login(world.users["la_officer"])
    assert b"Exclusions" in client.get(reverse("web:learner", args=[learner.pk])).content


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


def test_admin_without_an_la_organisation_sees_no_users_or_organisations(client, world):
    from django.contrib.auth.models import Permission

    from aptrack.accounts.models import User

    stray = User.objects.create_user(username="stray", password="a-long-test-password-1",
                                     is_staff=True)
    stray.user_permissions.set(Permission.objects.filter(
        codename__in=["view_user", "view_organisation"]))
    client.force_login(stray)
    users = client.get("/admin/accounts/user/").content.decode()
    assert ">school_dsl</a>" not in users and "0 users" in users
    orgs = client.get("/admin/accounts/organisation/").content.decode()
    assert "0 organisations" in orgs
