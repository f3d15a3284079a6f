"""Arrangements by reason: DOMAIN.md section 1 (who, roll) and section 2 (registers, marks)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from aptrack.rules import arrangements
from aptrack.rules.arrangements import (
    COMMISSIONER_KINDS,
    PROVIDER_KINDS,
    REASONS,
    SCHOOL_PROVIDER_KINDS,
    Arrangement,
    arrange,
)

NON_SCHOOL = ("unregistered", "fe_college", "tuition")


def _summary(a: Arrangement) -> tuple[str, bool, str, str | None]:
    return (a.responsible, a.remains_on_roll, a.registration_at_provider, a.home_school_code)


# ---- Section 1: who arranges AP, and the learner's roll -------------------------------------


@pytest.mark.parametrize("commissioner", ["local_authority", "school", "post16_provider"])
def test_permanent_exclusion_is_the_la_whoever_commissions(commissioner: str) -> None:
    # EA 1996 s19(3A); 2007 Regs reg 3 [law]: the (home) LA; the learner leaves the excluding
    # school's roll and is usually single registered at a PRU.
    a = arrange(reason="permanent_exclusion", provider_kind="pru", commissioner_kind=commissioner)
    assert _summary(a) == ("local_authority", False, "single", None)
    assert "s19(3A)" in a.legal_basis and "[law]" in a.legal_basis
    assert a.provider_is_school


def test_permanent_exclusion_at_an_unregistered_provider() -> None:
    # EA 1996 s19(3A) [law]; an unregistered provider has no roll, so no registration there.
    a = arrange(
        reason="permanent_exclusion", provider_kind="tuition", commissioner_kind="local_authority"
    )
    assert _summary(a) == ("local_authority", False, "none", None)
    assert not a.provider_is_school


def test_suspension_is_the_school() -> None:
    # EIA 2006 s100; 2007 Regs as amended by SI 2014/3216 [law]: governing body or proprietor;
    # learner stays on roll; a school provider means dual registration and D at home.
    a = arrange(reason="suspension", provider_kind="pru", commissioner_kind="school")
    assert _summary(a) == ("school", True, "dual", "D")
    assert "s100" in a.legal_basis


def test_suspension_from_a_pru_is_the_la() -> None:
    # 2007 Regs as amended by SI 2014/3216 [law]: for a PRU suspension the LA is responsible.
    a = arrange(
        reason="suspension",
        provider_kind="ap_academy",
        commissioner_kind="school",
        excluding_school_is_pru=True,
    )
    assert _summary(a) == ("local_authority", True, "dual", "D")
    assert "2014/3216" in a.legal_basis


@pytest.mark.parametrize(("commissioner", "code"), [("local_authority", "K"), ("school", "B")])
def test_suspension_at_a_non_school_provider(commissioner: str, code: str) -> None:
    # DOMAIN.md section 2 [law/guidance]: no roll at the provider; K if the LA arranged it,
    # B if the school did.
    a = arrange(reason="suspension", provider_kind="unregistered", commissioner_kind=commissioner)
    assert _summary(a) == ("school", True, "none", code)


def test_health_is_the_la_and_learner_stays_on_roll() -> None:
    # EA 1996 s19(1); health-needs guidance Dec 2023 [guidance]: LA; stays on roll.
    a = arrange(
        reason="health", provider_kind="hospital_school", commissioner_kind="local_authority"
    )
    assert _summary(a) == ("local_authority", True, "dual", "D")
    assert "s19(1)" in a.legal_basis


@pytest.mark.parametrize(("commissioner", "code"), [("local_authority", "K"), ("school", "B")])
def test_health_at_home_tuition(commissioner: str, code: str) -> None:
    # EA 1996 s19(1) [law]; K for LA-arranged education at a place that is not a school [law].
    a = arrange(reason="health", provider_kind="tuition", commissioner_kind=commissioner)
    assert _summary(a) == ("local_authority", True, "none", code)


def test_health_without_a_school_place() -> None:
    # EA 1996 s19(1) [law]: an ill child with no school place is on no school roll.
    a = arrange(
        reason="health",
        provider_kind="hospital_school",
        commissioner_kind="local_authority",
        has_school_place=False,
    )
    assert _summary(a) == ("local_authority", False, "single", None)


def test_off_site_direction_is_the_school_and_dual_registered_at_a_school() -> None:
    # EA 2002 s29A; 2010 Regs as amended 2012 [law]: governing body; stays on roll; must be
    # dual registered if the place is another school [guidance].
    a = arrange(
        reason="off_site_direction", provider_kind="mainstream_school", commissioner_kind="school"
    )
    assert _summary(a) == ("school", True, "dual", "D")
    assert "s29A" in a.legal_basis


def test_off_site_direction_to_an_unregistered_provider_is_b() -> None:
    # School-arranged, approved and supervised off-site education: code B [law/guidance].
    a = arrange(
        reason="off_site_direction", provider_kind="unregistered", commissioner_kind="school"
    )
    assert _summary(a) == ("school", True, "none", "B")


def test_off_site_direction_commissioned_by_the_la_is_k() -> None:
    # K marks education arranged by the LA at a place that is not a school [law].
    a = arrange(
        reason="off_site_direction", provider_kind="fe_college", commissioner_kind="local_authority"
    )
    assert _summary(a) == ("school", True, "none", "K")


@pytest.mark.parametrize("commissioner", ["local_authority", "school"])
def test_preventative_is_the_commissioner(commissioner: str) -> None:
    # AP guidance 2013, updated Feb 2025 [guidance]: the commissioner; stays on roll.
    a = arrange(reason="preventative", provider_kind="pru", commissioner_kind=commissioner)
    assert _summary(a) == (commissioner, True, "dual", "D")
    tuition = arrange(
        reason="preventative", provider_kind="tuition", commissioner_kind=commissioner
    )
    assert _summary(tuition) == (
        commissioner,
        True,
        "none",
        "K" if commissioner == "local_authority" else "B",
    )


def test_other_with_a_school_place_stays_on_roll() -> None:
    # EA 1996 s19(1) "or otherwise" [law]: LA; on roll if the learner has a school.
    a = arrange(reason="other", provider_kind="special_school", commissioner_kind="local_authority")
    assert _summary(a) == ("local_authority", True, "dual", "D")
    b = arrange(reason="other", provider_kind="tuition", commissioner_kind="local_authority")
    assert _summary(b) == ("local_authority", True, "none", "K")


def test_other_without_a_school_place() -> None:
    # EA 1996 s19(1) [law]: no school place (e.g. awaiting a specialist placement): no home
    # school mark; single registration where the provider is a school.
    a = arrange(
        reason="other",
        provider_kind="pru",
        commissioner_kind="local_authority",
        has_school_place=False,
    )
    assert _summary(a) == ("local_authority", False, "single", None)
    b = arrange(
        reason="other",
        provider_kind="tuition",
        commissioner_kind="local_authority",
        has_school_place=False,
    )
    assert _summary(b) == ("local_authority", False, "none", None)


@pytest.mark.parametrize("reason", [r for r in REASONS if r != "permanent_exclusion"])
@pytest.mark.parametrize(("provider", "registration"), [("pru", "single"), ("tuition", "none")])
def test_post16_provider_commissioner(reason: str, provider: str, registration: str) -> None:
    # s19(4) [secondary]: the LA has a power, not a duty, for 16-18s; the post-16 provider
    # that commissions is responsible. No school attendance register mark.
    a = arrange(reason=reason, provider_kind=provider, commissioner_kind="post16_provider")
    assert _summary(a) == ("post16_provider", True, registration, None)
    assert "s19(4)" in a.legal_basis


# ---- Section 2: what each register records --------------------------------------------------


@pytest.mark.parametrize("provider", SCHOOL_PROVIDER_KINDS)
@pytest.mark.parametrize(
    "reason", ["suspension", "health", "off_site_direction", "preventative", "other"]
)
def test_school_provider_means_dual_registration_and_d(reason: str, provider: str) -> None:
    # DOMAIN.md section 2 [guidance]: home school main, provider subsidiary; home records D.
    for commissioner in ("local_authority", "school"):
        a = arrange(reason=reason, provider_kind=provider, commissioner_kind=commissioner)
        assert (a.registration_at_provider, a.home_school_code) == ("dual", "D")
        assert a.remains_on_roll and a.provider_is_school


@pytest.mark.parametrize("provider", NON_SCHOOL)
@pytest.mark.parametrize(
    "reason", ["suspension", "health", "off_site_direction", "preventative", "other"]
)
def test_non_school_provider_means_k_or_b(reason: str, provider: str) -> None:
    # DOMAIN.md section 2: LA-arranged -> K [law]; school-arranged -> B [law/guidance].
    la = arrange(reason=reason, provider_kind=provider, commissioner_kind="local_authority")
    school = arrange(reason=reason, provider_kind=provider, commissioner_kind="school")
    assert (la.registration_at_provider, la.home_school_code) == ("none", "K")
    assert (school.registration_at_provider, school.home_school_code) == ("none", "B")
    assert not la.provider_is_school


@pytest.mark.parametrize(("commissioner", "code"), [("school", "B"), ("local_authority", "K")])
def test_pru_sends_a_single_registered_learner_to_extra_off_site_ap(
    commissioner: str, code: str
) -> None:
    # DOMAIN.md section 2 [guidance]: the PRU (the learner's only school) records B when it
    # arranged the extra AP, K when the LA did; no dual registration arises.
    a = arrange(reason="preventative", provider_kind="tuition", commissioner_kind=commissioner)
    assert (a.registration_at_provider, a.home_school_code) == ("none", code)


def test_marks_without_provision_and_for_part_time_timetables() -> None:
    # DOMAIN.md section 2 [guidance]: E while suspended/excluded with no AP yet; C2 for
    # part-time timetable sessions not required.
    assert arrangements.HOME_SCHOOL_CODE_WHEN_NO_PROVISION == "E"
    assert arrangements.PART_TIME_TIMETABLE_CODE == "C2"


# ---- Vocabulary and invariants ---------------------------------------------------------------


def test_vocabularies_match_interfaces() -> None:
    assert REASONS == (
        "permanent_exclusion",
        "suspension",
        "health",
        "off_site_direction",
        "preventative",
        "other",
    )
    assert set(PROVIDER_KINDS) == set(SCHOOL_PROVIDER_KINDS) | set(NON_SCHOOL)
    assert COMMISSIONER_KINDS == ("local_authority", "school", "post16_provider")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"reason": "expelled"}, "reason"),
        ({"provider_kind": "college"}, "provider_kind"),
        ({"commissioner_kind": "academy_trust"}, "commissioner_kind"),
    ],
)
def test_unknown_values_name_the_argument_and_allowed_values(
    kwargs: dict[str, str], name: str
) -> None:
    arguments = {"reason": "health", "provider_kind": "pru", "commissioner_kind": "school"}
    arguments.update(kwargs)
    with pytest.raises(ValueError) as caught:
        arrange(**arguments)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{name} must be one of ")
    assert repr(kwargs[name]) in message


def test_every_combination_is_consistent() -> None:
    for reason, provider, commissioner, pru, place in itertools.product(
        REASONS, PROVIDER_KINDS, COMMISSIONER_KINDS, (False, True), (False, True)
    ):
        a = arrange(
            reason=reason,
            provider_kind=provider,
            commissioner_kind=commissioner,
            excluding_school_is_pru=pru,
            has_school_place=place,
        )
        is_school = provider in SCHOOL_PROVIDER_KINDS
        assert a.provider_is_school == is_school
        # Dual registration only with a school provider and a learner on a home roll.
        if a.registration_at_provider == "dual":
            assert is_school and a.remains_on_roll and a.home_school_code == "D"
        # An unregistered provider never has a roll.
        if not is_school:
            assert a.registration_at_provider == "none"
        # A home school mark only for a learner on a home school roll.
        if a.home_school_code is not None:
            assert a.remains_on_roll
        assert a.legal_basis


def test_arrangement_is_frozen() -> None:
    a = arrange(reason="health", provider_kind="pru", commissioner_kind="local_authority")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.responsible = "school"  # type: ignore[misc]
    assert hash(a) == hash(
        arrange(reason="health", provider_kind="pru", commissioner_kind="local_authority")
    )
