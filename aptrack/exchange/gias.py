"""Reading the GIAS "all establishment data" CSV (``edubasealldataYYYYMMDD.csv``).

Source: Get Information about Schools (DfE), "Download establishment data": about 140 columns in
``Name (code)`` / ``Name (name)`` pairs, Windows-1252, dates ``dd-mm-yyyy`` (DOMAIN.md section 8).
Columns are read by header name, never by position, so added or reordered columns change
nothing. Code values used here (GIAS code lists, as published):

* ``EstablishmentStatus (code)``: 1 open, 2 closed, 3 open but proposed to close,
  4 proposed to open.
* ``PhaseOfEducation (code)``: 0 not applicable, 1 nursery, 2 primary, 3 middle deemed
  primary, 4 secondary, 5 middle deemed secondary, 6 16 plus, 7 all-through.
* ``TypeOfEstablishment (code)``: mapped to an establishment kind by
  ``aptrack/data/gias_establishment_types.csv`` (unknown types are "other").

This module only parses: it turns text into ``GiasRow`` values or a list of problems.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aptrack import codes

from .errors import ImportRefused, Problem

URN = "URN"
LA_CODE = "LA (code)"
LA_NAME = "LA (name)"
ESTAB = "EstablishmentNumber"
NAME = "EstablishmentName"
TYPE_CODE = "TypeOfEstablishment (code)"
TYPE_NAME = "TypeOfEstablishment (name)"
STATUS_CODE = "EstablishmentStatus (code)"
STATUS_NAME = "EstablishmentStatus (name)"
OPEN_DATE = "OpenDate"
CLOSE_DATE = "CloseDate"
PHASE_CODE = "PhaseOfEducation (code)"
LOW_AGE = "StatutoryLowAge"
HIGH_AGE = "StatutoryHighAge"
CAPACITY = "SchoolCapacity"
UKPRN = "UKPRN"
LAST_CHANGED = "LastChangedDate"
STREET, LOCALITY, ADDRESS3, TOWN = "Street", "Locality", "Address3", "Town"
COUNTY, POSTCODE = "County (name)", "Postcode"
PRU_SEN, PRU_EBD, PRU_PLACES = "SENPRU (name)", "EBD (name)", "PlacesPRU"
FT_PROVISION, ED_BY_OTHER = "FTProv (name)", "EdByOther (name)"

REQUIRED = (URN, LA_CODE, LA_NAME, NAME, TYPE_CODE, STATUS_CODE)

STATUSES = {"1": "open", "2": "closed", "3": "proposed_to_close", "4": "proposed_to_open"}
PHASES = {"0": "not_applicable", "1": "primary", "2": "primary", "3": "primary",
          "4": "secondary", "5": "secondary", "6": "post16", "7": "all_through"}
REGISTRATION = {"fe_college": "fe", "other": "unregistered"}  # schools: registered_school

_URN = re.compile(r"^\d{6}$")
_LA = re.compile(r"^\d{3}$")
_ESTAB = re.compile(r"^\d{4}$")
_UKPRN = re.compile(r"^1\d{7}$")
_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


@dataclass
class GiasRow:
    """One establishment as the file describes it, already checked and converted."""

    line: int
    urn: str
    la_code: str
    la_name: str
    name: str
    type_code: int
    kind: str
    status: str
    estab_number: str = ""
    ukprn: str | None = None
    phase: str = "not_applicable"
    statutory_low_age: int | None = None
    statutory_high_age: int | None = None
    places: int | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def registration_status(self) -> str:
        return REGISTRATION.get(self.kind, "registered_school")


class _Row:
    """Reads one CSV record by column name, collecting problems instead of stopping."""

    def __init__(self, cells: list[str], index: dict[str, int], line: int,
                 problems: list[Problem]) -> None:
        self.cells, self.index, self.line, self.problems = cells, index, line, problems
        self.extra = len(cells) > len(index)

    def text(self, column: str, required: bool = False, max_length: int = 200) -> str:
        i = self.index.get(column)
        value = self.cells[i].strip() if i is not None and i < len(self.cells) else ""
        if required and not value:
            self.problem(column, "is empty")
        elif len(value) > max_length:
            self.problem(column, f"is longer than {max_length} characters")
            value = value[:max_length]
        return value

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.line, column, reason))

    def matching(self, column: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(column)
        if value and not pattern.match(value):
            self.problem(column, f"{value!r} is not {what}")
            return ""
        return value

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        if not value.isdigit():
            self.problem(column, f"{value!r} is not a whole number")
            return None
        return int(value)

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        m = _DATE.match(value)
        try:
            if not m:
                raise ValueError
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            self.problem(column, f"{value!r} is not a date as dd-mm-yyyy")
            return None

    def flag(self, column: str) -> bool | None:
        """Yes/no columns: GIAS words them in several ways, so read them leniently and keep
        "not applicable" or an unknown wording as unknown (None) rather than refuse the file."""
        value = self.text(column).lower()
        if not value or value.startswith("not applicable"):
            return None
        if value == "no" or value.startswith("no ") or " not " in f" {value} ":
            return False
        if value.startswith(("yes", "has ", "provides", "offers")):
            return True
        return None

    def coded(self, column: str, table: dict[str, str], what: str) -> str | None:
        value = self.text(column)
        key = str(int(value)) if value.isdigit() else value
        if key in table:
            return table[key]
        self.problem(column, f"{value!r} is not a GIAS {what} code")
        return None


def parse(text: str) -> list[GiasRow]:
    """Every row of a GIAS CSV as ``GiasRow``; raises ``ImportRefused`` listing every problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in next(reader, [])]
    index = {h: i for i, h in reversed(list(enumerate(headers)))}
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise ImportRefused(Problem(1, c, "column missing from the header row") for c in missing)
    problems: list[Problem] = []
    rows: list[GiasRow] = []
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(cells):
            continue
        row = _read(_Row(cells, index, reader.line_num, problems))
        if row is None:
            continue
        if row.urn in seen:
            problems.append(Problem(row.line, URN, f"{row.urn} is also on line {seen[row.urn]}"))
        seen[row.urn] = row.line
        rows.append(row)
    if problems:
        raise ImportRefused(problems)
    return rows


