"""Problems found in an imported file, each naming its line, column and reason.

Every import is all or nothing: parsers collect every problem they find and raise
``ImportRefused`` once, so the user can fix the whole file in one go; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a file: ``line`` is the 1-based physical line (the header is line 1)."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.reason}"


class ImportRefused(Exception):  # noqa: N818 - the name says what happened to the file
    """The file was refused and nothing was written; ``problems`` says why, line by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, line: int, column: str, reason: str) -> ImportRefused:
        return cls([Problem(line, column, reason)])
