"""Fixtures of the web tests: a learner in each scope, placements, and provider checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests import factories

#: A school day in the fixed test school year (factories.SCHOOL_YEAR), a Monday.
MONDAY = date(2025, 10, 6)


@pytest.fixture
def no_critical_checks(settings):
    """Commissioning with no provider checks required (the quality gate is tested by its own
    app; tests that exercise it through the pages leave this fixture out)."""
    settings.QUALITY = {**settings.QUALITY, "CRITICAL_CHECKS": []}


@pytest.fixture
def pupils(world):
    """One pupil at each school; Mine on the roll of world.school, Theirs of other_school."""
    return {"mine": factories.learner(world.school, family_name="Mine"),
            "theirs": factories.learner(world.other_school, family_name="Theirs")}


@pytest.fixture
def placed(world, pupils):
    """Mine placed at the PRU by the school (off-site direction), started."""
    from aptrack.placements import services

    p = world.commission(pupils["mine"], provider=world.pru, reason="off_site_direction",
                         start=MONDAY, hours_per_week=Decimal("25"))
    return services.placement_start(actor=None, placement=p)
