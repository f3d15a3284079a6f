"""Census returns of alternative provision placements, with their validation rules.

Two returns (DOMAIN.md section 8; DfE school census and AP census business and technical
specifications):

* **School census AP placement module**, returned by the *commissioning school*: one row per
  AP placement it arranged that was open during the collection period.
* **AP census placement module**, returned by the *local authority* (census day: the third
  Thursday of January): one row per child the LA placed, for the latest placement in the
  period, with its primary reason.

The provider is identified by exactly one of its URN, its UKPRN, or an AP setting type (NFE, OOT,
OTH, WBP: ``aptrack/data/ap_setting_types.csv``): the exclusivity rule.

Validation rules are reported *before* export so users fix data first. Their numbers (2364,
2372, 2917) come from the project brief; what each checks is our reading and is marked
[unverified] in docs/formats.md until checked against the DfE validation rules workbook. They
live only in ``RULES`` below. Reason codes (``REASON_CODES``) are likewise ours [unverified].
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring  # noqa: S405

from aptrack import codes
from aptrack.rules import upn as rules_upn

SCHOOL = "school"
LA = "la"
KINDS = (SCHOOL, LA)
SETTING_TYPES = frozenset(row["code"] for row in codes.table("ap_setting_types"))
#: Provider kinds without a URN or UKPRN that have an AP setting type.
SETTING_TYPE_OF_KIND = {"fe_college": "NFE", "tuition": "OOT", "unregistered": "OTH",
                        "other": "OTH"}
#: AP Track placement reasons as census reason codes [unverified: the DfE code set was not
#: available; one table so a correction is one edit].
REASON_CODES = {"permanent_exclusion": "PEX", "suspension": "SUS", "health": "MED",
                "off_site_direction": "OSD", "preventative": "PRV", "other": "OTH"}
SCHOOL_KINDS_WITH_URN = frozenset({"pru", "ap_academy", "ap_free_school", "special_school",
                                   "hospital_school", "mainstream_school", "independent_school"})

COLUMNS = ["upn", "family_name", "given_name", "date_of_birth", "sex", "sen_provision",
           "ap_urn", "ap_ukprn", "ap_setting_type", "reason", "entry_date", "leaving_date",
           "sessions_per_week"]
HEADERS = {"upn": "UPN", "family_name": "Surname", "given_name": "Forename",
           "date_of_birth": "DOB", "sex": "Sex", "sen_provision": "SENprovision",
           "ap_urn": "APURN", "ap_ukprn": "APUKPRN", "ap_setting_type": "APSettingType",
           "reason": "APReason", "entry_date": "APEntryDate", "leaving_date": "APLeavingDate",
           "sessions_per_week": "APSessionsPerWeek"}


@dataclass
class CensusRow:
    """One placement as the return reports it (``placement_id`` and ``learner_id`` stay ours)."""

    placement_id: int
    learner_id: int
    upn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex: str
    sen_provision: str
    ap_urn: str = ""
    ap_ukprn: str = ""
    ap_setting_type: str = ""
    reason: str = ""
    entry_date: date | None = None
    leaving_date: date | None = None
    sessions_per_week: int | None = None

    def values(self) -> list[str]:
        out = []
        for name in COLUMNS:
            value = getattr(self, name)
            out.append(value.isoformat() if isinstance(value, date) else
                       "" if value is None else str(value))
        return out


@dataclass(frozen=True)
class CensusProblem:
    """A validation failure of one row: the rule, the field and what to fix."""

    rule: str
    placement_id: int
    learner_id: int
    upn: str
    field: str
    message: str

    def __str__(self) -> str:
        who = self.upn or f"learner {self.learner_id}"
        return f"{self.rule}: {who} (placement {self.placement_id}): {self.field}: {self.message}"


@dataclass
class Period:
    """The collection period, first and last day inclusive (the last day is census day)."""

    start: date
    census_date: date


@dataclass
class CensusReturn:
    """Rows of a return and every problem found in them."""

    kind: str
    period: Period
    rows: list[CensusRow] = field(default_factory=list)
    problems: list[CensusProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def third_thursday_of_january(year: int) -> date:
    """AP census day: the third Thursday of January (DOMAIN.md section 8)."""
    first = date(year, 1, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=2)


def provider_identifier(*, kind: str, urn: str | None, ukprn: str | None) -> dict[str, str]:
    """The provider's one identifier for the return: URN for a school with one, else UKPRN,
    else the AP setting type of its kind."""
    if kind in SCHOOL_KINDS_WITH_URN and urn:
        return {"ap_urn": urn}
    if ukprn:
        return {"ap_ukprn": ukprn}
    setting = SETTING_TYPE_OF_KIND.get(kind, "")
    return {"ap_setting_type": setting} if setting else {}


Check = Callable[[CensusRow, Period], str | None]


def _upn(row: CensusRow, period: Period) -> str | None:
    if not row.upn:
        return "the learner has no UPN"
    try:
        rules_upn.validate(row.upn)
    except rules_upn.InvalidUPN as exc:
        return exc.message
    return None


def _entry(row: CensusRow, period: Period) -> str | None:
    if row.entry_date is None:
        return "the entry date is missing"
    if row.entry_date > period.census_date:
        return f"the entry date {row.entry_date:%d %B %Y} is after census day"
    return None


def _leaving(row: CensusRow, period: Period) -> str | None:
    if row.leaving_date and row.entry_date and row.leaving_date < row.entry_date:
        return "the leaving date is before the entry date"
    return None


def _reason(row: CensusRow, period: Period) -> str | None:
    if row.reason not in REASON_CODES.values():
        return "the reason for the placement is missing or not a census code"
    return None


def _exclusive(row: CensusRow, period: Period) -> str | None:
    given = [v for v in (row.ap_urn, row.ap_ukprn, row.ap_setting_type) if v]
    if len(given) != 1:
        return ("give exactly one of the provider's URN, its UKPRN or an AP setting type "
                f"(found {len(given)}): add the provider's URN or UKPRN in the directory")
    if row.ap_setting_type and row.ap_setting_type not in SETTING_TYPES:
        return f"{row.ap_setting_type!r} is not an AP setting type"
    return None


#: The rules, each with the field it reports (numbers: see the module docstring).
RULES: list[tuple[str, str, Check]] = [
    ("UPN", "upn", _upn),
    ("2364", "entry_date", _entry),
    ("2372", "leaving_date", _leaving),
    ("2917", "reason", _reason),
    ("exclusive", "provider", _exclusive),
]


def validate(rows: Iterable[CensusRow], period: Period) -> list[CensusProblem]:
    """Every rule on every row; the list is empty when the return can be sent."""
    problems = []
    for row in rows:
        for rule, name, check in RULES:
            message = check(row, period)
            if message:
                problems.append(CensusProblem(rule, row.placement_id, row.learner_id, row.upn,
                                              name, message))
    return problems


def latest_per_learner(rows: Iterable[CensusRow]) -> list[CensusRow]:
    """The AP census keeps one placement per child: the latest to start in the period."""
    latest: dict[int, CensusRow] = {}
    for row in rows:
        kept = latest.get(row.learner_id)
        if kept is None or (row.entry_date or date.min, row.placement_id) > (
                kept.entry_date or date.min, kept.placement_id):
            latest[row.learner_id] = row
    return sorted(latest.values(), key=lambda r: (r.family_name, r.given_name, r.placement_id))


def to_csv(census: CensusReturn) -> bytes:
    """The return as CSV (UTF-8), census item names as headers."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS[c] for c in COLUMNS])
    for row in census.rows:
        writer.writerow(row.values())
    return out.getvalue().encode("utf-8")


