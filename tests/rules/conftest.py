"""Shared school calendars for the rules tests (session-scoped so hypothesis can use them)."""

from __future__ import annotations

from datetime import date

import pytest

from aptrack.rules.calendar import SchoolCalendar

from .term_dates import INSET_DAYS, TERMS_2024_25, TERMS_2025_26


@pytest.fixture(scope="session")
def school_calendar() -> SchoolCalendar:
    """Two school years (2024/25 and 2025/26) with INSET closures and England bank holidays."""
    return SchoolCalendar(TERMS_2024_25 + TERMS_2025_26, closures=INSET_DAYS)


@pytest.fixture(scope="session")
def weekday_calendar() -> SchoolCalendar:
    """Every weekday of 2025 and 2026 except England bank holidays (no term breaks)."""
    return SchoolCalendar([(date(2025, 1, 1), date(2026, 12, 31))])
