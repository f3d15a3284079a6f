"""Unique Pupil Number (UPN): check letter, validation and construction.

Layout of the 13 characters (DfE "Unique pupil numbers (UPN)" guidance; school census
validation rules 1500-1550) [guidance]:

* 1: check letter;
* 2-4: LA code of the allocating local authority;
* 5-8: establishment number of the allocating school;
* 9-10: last two digits of the year of allocation;
* 11-13: serial number; a *temporary* UPN has a letter as character 13.

The check letter is ``sum(position * value)`` over characters 2..13 (position = the character's
place in the UPN, 2..13), modulo 23, used as an index into ``ABCDEFGHJKLMNPQRTUVWXYZ`` (I, O and
S are never used). A digit's value is the digit; a final letter's value is its index in the
same 23-letter alphabet.
"""

from __future__ import annotations

import functools
from typing import ClassVar

from aptrack.rules._data import read_table

__all__ = [
    "CHECK_ALPHABET",
    "LENGTH",
    "InvalidUPN",
    "check_letter",
    "is_temporary",
    "la_codes",
    "make",
    "validate",
]

#: The 23 letters used for check letters and temporary serials (no I, O, S).
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
#: Number of characters in a UPN.
LENGTH = 13

_DIGITS = frozenset("0123456789")
_LETTER_VALUE = {letter: index for index, letter in enumerate(CHECK_ALPHABET)}


class InvalidUPN(ValueError):
    """A UPN that fails a school census validation rule.

    ``code`` is the census error code ("1500", "1510", "1530", "1540" or "1550"), ``field`` is
    always ``"upn"`` so that forms and importers can attach the error to the right column.
    """

    field: ClassVar[str] = "upn"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.cache
def la_codes() -> frozenset[str]:
    """Return every LA code accepted in characters 2-4 of a UPN (``aptrack/data/la_codes.csv``).

    Abolished LA codes stay valid, because UPNs allocated under them stay in use for the rest of
    the pupil's school life. Source: school census validation rule 1530 [guidance].
    """
    return frozenset(row["code"].strip() for row in read_table("la_codes.csv"))


def _char_value(char: str, position: int) -> int:
    if char in _DIGITS:
        return int(char)
    if position == LENGTH and char in _LETTER_VALUE:
        return _LETTER_VALUE[char]
    raise ValueError(
        f"UPN character {position} must be a digit"
        + (" or one of the letters " + CHECK_ALPHABET if position == LENGTH else "")
        + f", got {char!r}"
    )


def check_letter(tail: str) -> str:
    """Return the check letter for ``tail``, the 12 characters 2..13 of a UPN.

    Each character is weighted by its position in the UPN (2..13): a digit contributes its value,
    a final letter (temporary UPN) its index in ``ABCDEFGHJKLMNPQRTUVWXYZ``; the sum modulo 23
    indexes that alphabet. Source: DfE UPN guidance; school census validation rule 1510
    [guidance]. Raises ``ValueError`` if ``tail`` is not 12 characters of that form.
    """
    normalised = tail.strip().upper()
    if len(normalised) != LENGTH - 1:
        raise ValueError(
            f"UPN tail (characters 2-13) must be {LENGTH - 1} characters, got {len(normalised)}"
        )
    total = sum(
        position * _char_value(char, position) for position, char in enumerate(normalised, start=2)
    )
    return CHECK_ALPHABET[total % len(CHECK_ALPHABET)]


