"""Which series a learner counts in: pure rules of provision type, phase and need (no Django).

A learner is counted once per school year, on the spring census day (the third Thursday in
January: DfE school census guide), in the place they occupy: an AP placement first, else their
school roll if they have an EHC plan.
"""

from __future__ import annotations

from datetime import date, timedelta

from .forecast import AP, MAINSTREAM

NO_NEED = "NONE"
#: Establishment kinds (aptrack.rules vocabulary) by provision type of the capacity register.
PROVISION_OF_KIND = {
    "pru": AP, "ap_academy": AP, "ap_free_school": AP, "hospital_school": AP,
    "unregistered": AP, "tuition": AP, "fe_college": AP, "other": AP,
    "special_school": "special", "independent_school": "independent",
    "mainstream_school": MAINSTREAM,
}
#: Kinds whose places outside the LA's area are out-of-area placements.
OUT_OF_AREA_KINDS = {"special_school", "independent_school", "pru", "ap_academy",
                     "ap_free_school", "unregistered", "tuition", "hospital_school", "other"}


def census_day(school_year: int) -> date:
    """Spring census day of a school year: the third Thursday of January (e.g. 16 Jan 2025)."""
    first = date(school_year + 1, 1, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=2)


def phase_of(date_of_birth: date, school_year: int) -> str | None:
    """Phase by age on 31 August before the school year (EA 1996 s8: compulsory school age
    from the term after the 5th birthday; Reception from 4): 4-10 primary, 11-15 secondary,
    16-24 post-16 (EHC plans can run to 25). None outside those ages."""
    on = date(school_year, 8, 31)
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month,
                                                                 date_of_birth.day))
    if 4 <= age <= 10:
        return "primary"
    if 11 <= age <= 15:
        return "secondary"
    if 16 <= age <= 24:
        return "post16"
    return None


def provision_of(kind: str, in_area: bool) -> str:
    """The provision type of a place at an establishment of ``kind``, inside the LA or not."""
    if not in_area and kind in OUT_OF_AREA_KINDS:
        return "out_of_area"
    return PROVISION_OF_KIND.get(kind, AP)


def need_of(primary_need: str) -> str:
    """The learner's primary need code, or NONE when none is recorded."""
    return primary_need or NO_NEED
