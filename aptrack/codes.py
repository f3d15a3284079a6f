"""Code tables shipped as package data (aptrack/data/*.csv), as choices for models and forms.

Sources: DfE school census guide (attendance, exclusion, SEN and enrolment codes), GIAS
"all establishment data" type codes, and the census LA code list. Read once, through the same
loader as ``aptrack.rules``.
"""

from __future__ import annotations

from functools import cache

from aptrack.rules._data import read_table


def table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``aptrack/data/<name>.csv`` as dictionaries (shared: do not mutate)."""
    return read_table(f"{name}.csv")


def choices(name: str, label: str = "meaning") -> list[tuple[str, str]]:
    """(code, meaning) pairs of a code table, for model and form choices."""
    return [(row["code"], row[label]) for row in table(name)]


@cache
def gias_kind(type_code: int) -> str:
    """The AP Track establishment kind of a GIAS establishment type code ("other" if unknown)."""
    for row in table("gias_establishment_types"):
        if int(row["type_code"]) == type_code:
            return row["kind"]
    return "other"
