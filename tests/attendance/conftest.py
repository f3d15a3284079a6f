"""Fixtures for attendance: a dual-registered learner at the PRU and one at non-school AP."""

from __future__ import annotations

from datetime import date

import pytest

from tests import factories

MON = date(2025, 10, 6)  # a Monday in autumn term 1 of the test calendar
TODAY = date(2025, 10, 8)


@pytest.fixture
def dual(world):  # type: ignore[no-untyped-def]
    """Off-site direction from Test High to the PRU, Mon-Wed mornings at the PRU (dual, D)."""
    learner = factories.learner(world.school)
    p = world.placed(learner, provider=world.pru, reason="off_site_direction", start=MON,
                     sessions_pattern="1010100000")
    assert (p.registration_at_provider, p.home_school_code) == ("dual", "D")
    return p


@pytest.fixture
def offsite(world):  # type: ignore[no-untyped-def]
    """Test High's pupil at the unregistered AP every session (not a school: home code B)."""
    learner = factories.learner(world.school)
    p = world.placed(learner, provider=world.ap, reason="preventative", start=MON)
    assert (p.registration_at_provider, p.home_school_code) == ("none", "B")
    return p


@pytest.fixture
def ap_staff(world):  # type: ignore[no-untyped-def]
    return world.users["other_provider_staff"]


def item(p, d, session, code, setting=None, **extra):  # type: ignore[no-untyped-def]
    return {"learner": p.learner_id, "setting": (setting or p.provider).pk, "date": d,
            "session": session, "code": code, **extra}
