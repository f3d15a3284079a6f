"""Who is responsible for an AP placement, and how the registers record it.

Sources: DOMAIN.md sections 1 and 2. The duty-holder depends on the *reason* for the placement
(EA 1996 s19; EIA 2006 s100; EA 2002 s29A); the registration and the home school's mark depend
on whether the provider is a registered school (School Attendance (Pupil Registration)
(England) Regulations 2024; DfE "Working together to improve school attendance" 2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

__all__ = [
    "COMMISSIONER_KINDS",
    "HOME_SCHOOL_CODE_WHEN_NO_PROVISION",
    "NON_SCHOOL_PROVIDER_KINDS",
    "PART_TIME_TIMETABLE_CODE",
    "PROVIDER_KINDS",
    "REASONS",
    "RESPONSIBLE_KINDS",
    "SCHOOL_PROVIDER_KINDS",
    "Arrangement",
    "HomeSchoolCode",
    "Registration",
    "Responsible",
    "arrange",
    "is_school_provider",
]

Responsible = Literal["local_authority", "school", "post16_provider"]
Registration = Literal["dual", "single", "none"]
HomeSchoolCode = Literal["D", "K", "B"]

#: Reasons for a placement, in the order of DOMAIN.md section 1.
REASONS: tuple[str, ...] = (
    "permanent_exclusion",
    "suspension",
    "health",
    "off_site_direction",
    "preventative",
    "other",
)
#: Providers that are registered schools (they keep an admission register).
SCHOOL_PROVIDER_KINDS: tuple[str, ...] = (
    "pru",
    "ap_academy",
    "ap_free_school",
    "special_school",
    "hospital_school",
    "mainstream_school",
    "independent_school",
)
#: Providers that are not schools: no roll, no dual registration.
NON_SCHOOL_PROVIDER_KINDS: tuple[str, ...] = ("unregistered", "fe_college", "tuition")
#: Every provider kind.
PROVIDER_KINDS: tuple[str, ...] = SCHOOL_PROVIDER_KINDS + NON_SCHOOL_PROVIDER_KINDS
#: Bodies that commission a placement.
COMMISSIONER_KINDS: tuple[str, ...] = ("local_authority", "school", "post16_provider")
#: Bodies that can be responsible for a placement (same vocabulary as the commissioners).
RESPONSIBLE_KINDS: tuple[str, ...] = COMMISSIONER_KINDS

#: Home school mark while a suspended or excluded learner has no AP arranged yet (authorised
#: absence). Source: DfE attendance guidance 2024, code E [guidance].
HOME_SCHOOL_CODE_WHEN_NO_PROVISION = "E"
#: Home school mark for sessions a learner on an agreed part-time timetable is not expected to
#: attend. Source: DfE attendance guidance 2024, code C2 [guidance].
PART_TIME_TIMETABLE_CODE = "C2"

_BASIS = {
    "permanent_exclusion": (
        "EA 1996 s19(3A); Education (Provision of Full-Time Education for Excluded Pupils) "
        "(England) Regulations 2007 reg 3 [law]"
    ),
    "suspension": (
        "EIA 2006 s100; Education (Provision of Full-Time Education for Excluded Pupils) "
        "(England) Regulations 2007 reg 4, as amended by SI 2014/3216 [law]"
    ),
    "suspension_pru": (
        "EA 1996 s19(1); Education (Provision of Full-Time Education for Excluded Pupils) "
        "(England) Regulations 2007 as amended by SI 2014/3216: the LA for a PRU suspension [law]"
    ),
    "health": (
        "EA 1996 s19(1); DfE 'Arranging education for children who cannot attend school because "
        "of health needs' (December 2023) [law/guidance]"
    ),
    "off_site_direction": (
        "EA 2002 s29A; Education (Educational Provision for Improving Behaviour) Regulations 2010 "
        "as amended by SI 2012/2532 [law]"
    ),
    "preventative": "DfE Alternative provision statutory guidance (2013, updated 2025) [guidance]",
    "other": "EA 1996 s19(1) ('or otherwise') [law]",
    "post16": "EA 1996 s19(4): the LA has a power, not a duty, for 16-18s [secondary]",
}


@dataclass(frozen=True)
class Arrangement:
    """How a placement is arranged and recorded.

    ``responsible``: who holds the duty to arrange the education; ``remains_on_roll``: whether the
    learner stays on a school's admission register; ``registration_at_provider``: "dual" (the
    provider is a subsidiary registration), "single" (the provider's roll only) or "none" (the
    provider has no roll); ``home_school_code``: the home school's mark for sessions the learner
    is expected at the provider (D, K, B) or None when there is no home school register entry;
    ``legal_basis``: the source of the duty with its evidence level; ``provider_is_school``.
    """

    responsible: Responsible
    remains_on_roll: bool
    registration_at_provider: Registration
    home_school_code: HomeSchoolCode | None
    legal_basis: str
    provider_is_school: bool


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def is_school_provider(provider_kind: str) -> bool:
    """Return True when ``provider_kind`` is a registered school that keeps an admission register.

    PRUs, AP academies and AP free schools are always registered schools; so are special,
    hospital, mainstream and independent schools. Source: DOMAIN.md section 0 ("AP school",
    "Unregistered AP"); School Attendance (Pupil Registration) (England) Regulations 2024 [law].
    """
    _check("provider_kind", provider_kind, PROVIDER_KINDS)
    return provider_kind in SCHOOL_PROVIDER_KINDS


def _on_roll(
    responsible: Responsible, provider_is_school: bool, commissioner_kind: str, basis: str
) -> Arrangement:
    """Learner stays on the home school roll: D at a school provider, else K (LA) or B."""
    if provider_is_school:
        return Arrangement(responsible, True, "dual", "D", basis, True)
    code: HomeSchoolCode = "K" if commissioner_kind == "local_authority" else "B"
    return Arrangement(responsible, True, "none", code, basis, False)


def _off_roll(responsible: Responsible, provider_is_school: bool, basis: str) -> Arrangement:
    """Learner on no home school roll: single registration at a school provider, else none."""
    registration: Registration = "single" if provider_is_school else "none"
    return Arrangement(responsible, False, registration, None, basis, provider_is_school)


def arrange(
    *,
    reason: str,
    provider_kind: str,
    commissioner_kind: str,
    excluding_school_is_pru: bool = False,
    has_school_place: bool = True,
) -> Arrangement:
    """Return who is responsible for a placement and how the registers record it.

    * permanent_exclusion: the LA (EA 1996 s19(3A); 2007 Regs reg 3) whoever commissions; the
      learner leaves the excluding school's roll; single registration at a school provider.
    * suspension: the governing body/proprietor, or the LA when the excluding school is a PRU
      (EIA 2006 s100; 2007 Regs as amended by SI 2014/3216); learner stays on roll.
    * health: the LA (EA 1996 s19(1)); on roll.
    * off_site_direction: the school (EA 2002 s29A); on roll; dual registered at a school.
    * preventative: the commissioner (AP guidance 2013/2025); on roll.
    * other: the LA (EA 1996 s19(1) "or otherwise"); on roll only if ``has_school_place``.
    * a post-16 commissioner (any reason but permanent exclusion): the post-16 provider, the LA
      having a power not a duty (s19(4)) [secondary]; no school attendance register mark.

    Marks while on roll (DOMAIN.md section 2): a school provider means dual registration and D at
    the home school; a non-school provider has no roll and the home school records K when the LA
    arranged it and B when the school did (School Attendance (Pupil Registration) (England)
    Regulations 2024; DfE attendance guidance 2024) [law/guidance].

    ``has_school_place`` matters for "other" and "health" (an ill child with no school place is
    on no roll); the other reasons imply a school and ignore it. ``excluding_school_is_pru``
    matters only for suspensions. Raises ``ValueError`` naming any argument outside its
    vocabulary.
    """
    _check("reason", reason, REASONS)
    _check("commissioner_kind", commissioner_kind, COMMISSIONER_KINDS)
    provider_is_school = is_school_provider(provider_kind)

    if reason == "permanent_exclusion":
        return _off_roll("local_authority", provider_is_school, _BASIS[reason])
    if commissioner_kind == "post16_provider":
        registration: Registration = "single" if provider_is_school else "none"
        return Arrangement(
            "post16_provider", True, registration, None, _BASIS["post16"], provider_is_school
        )
    if reason == "suspension":
        if excluding_school_is_pru:
            return _on_roll(
                "local_authority", provider_is_school, commissioner_kind, _BASIS["suspension_pru"]
            )
        return _on_roll("school", provider_is_school, commissioner_kind, _BASIS[reason])
    if reason == "off_site_direction":
        return _on_roll("school", provider_is_school, commissioner_kind, _BASIS[reason])
    if reason == "preventative":
        responsible = cast(Responsible, commissioner_kind)
        return _on_roll(responsible, provider_is_school, commissioner_kind, _BASIS[reason])
    # health and other: the LA's s19(1) duty; on roll only if the learner has a school place.
    if not has_school_place:
        return _off_roll("local_authority", provider_is_school, _BASIS[reason])
    return _on_roll("local_authority", provider_is_school, commissioner_kind, _BASIS[reason])
