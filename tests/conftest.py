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

