"""Reads about learners: always start from the user's scope (``for_user``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from aptrack.rules import clocks

from .choices import ExclusionCategory
from .models import Exclusion, Learner


def learner_list(*, user: Any, search: str = "") -> QuerySet[Learner]:
    """Learners the user may see, optionally filtered by name or UPN."""
    qs = Learner.objects.for_user(user).select_related("home_la")
    search = search.strip()
    if search:
        qs = qs.filter(Q(upn__iexact=search) | Q(family_name__icontains=search)
                       | Q(given_name__icontains=search))
    return qs


def learner_get(*, user: Any, pk: int) -> Learner:
    """One learner in the user's scope; ``Learner.DoesNotExist`` (a 404) otherwise."""
    return Learner.objects.for_user(user).select_related("home_la").get(pk=pk)


def suspension_last_day(exclusion: Exclusion) -> date:
    """The last school day of a suspension on the excluding school's calendar."""
    days = int(-(-exclusion.school_days // 1))  # a half day still occupies that day
    return school_calendar_of(exclusion).nth_school_day(exclusion.first_day, days)


def suspension_period(exclusion: Exclusion) -> tuple[date, int]:
    """The first day and school-day length of the period of back-to-back suspensions that
    contains this one (2007 Regs reg 4 as amended: consecutive suspensions count as one)."""
    if exclusion.category == ExclusionCategory.PERMANENT:
        raise ValueError("A permanent exclusion is not a suspension.")
    calendar = school_calendar_of(exclusion)
    nearby = Exclusion.objects.filter(
        learner_id=exclusion.learner_id, school_id=exclusion.school_id,
        category__in=[ExclusionCategory.SUSPENSION, ExclusionCategory.LUNCHTIME],
        first_day__gte=exclusion.first_day - timedelta(days=120),
        first_day__lte=exclusion.first_day + timedelta(days=120),
    )
    periods = [(s.first_day, suspension_last_day(s)) for s in nearby]
    if exclusion.pk is None:
        periods.append((exclusion.first_day, suspension_last_day(exclusion)))
    for first, last, school_days in clocks.join_suspensions(periods=periods, calendar=calendar):
        if first <= exclusion.first_day <= last:
            return first, school_days
    raise AssertionError("a suspension always falls inside its own joined period")


def school_calendar_of(exclusion: Exclusion) -> Any:
    """The excluding school's calendar (its own, else its LA's default) as a rules calendar."""
    calendar = exclusion.school.school_calendar()
    if calendar is None or not calendar.terms.exists():
        raise ValidationError({"exclusion": f"{exclusion.school} has no term dates (nor does its "
                                            "LA): add them so school days can be counted."})
    return calendar.rules
