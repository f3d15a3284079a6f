"""The registration test for unregistered AP providers.

An institution must register as an independent school if it provides full-time education to
5 or more pupils of compulsory school age, or to at least one such pupil who has an EHC plan or
is looked after. Source: Education and Skills Act 2008 s92 (as amended) [law]. "Full-time" has
no statutory number of hours ("all or substantially all" of a child's education); more than 18
hours a week is the usual rule of thumb [secondary], so it is a parameter. The Children's
Wellbeing and Schools Act 2026 s43 widens the one-pupil limb to any pupil with SEN; its
commencement is [open], so it is the ``sen_widening`` switch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_FULL_TIME_HOURS",
    "MIN_FULL_TIME_LEARNERS",
    "LearnerAtProvider",
    "RegistrationAssessment",
    "assess",
    "must_register",
]

#: Usual rule of thumb for "full-time": more than this many hours a week [secondary].
DEFAULT_FULL_TIME_HOURS: float = 18
#: Full-time learners of compulsory school age that make registration necessary [law].
MIN_FULL_TIME_LEARNERS = 5


@dataclass(frozen=True)
class LearnerAtProvider:
    """One learner attending an unregistered provider, as the registration test sees them.

    ``hours_per_week``: hours of education the provider gives the learner; the flags say whether
    the learner is of compulsory school age, has an EHC plan, is looked after, or has SEN (an EHC
    plan implies SEN).
    """

    hours_per_week: float
    compulsory_school_age: bool = True
    ehc_plan: bool = False
    looked_after: bool = False
    sen: bool = False

    def __post_init__(self) -> None:
        hours = self.hours_per_week
        if isinstance(hours, bool) or not isinstance(hours, (int, float)):
            raise TypeError(f"hours_per_week must be a number, got {hours!r}")
        if math.isnan(hours) or hours < 0:
            raise ValueError(f"hours_per_week must be a non-negative number, got {hours!r}")


@dataclass(frozen=True)
class RegistrationAssessment:
    """The outcome of the registration test, with the learners that decide it.

    ``full_time`` holds the indices (in the order given) of full-time learners of compulsory
    school age; ``tipping`` the indices of the learners that make registration necessary: every
    full-time learner who alone triggers the one-learner limb, plus all full-time learners when
    there are at least five of them. ``reason`` explains the outcome in plain words.
    """

    must_register: bool
    full_time_count: int
    full_time: tuple[int, ...]
    tipping: tuple[int, ...]
    reason: str


def _triggers_alone(learner: LearnerAtProvider, sen_widening: bool) -> bool:
    if learner.ehc_plan or learner.looked_after:
        return True
    return sen_widening and learner.sen


def assess(
    learners: Iterable[LearnerAtProvider],
    *,
    full_time_hours: float = DEFAULT_FULL_TIME_HOURS,
    sen_widening: bool = False,
) -> RegistrationAssessment:
    """Apply the registration test and say which learners tip the provider over it.

    Full-time means ``hours_per_week > full_time_hours`` (default 18 [secondary]). Registration
    is required when at least 5 full-time learners are of compulsory school age, or at least one
    such learner has an EHC plan or is looked after, or (with ``sen_widening``, CWS Act 2026 s43
    [open commencement]) has SEN. Source: Education and Skills Act 2008 s92 (as amended) [law].
    """
    if math.isnan(full_time_hours) or full_time_hours < 0:
        raise ValueError(f"full_time_hours must be a non-negative number, got {full_time_hours!r}")
    roster = tuple(learners)
    full_time = tuple(
        index
        for index, learner in enumerate(roster)
        if learner.compulsory_school_age and learner.hours_per_week > full_time_hours
    )
    alone = tuple(index for index in full_time if _triggers_alone(roster[index], sen_widening))
    enough = len(full_time) >= MIN_FULL_TIME_LEARNERS
    tipping = full_time if enough else alone
    return RegistrationAssessment(
        must_register=bool(tipping),
        full_time_count=len(full_time),
        full_time=full_time,
        tipping=tipping,
        reason=_reason(len(full_time), len(alone), full_time_hours, sen_widening),
    )


def _reason(full_time: int, alone: int, full_time_hours: float, sen_widening: bool) -> str:
    hours = f"more than {full_time_hours:g} hours a week"
    have = (
        "have an EHC plan, are looked after or have SEN"
        if sen_widening
        else "have an EHC plan or are looked after"
    )
    has = (
        "has an EHC plan, is looked after or has SEN"
        if sen_widening
        else "has an EHC plan or is looked after"
    )
    parts = []
    if full_time >= MIN_FULL_TIME_LEARNERS:
        parts.append(
            f"{full_time} learners of compulsory school age attend full time ({hours}), and "
            f"{MIN_FULL_TIME_LEARNERS} or more require registration"
        )
    if alone:
        parts.append(
            f"{alone} full-time learner(s) of compulsory school age {have}, and one such "
            "learner is enough to require registration"
        )
    if not parts:
        parts.append(
            f"{full_time} learner(s) of compulsory school age attend full time ({hours}), fewer "
            f"than {MIN_FULL_TIME_LEARNERS}, and none {has}: registration is not required"
        )
    return "; ".join(parts) + " (Education and Skills Act 2008 s92)"


def must_register(
    learners: Iterable[LearnerAtProvider],
    *,
    full_time_hours: float = DEFAULT_FULL_TIME_HOURS,
    sen_widening: bool = False,
) -> bool:
    """Return True when the provider must register as an independent school.

    True when at least 5 learners of compulsory school age attend full time (``hours_per_week >
    full_time_hours``), or at least one such learner has an EHC plan or is looked after (or, with
    ``sen_widening``, has SEN). Source: Education and Skills Act 2008 s92 (as amended) [law];
    18 hours [secondary]; CWS Act 2026 s43 [open commencement].
    """
    return assess(
        learners, full_time_hours=full_time_hours, sen_widening=sen_widening
    ).must_register
