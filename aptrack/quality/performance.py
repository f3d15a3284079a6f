"""The AP performance framework over the placements a user may see: attendance (from the
registers: the marks at each placement's setting over its period), reintegration and sustained
reintegration, progress recorded at reviews, post-16 destinations, by provider, tier, reason
or year; placement length distribution; and use of unregistered AP (count and length), as the
national debate measures it. SEND and AP Improvement Plan (March 2023) [guidance, partly
confirmed]."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from aptrack.placements.choices import Status
from aptrack.placements.models import Placement
from aptrack.rules.calendar import school_year_of

from . import selectors
from .choices import REINTEGRATION

GROUPS = {"provider": "Provider", "tier": "Tier", "reason": "Reason", "year": "School year"}
POST16 = {"post16_education", "employment_training"}
LENGTH_BANDS = [(42, "Up to 6 weeks"), (84, "6 to 12 weeks"), (182, "12 to 26 weeks"),
                (365, "26 to 52 weeks"), (None, "More than 52 weeks")]


def _key(p: Placement, group: str) -> str:
    if group == "tier":
        return p.get_tier_display()
    if group == "reason":
        return p.get_reason_display()
    if group == "year":
        y = school_year_of(p.start_date)
        return f"{y}/{str(y + 1)[2:]}"
    return p.provider.name


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def framework(*, user: Any, group: str = "provider", on: date | None = None) -> dict[str, Any]:
    """Figures per group and overall; every chart has the same numbers as a table."""
    on = on or date.today()
    group = group if group in GROUPS else "provider"
    visible = (Placement.objects.for_user(user).exclude(status=Status.CANCELLED)
               .filter(start_date__lte=on))
    placements = list(visible.select_related("provider", "outcome")
                      .prefetch_related("reviews__progress"))
    registers = selectors.placements_attendance(user=user, placements=visible, on=on)
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    bands = [0] * len(LENGTH_BANDS)
    for p in placements:
        row = rows[_key(p, group)]
        row["placements"] += 1
        outcome = getattr(p, "outcome", None) if hasattr(p, "outcome") else None
        if p.status == Status.ENDED:
            row["ended"] += 1
            if outcome is not None:
                row["with_outcome"] += 1
                row["reintegrated"] += outcome.destination in REINTEGRATION
                row["post16"] += outcome.destination in POST16
                row["followed_up"] += bool(outcome.follow_up_result)
                row["sustained"] += outcome.follow_up_result == "still_there"
        marks = registers.get(p.pk)
        if marks is not None and marks.possible:
            row["attended"] += marks.attended
            row["possible"] += marks.possible
        reviews = list(p.reviews.all())
        if reviews:
            latest = max(reviews, key=lambda r: r.held_on)
            levels = [x.progress for x in latest.progress.all()]
            row["objectives"] += len(levels)
            row["progressing"] += sum(level in ("good", "met") for level in levels)
        days = ((p.end_date or on) - p.start_date).days + 1
        bands[next(i for i, (limit, _) in enumerate(LENGTH_BANDS)
                   if limit is None or days <= limit)] += 1
    table = []
    for name in sorted(rows):
        r = rows[name]
        table.append({
            "name": name, "placements": r["placements"], "ended": r["ended"],
            "attendance": _rate(r["attended"], r["possible"]),
            "attended": r["attended"], "possible": r["possible"],
            "reintegration": _rate(r["reintegrated"], r["with_outcome"]),
            "sustained": _rate(r["sustained"], r["followed_up"]),
            "progress": _rate(r["progressing"], r["objectives"]),
            "post16": r["post16"],
        })
    most = max(bands) or 1
    return {
        "group": group, "groups": GROUPS, "table": table,
        "lengths": [{"label": label, "count": n, "width": round(300 * n / most), "y": 30 * i,
                     "text_y": 30 * i + 16}
                    for i, ((_, label), n) in enumerate(zip(LENGTH_BANDS, bands, strict=True))],
        "chart_height": 30 * len(LENGTH_BANDS),
        "unregistered": selectors.unregistered_use(user=user, on=on),
        "total": len(placements),
    }
