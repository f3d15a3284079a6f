"""Attendance codes and summaries: DOMAIN.md sections 2 and 3; 2024 national codes."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptrack.rules import attendance
from aptrack.rules.attendance import CATEGORY, Summary, summarise

# ---- Code table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "category"),
    [
        ("/ \\ L", "present"),
        ("K V P W B", "approved_activity"),
        ("C C1 C2 M J1 S T R I E", "authorised"),
        ("G N O U", "unauthorised"),
        ("D X Q Y1 Y2 Y3 Y4 Y5 Y6 Y7 Z #", "not_counted"),
    ],
)
def test_categories_from_domain_section_3(codes: str, category: str) -> None:
    # DOMAIN.md section 3 [law/guidance; D and Q secondary].
    for code in codes.split():
        assert CATEGORY[code] == category, code
        assert attendance.is_possible(code) == (category != "not_counted")


def test_every_code_is_categorised_once() -> None:
    assert set(CATEGORY.values()) == set(attendance.CATEGORIES)
    assert set(CATEGORY) == set(attendance.MEANING) == set(attendance.CODES)
    assert len(attendance.CODES) == len(set(attendance.CODES))
    for code in ("H", "J", "Y", "F"):  # withdrawn in 2024 (F earlier)
        assert code not in CATEGORY


def test_code_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        CATEGORY["/"] = "absent"  # type: ignore[index]
    with pytest.raises(TypeError):
        attendance.MEANING["/"] = "x"  # type: ignore[index]


def test_d_is_not_possible_and_k_counts_as_attendance() -> None:
    # DOMAIN.md section 2 [guidance]: D sessions are not possible sessions for the home school;
    # K counts as attendance [law].
    assert summarise(["D", "D", "K", "K"]).as_dict() == {
        "possible": 2,
        "present": 0,
        "approved_activity": 2,
        "authorised": 0,
        "unauthorised": 0,
        "not_counted": 2,
        "attendance_rate": 1.0,
        "absence_rate": 0.0,
        "persistent_absence": False,
        "severe_absence": False,
    }


def test_dual_registered_week_has_10_possible_sessions_not_20() -> None:
    # DOMAIN.md section 2 [law/guidance]: home school D (not counted) + provider's real marks.
    home = summarise(["D"] * 10)
    provider = summarise(["/", "\\"] * 4 + ["N", "I"])
    both = home + provider
    assert both.possible == 10
    assert both.not_counted == 10
    assert both.attendance_rate == pytest.approx(0.8)


# ---- Normalisation and errors ----------------------------------------------------------------


def test_codes_are_normalised() -> None:
    assert summarise([" / ", "\\\n", "l", "c2", "y1", "j1"]) == Summary(
        present=3, authorised=2, not_counted=1
    )
    assert attendance.category_of(" i ") == "authorised"


@pytest.mark.parametrize("code", ["ZZ", "", "  ", "1", "//", "Y8"])
def test_unknown_code_is_named(code: str) -> None:
    with pytest.raises(ValueError, match=rf"attendance code {code!r} is not a code"):
        summarise(["/", code])


@pytest.mark.parametrize(
    ("code", "maps_to"), [("J", "J1"), ("Y", "Y1..Y7"), ("H", "C"), ("F", "C"), ("h", "C")]
)
def test_withdrawn_codes_say_what_they_map_to(code: str, maps_to: str) -> None:
    # DOMAIN.md section 3: withdrawn in 2024 (F earlier); imports map them.
    with pytest.raises(ValueError) as caught:
        summarise([code])
    message = str(caught.value)
    assert f"attendance code {code!r} was withdrawn" in message
    assert f"maps it to {maps_to}" in message


def test_map_withdrawn() -> None:
    # DOMAIN.md section 3: J->J1; Y->Y1..Y7 flagged as ambiguous; H->authorised, flagged.
    assert attendance.map_withdrawn("J") == ("J1", False)
    assert attendance.map_withdrawn("y") == ("Y7", True)
    assert attendance.map_withdrawn("H") == ("C", True)
    assert attendance.map_withdrawn("F") == ("C", True)
    with pytest.raises(ValueError, match="not a withdrawn code"):
        attendance.map_withdrawn("/")
    for code in ("J", "Y", "H", "F"):
        assert attendance.map_withdrawn(code)[0] in CATEGORY


def test_code_for_import() -> None:
    assert attendance.code_for_import(" c2 ") == ("C2", False)
    assert attendance.code_for_import("H") == ("C", True)
    with pytest.raises(ValueError, match="'QQ' is not a code"):
        attendance.code_for_import("QQ")


def test_a_single_string_is_not_a_list_of_codes() -> None:
    with pytest.raises(TypeError, match="not a single string"):
        summarise("//")


def test_non_text_code() -> None:
    with pytest.raises(TypeError, match="must be text"):
        summarise([None])  # type: ignore[list-item]


# ---- Summary arithmetic ----------------------------------------------------------------------


def test_empty_summary() -> None:
    empty = summarise([])
    assert empty == Summary.empty()
    assert empty.as_dict() == {
        "possible": 0,
        "present": 0,
        "approved_activity": 0,
        "authorised": 0,
        "unauthorised": 0,
        "not_counted": 0,
        "attendance_rate": None,
        "absence_rate": None,
        "persistent_absence": False,
        "severe_absence": False,
    }
    assert json.loads(json.dumps(empty.as_dict()))["attendance_rate"] is None
    assert summarise(["X", "#"]).attendance_rate is None  # nothing possible


def test_persistent_absence_at_exactly_ten_percent() -> None:
    # DOMAIN.md section 3 [guidance, confirmed]: absence rate >= 10%.
    at = summarise(["/"] * 9 + ["N"])
    below = summarise(["/"] * 91 + ["N"] * 9 + ["D"] * 50)
    assert at.persistent_absence and at.absence_rate == pytest.approx(0.1)
    assert not below.persistent_absence


def test_severe_absence_at_exactly_fifty_percent() -> None:
    # DOMAIN.md section 3 [guidance, confirmed]: absence rate >= 50%.
    assert summarise(["/", "I"]).severe_absence
    assert not summarise(["/", "/", "I"]).severe_absence
    assert summarise(["/", "/", "I"]).persistent_absence


def test_thresholds_use_exact_arithmetic() -> None:
    # 1 absence in 10 possible sessions is exactly 10%, whatever floating point says of 0.1.
    s = Summary(present=2, approved_activity=7, unauthorised=1)
    assert s.possible == 10 and s.persistent_absence
    s = Summary(present=999_999_999, unauthorised=111_111_111)
    assert s.persistent_absence  # 111111111 * 10 = 1111111110 >= 1111111110
    s = Summary(present=1_000_000_000, unauthorised=111_111_111)
    assert not s.persistent_absence


def test_summary_validates_counts() -> None:
    with pytest.raises(ValueError, match="present must be a non-negative integer"):
        Summary(present=-1)
    with pytest.raises(ValueError, match="authorised must be a non-negative integer"):
        Summary(authorised=1.5)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Summary().present = 1  # type: ignore[misc]


def test_summaries_add_and_sum() -> None:
    a = summarise(["/", "N"])
    b = summarise(["D", "I", "B"])
    assert a + b == summarise(["/", "N", "D", "I", "B"])
    assert sum([a, b]) == a + b
    assert sum([a, b], Summary.empty()) == a + b
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]


CODE_LISTS = st.lists(st.sampled_from(attendance.CODES), max_size=80)


@settings(max_examples=200, deadline=None, database=None)
@given(CODE_LISTS, CODE_LISTS)
def test_summary_of_a_concatenation_is_the_sum(first: list[str], second: list[str]) -> None:
    assert summarise(first + second) == summarise(first) + summarise(second)


@settings(max_examples=200, deadline=None, database=None)
@given(CODE_LISTS.flatmap(lambda codes: st.tuples(st.just(codes), st.permutations(codes))))
def test_summary_ignores_order(pair: tuple[list[str], list[str]]) -> None:
    codes, shuffled = pair
    assert summarise(shuffled) == summarise(codes)


@settings(max_examples=200, deadline=None, database=None)
@given(CODE_LISTS)
def test_summary_invariants(codes: list[str]) -> None:
    s = summarise(codes)
    assert s.possible + s.not_counted == len(codes)
    assert s.possible == sum(1 for code in codes if attendance.is_possible(code))
    if s.possible:
        assert s.attendance_rate is not None and s.absence_rate is not None
        assert s.attendance_rate + s.absence_rate == pytest.approx(1.0)
        assert 0.0 <= s.absence_rate <= 1.0
        assert s.persistent_absence == (s.absence_rate >= 0.1 - 1e-12)
        assert s.severe_absence == (s.absence_rate >= 0.5 - 1e-12)
    if s.severe_absence:
        assert s.persistent_absence
    assert list(s.as_dict()) == [
        "possible",
        "present",
        "approved_activity",
        "authorised",
        "unauthorised",
        "not_counted",
        "attendance_rate",
        "absence_rate",
        "persistent_absence",
        "severe_absence",
    ]
