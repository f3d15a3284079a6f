"""Fixtures of the accounts tests: users of every role, the account URLs, TOTP codes."""

from __future__ import annotations

import pytest
from django_otp.oath import totp

from aptrack.accounts.choices import Role
from aptrack.accounts.models import Organisation
from tests import factories

PASSWORD = "a-long-test-password-1"


def ensure_account_urls(settings) -> None:  # type: ignore[no-untyped-def]
    """The project's URLs with /account/ (tests/accounts/urls.py)."""
    settings.ROOT_URLCONF = "tests.accounts.urls"


@pytest.fixture(autouse=True)
def account_urls(settings):  # type: ignore[no-untyped-def]
    ensure_account_urls(settings)


@pytest.fixture
def people(world):  # type: ignore[no-untyped-def]
    """The World's users plus an LA administrator, an LA safeguarding officer, school staff
    and a provider manager; the LA administrator and school DSL administer their organisation."""
    la_org = world.users["la_officer"].organisation
    school_org = world.users["school_dsl"].organisation
    pru_org = world.users["provider_staff"].organisation
    people = dict(world.users)
    people["la_admin"] = factories.user("la_admin", la_org, Role.LA_ADMIN)
    people["la_safeguarding"] = factories.user("la_safeguarding", la_org, Role.LA_SAFEGUARDING)
    people["school_staff"] = factories.user("school_staff", school_org, Role.SCHOOL_STAFF)
    people["provider_manager"] = factories.user("provider_manager", pru_org,
                                                Role.PROVIDER_MANAGER)
    other_la_org = Organisation.objects.get(la=world.other_la)
    people["other_la_admin"] = factories.user("other_la_admin", other_la_org, Role.LA_ADMIN)
    dsl = people["school_dsl"]
    dsl.is_org_admin = True
    dsl.email = "dsl@school.example"
    dsl.save()
    for u in people.values():
        if not u.email:
            u.email = f"{u.username}@example.org"
            u.save()
    return people


def code_now(device, offset: int = 0) -> str:  # type: ignore[no-untyped-def]
    """The code an authenticator app shows for this device now (``offset`` time steps away)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, offset):06d}"
