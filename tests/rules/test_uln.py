"""ULN rules: DOMAIN.md section 8; Learning Records Service ULN check digit."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aptrack.rules import uln
from aptrack.rules.uln import InvalidULN

# Worked by hand: 123456789? with weights 10..1:
#   1x10 + 2x9 + 3x8 + 4x7 + 5x6 + 6x5 + 7x4 + 8x3 + 9x2 = 210; 210 + d = 10 (mod 11)
#   210 = 19x11 + 1, so d = 9: 1234567899 (219 = 19x11 + 10).
# 9876543210: 90 + 72 + 56 + 42 + 30 + 20 + 12 + 6 + 2 + 0 = 330 = 30x11 -> remainder 0: invalid.


def test_hand_checked_uln() -> None:
    assert uln.validate("1234567899") == "1234567899"
    assert uln.validate(" 1234567899\n") == "1234567899"
    assert uln.make("123456789") == "1234567899"


@pytest.mark.parametrize(
    ("value", "rule", "words"),
    [
        ("", "length", "10 digits"),
        ("123456789", "length", "10 digits"),
        ("12345678990", "length", "10 digits"),
        ("12345678a9", "digits", "only digits"),
        ("１２３４５６７８９９", "digits", "only digits"),  # full-width digits are not ASCII
        ("0234567899", "first_digit", "start with 0"),
        ("9876543210", "check_digit", "got 0"),
        ("1234567898", "check_digit", "modulo 11"),
    ],
)
def test_invalid_ulns(value: str, rule: str, words: str) -> None:
    with pytest.raises(InvalidULN) as caught:
        uln.validate(value)
    assert caught.value.rule == rule
    assert caught.value.field == "uln"
    assert "ULN" in str(caught.value)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_make_returns_none_when_no_digit_works() -> None:
    # 100000000?: 1x10 = 10, and 10 + d = 10 (mod 11) needs d = 0 -> 1000000000 is valid.
    assert uln.make("100000000") == "1000000000"
    # 100000001?: 10 + 2 = 12 = 1 (mod 11); d would have to be 9 -> valid.
    assert uln.make("100000001") == "1000000019"
    # 100000006?: 1x10 + 6x2 = 22 = 0 (mod 11); d would have to be 10 -> no ULN.
    assert uln.make("100000006") is None


def test_make_rejects_bad_stems() -> None:
    for stem in ("12345678", "012345678", "12345678x"):
        with pytest.raises(ValueError, match="9 digits"):
            uln.make(stem)


@st.composite
def valid_ulns(draw: st.DrawFn) -> str:
    stem = str(draw(st.integers(100_000_000, 999_999_999)))
    made = uln.make(stem)
    assume(made is not None)
    assert made is not None
    return made


@settings(max_examples=300, deadline=None, database=None)
@given(valid_ulns(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_is_detected(value: str, position: int, delta: int) -> None:
    # A change of d (1..9) at weight w (1..10) shifts the sum by w*d, never 0 mod 11 (11 prime).
    new_digit = (int(value[position]) + delta) % 10
    changed = value[:position] + str(new_digit) + value[position + 1 :]
    with pytest.raises(InvalidULN):
        uln.validate(changed)


@settings(max_examples=300, deadline=None, database=None)
@given(valid_ulns(), st.integers(0, 9), st.integers(0, 9))
def test_any_transposition_of_differing_digits_is_detected(
    value: str, first: int, second: int
) -> None:
    # Swapping digits a, b at weights w1, w2 shifts the sum by (a - b)(w1 - w2); both factors
    # are below 11 in size, so the shift is never 0 mod 11.
    assume(first < second and value[first] != value[second])
    digits = list(value)
    digits[first], digits[second] = digits[second], digits[first]
    with pytest.raises(InvalidULN):
        uln.validate("".join(digits))


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(100_000_000, 999_999_999))
def test_make_finds_the_only_valid_digit(stem_number: int) -> None:
    stem = str(stem_number)
    made = uln.make(stem)
    valid = []
    for digit in "0123456789":
        try:
            valid.append(uln.validate(stem + digit))
        except InvalidULN:
            pass
    assert valid == ([] if made is None else [made])
