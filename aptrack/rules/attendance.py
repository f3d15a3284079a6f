"""Attendance codes, their statistical categories, and attendance summaries.

Codes and categories: the 2024 national set (School Attendance (Pupil Registration) (England)
Regulations 2024; DfE "Working together to improve school attendance" 2024), shipped as
``aptrack/data/attendance_codes.csv``. Possible sessions are all marked sessions less the
not-counted ones; attendance rate = (present + approved activity) / possible; absence rate =
(authorised + unauthorised) / possible. Persistent absence: absence rate >= 10%; severe absence:
>= 50% [guidance].
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, NamedTuple

from aptrack.rules._data import read_table

__all__ = [
    "CATEGORIES",
    "CATEGORY",
    "CODES",
    "MEANING",
    "PERSISTENT_ABSENCE_THRESHOLD",
    "SEVERE_ABSENCE_THRESHOLD",
    "WITHDRAWN",
    "Summary",
    "WithdrawnCode",
    "category_of",
    "code_for_import",
    "is_possible",
    "map_withdrawn",
    "normalise",
    "summarise",
]

Category = Literal["present", "approved_activity", "authorised", "unauthorised", "not_counted"]

#: The five statistical categories, in the order of the summary object.
CATEGORIES: tuple[Category, ...] = (
    "present",
    "approved_activity",
    "authorised",
    "unauthorised",
    "not_counted",
)
#: Persistent absence: absence rate at or above 10% of possible sessions [guidance].
PERSISTENT_ABSENCE_THRESHOLD = Fraction(1, 10)
#: Severe absence: absence rate at or above 50% of possible sessions [guidance].
SEVERE_ABSENCE_THRESHOLD = Fraction(1, 2)


class WithdrawnCode(NamedTuple):
    """A code withdrawn from the national set, as listed in withdrawn_attendance_codes.csv."""

    code: str
    meaning_before_2024: str
    maps_to: str
    needs_review: bool
    note: str


def _load_codes() -> tuple[Mapping[str, Category], Mapping[str, str], frozenset[str]]:
    category: dict[str, Category] = {}
    meaning: dict[str, str] = {}
    possible: set[str] = set()
    for row in read_table("attendance_codes.csv"):
        code, cat = row["code"], row["category"]
        if cat not in CATEGORIES:  # pragma: no cover - guards the shipped data
            raise ValueError(f"attendance_codes.csv: unknown category {cat!r} for code {code!r}")
        category[code] = cat
        meaning[code] = row["meaning"]
        if row["counts_as_possible"] == "yes":
            possible.add(code)
    return MappingProxyType(category), MappingProxyType(meaning), frozenset(possible)


def _load_withdrawn() -> Mapping[str, WithdrawnCode]:
    table = {}
    for row in read_table("withdrawn_attendance_codes.csv"):
        note = row["note"]
        table[row["code"]] = WithdrawnCode(
            code=row["code"],
            meaning_before_2024=row["meaning_before_2024"],
            maps_to=row["maps_to"],
            needs_review="flag" in note or "ambiguous" in note,
            note=note,
        )
    return MappingProxyType(table)


_CATEGORY, _MEANING, _POSSIBLE = _load_codes()

#: Code -> statistical category (read-only). Source: 2024 national attendance codes [law/guidance].
CATEGORY: Mapping[str, str] = _CATEGORY
#: Code -> meaning (read-only).
MEANING: Mapping[str, str] = _MEANING
#: Every current code, in the order of the national table.
CODES: tuple[str, ...] = tuple(_CATEGORY)
#: Withdrawn code -> its mapping for imports of older data (read-only).
WITHDRAWN: Mapping[str, WithdrawnCode] = _load_withdrawn()


def normalise(code: str) -> str:
    """Return ``code`` with surrounding whitespace removed and letters upper-cased.

    Does not check that the code exists (see :func:`category_of`).
    """
    if not isinstance(code, str):
        raise TypeError(f"attendance code must be text, got {code!r}")
    return code.strip().upper()


def _unknown(code: str, raw: str) -> ValueError:
    withdrawn = WITHDRAWN.get(code)
    if withdrawn is not None:
        return ValueError(
            f"attendance code {raw!r} was withdrawn ({withdrawn.meaning_before_2024}); "
            f"older data maps it to {withdrawn.maps_to}"
            + (" and flags it for review" if withdrawn.needs_review else "")
            + " (use attendance.map_withdrawn)"
        )
    return ValueError(f"attendance code {raw!r} is not a code of the 2024 national set")


def category_of(code: str) -> str:
    """Return the statistical category of ``code`` (after :func:`normalise`).

    Raises ``ValueError`` naming the code if it is unknown, and for a withdrawn code (H, J, Y, F)
    saying what it maps to. Source: 2024 national attendance codes; DfE "Working together to
    improve school attendance" (2024) [law/guidance].
    """
    normalised = normalise(code)
    try:
        return _CATEGORY[normalised]
    except KeyError:
        raise _unknown(normalised, code) from None


def is_possible(code: str) -> bool:
    """Return True when a session with ``code`` counts as a possible session.

    Every category except "not_counted" counts. Source: DfE school census guidance (possible
    sessions) [guidance]. Raises ``ValueError`` for an unknown code.
    """
    category_of(code)
    return normalise(code) in _POSSIBLE


def map_withdrawn(code: str) -> tuple[str, bool]:
    """Map a withdrawn code to ``(current code, needs_review)`` for imports of older data.

    J -> J1 (no review); H -> C and F -> C (flagged); Y -> Y7 "any other unavoidable cause",
    flagged because the old Y splits into Y1-Y7 and only a person can tell which (every Y1-Y7 is
    not counted, so statistics do not depend on the choice). Raises ``ValueError`` if ``code`` is
    not a withdrawn code. Source: DfE attendance codes 2024 transition notes [guidance].
    """
    normalised = normalise(code)
    withdrawn = WITHDRAWN.get(normalised)
    if withdrawn is None:
        raise ValueError(
            f"attendance code {code!r} is not a withdrawn code "
            f"(withdrawn codes: {', '.join(WITHDRAWN)})"
        )
    target = withdrawn.maps_to
    if target not in _CATEGORY:  # a range such as "Y1..Y7": take its last, catch-all code
        target = target.split("..")[-1]
    return target, withdrawn.needs_review


def code_for_import(code: str) -> tuple[str, bool]:
    """Return ``(current code, needs_review)`` for any code found in imported data.

    Current codes pass through normalised and unflagged; withdrawn codes are mapped as
    :func:`map_withdrawn`; anything else raises ``ValueError`` naming the code.
    """
    normalised = normalise(code)
    if normalised in _CATEGORY:
        return normalised, False
    if normalised in WITHDRAWN:
        return map_withdrawn(normalised)
    raise _unknown(normalised, code)


@dataclass(frozen=True)
class Summary:
    """Session counts by category, with the rates and flags derived from them.

    ``possible`` = present + approved_activity + authorised + unauthorised (not-counted sessions
    excluded). Rates are fractions in [0, 1], None when nothing is possible. The absence flags
    compare exactly (integers, no floating point). Summaries add up: ``a + b`` combines them.
    Source: DfE school census guidance; "Working together to improve school attendance" (2024)
    [guidance].
    """

    present: int = 0
    approved_activity: int = 0
    authorised: int = 0
    unauthorised: int = 0
    not_counted: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{item.name} must be a non-negative integer, got {value!r}")

    @classmethod
    def empty(cls) -> Summary:
        """Return the summary of no sessions."""
        return cls()

    @property
    def possible(self) -> int:
        """Possible sessions: every marked session except the not-counted ones."""
        return self.present + self.approved_activity + self.authorised + self.unauthorised

    @property
    def attended(self) -> int:
        """Sessions counted as attendance: present plus approved educational activity."""
        return self.present + self.approved_activity

    @property
    def absent(self) -> int:
        """Sessions of absence: authorised plus unauthorised."""
        return self.authorised + self.unauthorised

    @property
    def attendance_rate(self) -> float | None:
        """(present + approved activity) / possible, or None when possible is 0."""
        return self.attended / self.possible if self.possible else None

    @property
    def absence_rate(self) -> float | None:
        """(authorised + unauthorised) / possible, or None when possible is 0."""
        return self.absent / self.possible if self.possible else None

    def absence_at_least(self, threshold: Fraction) -> bool:
        """Return True when absence / possible >= ``threshold`` (exact; False if none possible)."""
        if not self.possible:
            return False
        return self.absent * threshold.denominator >= threshold.numerator * self.possible

    @property
    def persistent_absence(self) -> bool:
        """Absence rate of 10% or more of the learner's possible sessions [guidance]."""
        return self.absence_at_least(PERSISTENT_ABSENCE_THRESHOLD)

    @property
    def severe_absence(self) -> bool:
        """Absence rate of 50% or more of the learner's possible sessions [guidance]."""
        return self.absence_at_least(SEVERE_ABSENCE_THRESHOLD)

    def as_dict(self) -> dict[str, int | float | bool | None]:
        """Return the attendance summary object of INTERFACES.md (CLI and API), in its order."""
        return {
            "possible": self.possible,
            "present": self.present,
            "approved_activity": self.approved_activity,
            "authorised": self.authorised,
            "unauthorised": self.unauthorised,
            "not_counted": self.not_counted,
            "attendance_rate": self.attendance_rate,
            "absence_rate": self.absence_rate,
            "persistent_absence": self.persistent_absence,
            "severe_absence": self.severe_absence,
        }

    def __add__(self, other: Summary) -> Summary:
        """Combine two summaries (the summary of both sets of sessions)."""
        if not isinstance(other, Summary):
            return NotImplemented
        return Summary(
            present=self.present + other.present,
            approved_activity=self.approved_activity + other.approved_activity,
            authorised=self.authorised + other.authorised,
            unauthorised=self.unauthorised + other.unauthorised,
            not_counted=self.not_counted + other.not_counted,
        )

    def __radd__(self, other: int) -> Summary:
        """Let ``sum(summaries)`` start from 0."""
        if other == 0:
            return self
        return NotImplemented


@functools.lru_cache(maxsize=256)
def _category_of_raw(code: str) -> str:
    return category_of(code)


def summarise(codes: Iterable[str]) -> Summary:
    """Count ``codes`` (one per session) by statistical category and return a :class:`Summary`.

    Codes are normalised (surrounding space removed, upper case). Raises ``ValueError`` naming
    the first unknown code, or saying what a withdrawn code (H, J, Y, F) maps to; ``TypeError``
    if given a single string instead of an iterable of codes. Source: 2024 national attendance
    codes; DfE school census guidance (possible sessions, rates) [guidance].
    """
    if isinstance(codes, str):
        raise TypeError("summarise() takes an iterable of codes, not a single string")
    counts: Counter[str] = Counter()
    for code, number in Counter(codes).items():
        counts[_category_of_raw(code)] += number
    return Summary(
        present=counts["present"],
        approved_activity=counts["approved_activity"],
        authorised=counts["authorised"],
        unauthorised=counts["unauthorised"],
        not_counted=counts["not_counted"],
    )