def _read(r: _Row) -> GiasRow | None:
    if r.extra:
        r.problem("row", "has more cells than the header row")
    before = len(r.problems)
    urn = r.text(URN, required=True)
    if urn and not _URN.match(urn):
        r.problem(URN, f"{urn!r} is not a URN (6 digits)")
    la_code = r.text(LA_CODE, required=True)
    if la_code and not _LA.match(la_code):
        r.problem(LA_CODE, f"{la_code!r} is not an LA code (3 digits)")
    type_text = r.text(TYPE_CODE, required=True)
    type_code = int(type_text) if type_text.isdigit() else None
    if type_text and type_code is None:
        r.problem(TYPE_CODE, f"{type_text!r} is not a GIAS type code")
    status = r.coded(STATUS_CODE, STATUSES, "establishment status")
    phase = r.coded(PHASE_CODE, PHASES, "phase of education") if r.text(PHASE_CODE) else None
    row = GiasRow(
        line=r.line, urn=urn, la_code=la_code, la_name=r.text(LA_NAME, required=True,
                                                              max_length=120),
        name=r.text(NAME, required=True), type_code=type_code or 0,
        kind=codes.gias_kind(type_code) if type_code is not None else "other",
        status=status or "open",
        estab_number=r.matching(ESTAB, _ESTAB, "an establishment number (4 digits)"),
        ukprn=r.matching(UKPRN, _UKPRN, "a UKPRN (8 digits starting with 1)") or None,
        phase=phase or "not_applicable",
        statutory_low_age=r.integer(LOW_AGE), statutory_high_age=r.integer(HIGH_AGE),
        opened_on=r.day(OPEN_DATE), closed_on=r.day(CLOSE_DATE),
    )
    pru_places = r.integer(PRU_PLACES)
    capacity = r.integer(CAPACITY)
    row.places = pru_places if row.kind == "pru" and pru_places else capacity
    low, high = row.statutory_low_age, row.statutory_high_age
    if low is not None and high is not None and low > high:
        r.problem(LOW_AGE, f"the low age {low} is above the high age {high}")
    if row.status == "closed" and row.opened_on and row.closed_on and (
            row.closed_on < row.opened_on):
        r.problem(CLOSE_DATE, "the close date is before the open date")
    row.detail = {
        "type_name": r.text(TYPE_NAME, max_length=120), "status_name": r.text(STATUS_NAME,
                                                                              max_length=60),
        "street": r.text(STREET), "locality": r.text(LOCALITY), "address3": r.text(ADDRESS3),
        "town": r.text(TOWN, max_length=100), "county": r.text(COUNTY, max_length=100),
        "postcode": r.text(POSTCODE, max_length=10),
        "pru_sen": r.flag(PRU_SEN), "pru_ebd": r.flag(PRU_EBD), "pru_places": pru_places,
        "full_time_provision": r.flag(FT_PROVISION), "educated_by_other": r.flag(ED_BY_OTHER),
        "last_changed": r.day(LAST_CHANGED),
    }
    return row if len(r.problems) == before else None

