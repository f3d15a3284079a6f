"""Decoding uploaded text files without ever guessing silently.

The rule: a byte-order mark means UTF-8; otherwise the bytes must be valid UTF-8 or valid
Windows-1252 (the encoding GIAS publishes its CSV in), tried in that order, and the encoding
used is reported back to the user. Text that is neither (Windows-1252 leaves 0x81, 0x8D, 0x8F,
0x90 and 0x9D undefined) is refused with the line of the first undecodable byte. Valid
Windows-1252 text with accents is, in practice, never valid UTF-8, so the order is safe.

A file with UTF-8 characters in one place and a byte that is not UTF-8 in another (two files
pasted together, or one edited in two programs) is neither: read as Windows-1252 its UTF-8
characters would turn into two or three wrong ones each ("CafÃ©"). It is refused, naming both
lines, unless the caller named the encoding.
"""

from __future__ import annotations

import re

from .errors import ImportRefused

UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
ENCODINGS = (UTF8, WINDOWS_1252)
# A character UTF-8 writes in two, three or four bytes (lead byte, then continuation bytes).
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                             rb"|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``; ``encoding`` None means UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], encoding or UTF8
    tried = [encoding] if encoding else list(ENCODINGS)
    last_error: UnicodeDecodeError | None = None
    for name in tried:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            last_error = exc
            if name == UTF8 and encoding is None:
                _refuse_mixed(data, exc.start)
    bad = last_error.start if last_error is not None else 0
    line = data.count(b"\n", 0, bad) + 1
    names = " or ".join(tried)
    raise ImportRefused.one(
        line, "file",
        f"the file is not valid {names} text (byte 0x{data[bad]:02X} at byte {bad + 1}); "
        "save it again as CSV in UTF-8 or Windows-1252",
    )


def _refuse_mixed(data: bytes, bad: int) -> None:
    """Refuse text that is not UTF-8 at ``bad`` yet holds UTF-8 characters before or after."""
    found = _UTF8_CHARACTER.search(data)
    if found is None:
        return
    line = data.count(b"\n", 0, bad) + 1
    other = data.count(b"\n", 0, found.start()) + 1
    raise ImportRefused.one(
        line, "file",
        f"byte 0x{data[bad]:02X} is not UTF-8, but line {other} has UTF-8 characters: the file "
        "mixes two encodings; save it again as CSV UTF-8",
    )
