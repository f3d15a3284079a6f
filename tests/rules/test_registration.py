"""Registration test for unregistered providers: DOMAIN.md section 5.

Education and Skills Act 2008 s92 (as amended) [law]; "full-time" > 18 hours a week
[secondary, setting]; CWS Act 2026 s43 SEN widening [open commencement, setting].
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptrack.rules.registration import LearnerAtProvider, assess, must_register

FULL = LearnerAtProvider(hours_per_week=25)
PART = LearnerAtProvider(hours_per_week=10)


def test_five_full_time_learners_require_registration() -> None:
    # ESA 2008 s92 [law]: 5 or more full-time learners of compulsory school age.
    assert must_register([FULL] * 5)
    assert not must_register([FULL] * 4 + [PART] * 20)


def test_eighteen_hours_exactly_is_not_full_time() -> None:
    # [secondary]: more than 18 hours a week; the boundary itself is not full time.
    assert not must_register([LearnerAtProvider(hours_per_week=18)] * 5)
    assert must_register([LearnerAtProvider(hours_per_week=18.5)] * 5)


def test_full_time_threshold_is_a_setting() -> None:
    learners = [LearnerAtProvider(hours_per_week=15)] * 5
    assert not must_register(learners)
    assert must_register(learners, full_time_hours=12.5)


def test_learners_over_compulsory_school_age_do_not_count() -> None:
    # ESA 2008 s92 [law]: pupils of compulsory school age.
    older = LearnerAtProvider(hours_per_week=30, compulsory_school_age=False, ehc_plan=True)
    assert not must_register([FULL] * 4 + [older] * 10)


@pytest.mark.parametrize(
    "learner",
    [
        LearnerAtProvider(hours_per_week=20, ehc_plan=True),
        LearnerAtProvider(hours_per_week=20, looked_after=True),
    ],
)
def test_one_full_time_learner_with_ehc_plan_or_looked_after(learner: LearnerAtProvider) -> None:
    # ESA 2008 s92 [law]: one such learner is enough.
    assert must_register([learner])
    part_time = dataclasses.replace(learner, hours_per_week=12)
    assert not must_register([part_time])


def test_sen_widening_is_a_setting() -> None:
    # CWS Act 2026 s43 [open commencement]: any learner with SEN.
    sen = LearnerAtProvider(hours_per_week=20, sen=True)
    assert not must_register([sen])
    assert must_register([sen], sen_widening=True)
    # An EHC plan implies SEN and triggers with or without the widening.
    ehc = LearnerAtProvider(hours_per_week=20, ehc_plan=True)
    assert must_register([ehc]) and must_register([ehc], sen_widening=True)


def test_assessment_names_the_tipping_learners() -> None:
    learners = [
        PART,
        LearnerAtProvider(hours_per_week=20, looked_after=True),
        FULL,
        LearnerAtProvider(hours_per_week=20, ehc_plan=True, compulsory_school_age=False),
    ]
    result = assess(learners)
    assert result.must_register
    assert result.full_time_count == 2
    assert result.full_time == (1, 2)
    assert result.tipping == (1,)
    assert "1 full-time learner(s)" in result.reason
    assert "s92" in result.reason


def test_assessment_with_five_full_time() -> None:
    result = assess([PART, FULL, FULL, FULL, FULL, FULL])
    assert result.must_register
    assert result.tipping == (1, 2, 3, 4, 5)
    assert result.reason.startswith("5 learners of compulsory school age attend full time")
    assert "more than 18 hours a week" in result.reason


def test_assessment_when_not_required() -> None:
    result = assess([FULL, FULL, PART])
    assert not result.must_register
    assert result.tipping == ()
    assert "registration is not required" in result.reason
    assert "fewer than 5" in result.reason


def test_empty_provider() -> None:
    assert not must_register([])
    assert assess([]).full_time_count == 0


def test_learner_validation() -> None:
    with pytest.raises(ValueError, match="hours_per_week must be a non-negative number"):
        LearnerAtProvider(hours_per_week=-1)
    with pytest.raises(ValueError, match="hours_per_week"):
        LearnerAtProvider(hours_per_week=float("nan"))
    with pytest.raises(TypeError, match="hours_per_week must be a number"):
        LearnerAtProvider(hours_per_week="20")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="full_time_hours"):
        must_register([FULL], full_time_hours=-1)


LEARNERS = st.builds(
    LearnerAtProvider,
    hours_per_week=st.floats(0, 40, allow_nan=False),
    compulsory_school_age=st.booleans(),
    ehc_plan=st.booleans(),
    looked_after=st.booleans(),
    sen=st.booleans(),
)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(LEARNERS, max_size=12), st.booleans())
def test_must_register_matches_the_rule(learners: list[LearnerAtProvider], widen: bool) -> None:
    full_time = [
        learner
        for learner in learners
        if learner.compulsory_school_age and learner.hours_per_week > 18
    ]
    special = [
        learner
        for learner in full_time
        if learner.ehc_plan or learner.looked_after or (widen and learner.sen)
    ]
    expected = len(full_time) >= 5 or len(special) >= 1
    assert must_register(learners, sen_widening=widen) == expected
    result = assess(learners, sen_widening=widen)
    assert result.must_register == bool(result.tipping) == expected
    # Adding a learner never removes the duty to register (monotone).
    if expected:
        assert must_register([*learners, PART], sen_widening=widen)
