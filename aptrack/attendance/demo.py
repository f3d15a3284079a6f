"""Demo attendance: marks for every demo placement up to yesterday, through the real service.

Synthetic: each learner gets an attendance profile (most attend well, some persistently or
severely absent); a few get patterns that fill the watch lists (10 days unauthorised, long
illness, N codes not replaced). Home-school marks are derived and recent absences raise alerts
exactly as for real registers; no e-mails are sent while loading.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from aptrack.placements.models import Placement

ABSENCE_CODES = ["I", "I", "I", "I", "O", "O", "M", "G", "U", "C", "N"]
PROFILES = [(0.6, 0.97), (0.25, 0.9), (0.1, 0.72), (0.05, 0.4)]  # (share, attendance)


def _profile(rng: random.Random) -> float:
    roll = rng.random()
    for share, rate in PROFILES:
        if roll < share:
            return rate
        roll -= share
    return PROFILES[0][1]


def load(loader: Any) -> dict[str, int]:
    """Mark every demo placement's expected sessions from its start to yesterday."""
    from .services import attendance_marks_record
    from .whereabouts import calendar_of, expected_at_provider

    rng = random.Random(3322)  # noqa: S311 - synthetic demo data, not security
    yesterday = loader.today - timedelta(days=1)
    placements = list(Placement.objects.filter(
        status__in=("active", "ended"), start_date__lte=yesterday,
        provider__la__code__in=("332", "333")).select_related("provider", "learner")
        .order_by("pk"))
    created = 0
    special = 0
    for p in placements:
        cal = calendar_of(p.provider)
        if cal is None:
            continue
        last = min(p.end_date or yesterday, yesterday)
        days = cal.school_days(p.start_date, last)
        rate = _profile(rng)
        story = None
        if p.status == "active" and len(days) >= 20 and special < 3 and p.sessions_pattern == (
                "1111111111"):
            story = ("unauthorised", "illness", "n_codes")[special]
            special += 1
        marks = []
        corrections = []
        for index, day in enumerate(days):
            for session in ("AM", "PM"):
                if not expected_at_provider(p, day, session):
                    continue
                code = _code(rng, rate, session)
                from_end = len(days) - index
                if story == "unauthorised" and from_end <= 10:
                    code = "O"
                elif story == "illness" and from_end <= 16:
                    code = "I"
                elif story == "n_codes" and from_end in (8, 9):
                    code = "N"
                mark = {"learner": p.learner_id, "setting": p.provider_id, "date": day,
                        "session": session, "code": code}
                marks.append(mark)
                if code == "N" and from_end > 5 and story != "n_codes":
                    # Most N marks are replaced once the reason is known.
                    corrections.append({**mark, "code": rng.choice(["I", "I", "M", "O"]),
                                        "reason": "Reason for absence established"})
        if marks:
            result = attendance_marks_record(actor=None, marks=marks, source="register",
                                             today=loader.today, notify=False)
            created += result.created + result.derived
        if corrections:
            attendance_marks_record(actor=None, marks=corrections, source="register",
                                    today=loader.today, notify=False)
    return {"attendance_marks": created}


def _code(rng: random.Random, rate: float, session: str) -> str:
    if rng.random() < rate:
        if rng.random() < 0.05:
            return "L"
        return "/" if session == "AM" else "\\"
    return rng.choice(ABSENCE_CODES)


def reset(la_ids: list[int], learner_ids: list[int]) -> None:
    """Delete the demo learners' marks, amendments, alerts and uploads."""
    from .models import Alert, AttendanceCount, AttendanceImport, AttendanceMark, MarkAmendment

    MarkAmendment.objects.filter(mark__learner_id__in=learner_ids).delete()
    AttendanceMark.objects.filter(learner_id__in=learner_ids).delete()
    AttendanceCount.objects.filter(learner_id__in=learner_ids).delete()
    Alert.objects.filter(learner_id__in=learner_ids).delete()
    AttendanceImport.objects.filter(setting__la_id__in=la_ids).delete()