def to_xml(census: CensusReturn, *, source: dict[str, str]) -> bytes:
    """The return as XML: ``Header`` (collection, census date, source LA/establishment) and
    one ``Pupil`` with a ``APPlacement`` per row [layout ours: see docs/formats.md]."""
    root = Element("Message")
    header = SubElement(root, "Header")
    collection = SubElement(header, "CollectionDetails")
    SubElement(collection, "Collection").text = (
        "SCHOOL CENSUS AP" if census.kind == SCHOOL else "AP CENSUS")
    SubElement(collection, "ReferenceDate").text = census.period.census_date.isoformat()
    SubElement(collection, "PeriodStart").text = census.period.start.isoformat()
    src = SubElement(header, "Source")
    for key, value in source.items():
        SubElement(src, key).text = value
    pupils = SubElement(root, "Pupils")
    for row in census.rows:
        pupil = SubElement(pupils, "Pupil")
        values = dict(zip(COLUMNS, row.values(), strict=True))
        for name in COLUMNS[:6]:
            SubElement(pupil, HEADERS[name]).text = values[name]
        placement = SubElement(pupil, "APPlacement")
        for name in COLUMNS[6:]:
            if values[name]:
                SubElement(placement, HEADERS[name]).text = values[name]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8",
                                                                   xml_declaration=False)


def problems_as_dicts(census: CensusReturn) -> list[dict[str, object]]:
    return [asdict(p) for p in census.problems]
