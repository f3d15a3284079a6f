"""Fixtures of the sufficiency tests: small uploads as CSV bytes."""

from __future__ import annotations

import csv
import io

import pytest

from aptrack.sufficiency import services


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


HISTORY_HEADER = ["school_year", "provision", "phase", "need", "count"]


def history_rows(first: int = 2018, last: int = 2024) -> list[list[object]]:
    """Special secondary ASD growing by 10 a year from 50; AP secondary SEMH constant 40."""
    return [row for y in range(first, last + 1) for row in (
        [f"{y}/{(y + 1) % 100:02d}", "special", "secondary", "ASD", 50 + 10 * (y - first)],
        [str(y), "ap", "secondary", "SEMH", 40])]


@pytest.fixture
def planned(world):  # type: ignore[no-untyped-def]
    """LA 332 with seven years of history, population and places uploaded by the system."""
    la = world.la
    services.sufficiency_upload(actor=None, la=la, kind="history", filename="h.csv",
                                data=csv_bytes(HISTORY_HEADER, history_rows()), source="test")
    services.sufficiency_upload(
        actor=None, la=la, kind="population", filename="p.csv", source="test",
        data=csv_bytes(["school_year", "phase", "population"],
                       [[y, "secondary", 10000] for y in range(2018, 2032)]))
    services.sufficiency_upload(
        actor=None, la=la, kind="capacity", filename="c.csv", source="test",
        data=csv_bytes(["school_year", "urn", "setting", "provision", "phase", "need", "places"],
                       [[2024, "100003", "", "ap", "secondary", "", 45],
                        [2024, "", "Borough special schools", "special", "secondary", "ASD",
                         100]]))
    services.sufficiency_upload(
        actor=None, la=la, kind="changes", filename="x.csv", source="test",
        data=csv_bytes(["school_year", "setting", "provision", "phase", "need", "change",
                        "kind", "source"],
                       [[2027, "New ASD school", "special", "secondary", "ASD", 60,
                         "new_places", "Capital programme 2025"]]))
    return world