def validate(value: str) -> str:
    """Return ``value`` as a normalised UPN (surrounding space removed, upper case).

    Raises :class:`InvalidUPN` with the school census error code, checked in this order:

    * "1500": empty or not 13 characters. The census reserves 1500 for a *missing* UPN; a UPN of
      the wrong length has no code of its own, so it is reported under 1500 here.
    * "1530": characters 2-4 are not a recognised LA code (abolished codes remain valid).
    * "1540": characters 5-12 are not all digits.
    * "1550": character 13 is neither a digit nor one of the 23 check-alphabet letters.
    * "1510": character 1 is not the check letter (including a character 1 outside the
      23-letter alphabet).

    Source: DfE school census validation rules 1500-1550; DfE UPN guidance [guidance].
    """
    if not isinstance(value, str):
        raise InvalidUPN(
            "1500", f"UPN must be text, got {type(value).__name__} (census error 1500)"
        )
    upn = value.strip().upper()
    if not upn:
        raise InvalidUPN("1500", "UPN is missing (census error 1500)")
    if len(upn) != LENGTH:
        raise InvalidUPN(
            "1500", f"UPN must be {LENGTH} characters, got {len(upn)} (census error 1500)"
        )
    if upn[1:4] not in la_codes():
        raise InvalidUPN(
            "1530",
            f"UPN characters 2-4 ({upn[1:4]!r}) are not a recognised LA code (census error 1530)",
        )
    if not all(char in _DIGITS for char in upn[4:12]):
        raise InvalidUPN(
            "1540", f"UPN characters 5-12 ({upn[4:12]!r}) must all be digits (census error 1540)"
        )
    last = upn[12]
    if last not in _DIGITS and last not in _LETTER_VALUE:
        raise InvalidUPN(
            "1550",
            f"UPN character 13 ({last!r}) must be a digit or one of the letters "
            f"{CHECK_ALPHABET} (census error 1550)",
        )
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise InvalidUPN(
            "1510", f"UPN check letter should be {expected}, got {upn[0]!r} (census error 1510)"
        )
    return upn


def is_temporary(value: str) -> bool:
    """Return True when ``value`` looks like a temporary UPN: its last character is a letter.

    Does not validate the rest of the UPN (use :func:`validate`). Source: DfE UPN guidance,
    temporary UPNs [guidance].
    """
    upn = value.strip().upper()
    return bool(upn) and "A" <= upn[-1] <= "Z"


def _fixed_digits(name: str, value: int | str, width: int) -> str:
    text = f"{value:0{width}d}" if isinstance(value, int) else value.strip()
    if len(text) != width or not all(char in _DIGITS for char in text):
        raise ValueError(f"UPN {name} must be {width} digits, got {value!r}")
    return text


def make(
    la_code: int | str,
    estab: int | str,
    year2: int | str,
    serial: int | str,
    temporary: bool = False,
) -> str:
    """Build a valid UPN from its parts (used to generate demo and synthetic data).

    ``la_code``: 3 digits (a recognised LA code); ``estab``: 4-digit establishment number;
    ``year2``: last two digits of the allocation year; ``serial``: for a permanent UPN 0-999
    (or 3 digits); for a temporary UPN either an int 0-2299, written as two digits
    (``serial // 23``) and a letter (``CHECK_ALPHABET[serial % 23]``), or a text of two digits
    and a letter. Raises ``ValueError`` for an out-of-range part and :class:`InvalidUPN` if the
    result is not valid (for example an unknown LA code). Source: DfE UPN guidance [guidance].
    """
    head = (
        _fixed_digits("LA code", la_code, 3)
        + _fixed_digits("establishment number", estab, 4)
        + _fixed_digits("year", year2, 2)
    )
    if not temporary:
        tail = head + _fixed_digits("serial", serial, 3)
    elif isinstance(serial, int):
        if not 0 <= serial < 100 * len(CHECK_ALPHABET):
            raise ValueError(f"temporary UPN serial must be 0-2299, got {serial}")
        tail = head + f"{serial // len(CHECK_ALPHABET):02d}" + CHECK_ALPHABET[serial % 23]
    else:
        text = serial.strip().upper()
        if len(text) != 3 or text[2] not in _LETTER_VALUE:
            raise ValueError(
                f"temporary UPN serial must be two digits and a letter of {CHECK_ALPHABET}, "
                f"got {serial!r}"
            )
        tail = head + _fixed_digits("serial", text[:2], 2) + text[2]
    return validate(check_letter(tail) + tail)
