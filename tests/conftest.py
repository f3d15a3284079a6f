"""Shared fixtures: a small LA world with one user of each role, built through the services."""

from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("APTRACK_REQUIRE_ALL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """With APTRACK_REQUIRE_ALL=1 (CI) a skipped test is a failure: nothing may hide."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under APTRACK_REQUIRE_ALL=1: {report.longrepr}"


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """LA 332 with a calendar, two schools, a PRU and an unregistered provider, and users."""
    from tests import factories

    return factories.World.build()


@pytest.fixture
def la_officer(world):  # type: ignore[no-untyped-def]
    return world.users["la_officer"]


@pytest.fixture
def school_dsl(world):  # type: ignore[no-untyped-def]
    return world.users["school_dsl"]


@pytest.fixture
def other_school_dsl(world):  # type: ignore[no-untyped-def]
    return world.users["other_school_dsl"]


@pytest.fixture
def provider_staff(world):  # type: ignore[no-untyped-def]
    return world.users["provider_staff"]


@pytest.fixture
def other_provider_staff(world):  # type: ignore[no-untyped-def]
    return world.users["other_provider_staff"]



@pytest.fixture(scope="session")
def smtp_server():  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) on loopback for the whole test session."""
    from tests.smtp import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):  # type: ignore[no-untyped-def]
    """Send this test's e-mail through the real SMTP server; ``smtp.capture()`` reads it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.hostname, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_server


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """Close the one shared Chromium, if a browser test started it."""
    from tests.browser.conftest import close_shared_browser

    close_shared_browser()


@pytest.fixture
def more_users(world):  # type: ignore[no-untyped-def]
    """An LA safeguarding officer and a school staff member (not DSL) of the test world."""
    from aptrack.accounts.choices import OrganisationKind, Role
    from aptrack.accounts.models import Organisation
    from tests import factories

    la_org = Organisation.objects.get(kind=OrganisationKind.LOCAL_AUTHORITY, la=world.la)
    school_org = Organisation.objects.get(establishment=world.school)
    return {"la_safeguarding": factories.user("la_sg", la_org, Role.LA_SAFEGUARDING),
            "school_staff": factories.user("school_staff", school_org, Role.SCHOOL_STAFF)}
