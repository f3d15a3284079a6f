"""Unique Learner Number (ULN): validation and construction.

A ULN is 10 digits, the first not zero; weighting the digits 10, 9, ..., 1 from the left, the
weighted sum modulo 11 must be 10. Source: Learning Records Service ULN specification; DfE
school census / ILR validation [guidance].
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["LENGTH", "InvalidULN", "make", "validate"]

#: Number of digits in a ULN.
LENGTH = 10

_DIGITS = frozenset("0123456789")


class InvalidULN(ValueError):
    """A ULN that fails the Learning Records Service format or check-digit rule.

    ``rule`` names the failed rule ("length", "digits", "first_digit" or "check_digit"); ``field``
    is always ``"uln"``.
    """

    field: ClassVar[str] = "uln"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def _weighted_sum(digits: str) -> int:
    return sum(
        int(char) * weight for char, weight in zip(digits, range(LENGTH, 0, -1), strict=False)
    )


def validate(value: str) -> str:
    """Return ``value`` as a normalised ULN (surrounding space removed) or raise ``InvalidULN``.

    Rules, checked in order: exactly 10 characters, all ASCII digits, first digit not 0, and
    ``sum(digit_i * weight_i) % 11 == 10`` with weights 10..1 from the left.
    Source: Learning Records Service ULN check-digit specification [guidance].
    """
    if not isinstance(value, str):
        raise InvalidULN("digits", f"ULN must be text, got {type(value).__name__}")
    uln = value.strip()
    if len(uln) != LENGTH:
        raise InvalidULN("length", f"ULN must be {LENGTH} digits, got {len(uln)} characters")
    if not all(char in _DIGITS for char in uln):
        raise InvalidULN("digits", f"ULN must contain only digits, got {uln!r}")
    if uln[0] == "0":
        raise InvalidULN("first_digit", "ULN must not start with 0")
    remainder = _weighted_sum(uln) % 11
    if remainder != 10:
        raise InvalidULN(
            "check_digit",
            "ULN check digit is wrong: the digits weighted 10..1 must sum to 10 modulo 11, "
            f"got {remainder}",
        )
    return uln


def make(nine_digits: str) -> str | None:
    """Append the check digit to ``nine_digits`` and return the ULN, or None if none exists.

    The 10th digit has weight 1, so it must be ``(10 - weighted sum of the first nine) % 11``;
    when that is 10 no single digit works and the nine digits cannot start a ULN.
    Raises ``ValueError`` if ``nine_digits`` is not nine ASCII digits starting with 1-9.
    Source: Learning Records Service ULN check-digit specification [guidance].
    """
    stem = nine_digits.strip()
    if len(stem) != LENGTH - 1 or not all(char in _DIGITS for char in stem) or stem[0] == "0":
        raise ValueError(f"ULN stem must be 9 digits not starting with 0, got {nine_digits!r}")
    check = (10 - _weighted_sum(stem)) % 11
    if check == 10:
        return None
    return validate(stem + str(check))
