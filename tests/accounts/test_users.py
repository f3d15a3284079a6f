"""Organisation administrators manage their own organisation's users, audited; nobody else
does, and another organisation's users do not exist for them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aptrack.accounts import services
from aptrack.accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_administrator_sees_only_their_organisation(client, people):
    client.force_login(people["school_dsl"])
    page = client.get(reverse("accounts:users")).content.decode()
    assert "school_staff" in page and "la_officer" not in page and "other_school_dsl" not in page
    assert client.get(reverse("accounts:user", args=[people["other_school_dsl"].pk])
                      ).status_code == 404
    assert client.get(reverse("accounts:user", args=[people["school_staff"].pk])
                      ).status_code == 200


@pytest.mark.parametrize("who", ["school_staff", "la_officer", "provider_staff",
                                 "provider_manager"])
def test_non_administrators_have_no_user_pages(client, people, who):
    client.force_login(people[who])
    for url in [reverse("accounts:users"), reverse("accounts:user-invite"),
                reverse("accounts:user", args=[people["school_staff"].pk])]:
        assert client.get(url).status_code == 404
    before = AuditEvent.objects.exclude(action="access.denied").count()
    response = client.post(reverse("accounts:user", args=[people["school_staff"].pk]),
                           {"action": "deactivate"})
    assert response.status_code == 404
    assert User.objects.get(username="school_staff").is_active
    assert AuditEvent.objects.exclude(action="access.denied").count() == before
    assert AuditEvent.objects.filter(action="access.denied", user=people[who]).exists()


def test_la_admin_manages_the_la_organisation(client, people):
    client.force_login(people["la_admin"])
    page = client.get(reverse("accounts:users")).content.decode()
    assert "la_officer" in page and "school_dsl" not in page


def test_change_role_deactivate_reactivate_are_audited(client, people):
    client.force_login(people["school_dsl"])
    staff = people["school_staff"]
    url = reverse("accounts:user", args=[staff.pk])
    assert client.post(url, {"action": "role", "role": "school_dsl",
                             "is_org_admin": "on"}).status_code == 302
    staff.refresh_from_db()
    assert staff.role == "school_dsl" and staff.is_org_admin
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.changes["role"] == ["school_staff", "school_dsl"]
    assert event.user == people["school_dsl"]
    client.post(url, {"action": "deactivate"})
    assert not User.objects.get(pk=staff.pk).is_active
    client.post(url, {"action": "reactivate"})
    assert User.objects.get(pk=staff.pk).is_active
    assert list(AuditEvent.objects.filter(object_id=str(staff.pk), object_type="user")
                .values_list("action", flat=True)) == [
        "user.role_changed", "user.deactivated", "user.reactivated"]


def test_roles_stay_within_the_organisation_kind(client, people):
    client.force_login(people["school_dsl"])
    response = client.post(reverse("accounts:user", args=[people["school_staff"].pk]),
                           {"action": "role", "role": "la_admin"})
    assert response.status_code == 200 and b"There is a problem" in response.content
    assert User.objects.get(username="school_staff").role == "school_staff"
    with pytest.raises(ValidationError):
        services.user_change_role(actor=people["school_dsl"], user=people["school_staff"],
                                  role="provider_manager", is_org_admin=False)


def test_administrators_cannot_lock_themselves_out_or_reach_other_organisations(people):
    dsl = people["school_dsl"]
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=dsl, user=dsl)
    with pytest.raises(User.DoesNotExist):
        services.user_deactivate(actor=dsl, user=people["other_school_dsl"])
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=people["school_staff"], user=dsl)
    assert User.objects.filter(is_active=False).count() == 0


def test_reset_two_factor_of_a_user_who_lost_their_phone(client, people):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.accounts.conftest import code_now

    staff = people["school_staff"]
    device = services.totp_device_start(actor=staff)
    services.totp_device_confirm(actor=staff, device=device, token=code_now(device))
    client.force_login(people["school_dsl"])
    client.post(reverse("accounts:user", args=[staff.pk]), {"action": "reset_two_factor"})
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="mfa.removed", object_id=str(staff.pk)).exists()
