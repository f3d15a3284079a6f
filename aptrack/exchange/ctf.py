"""Common Transfer File (CTF) XML: reading pupils safely, and writing one for a leaver.

A CTF is ``CTfile`` with a ``Header`` and ``CTFpupilData/Pupil`` elements (DfE "Common
transfer file" specification; DOMAIN.md section 8). The exact CTF schema (version 24+) was not
available to us: the element paths below are our best reading of published examples and are
kept in this one table (``PATHS``) so a correction is one edit; docs/formats.md says which paths
are unverified. Where two spellings are in use (``Sex``/``Gender``, names at pupil level or in
``BasicDetails``), both are read.

Parsing uses defusedxml with DTDs forbidden: no external entities, no entity expansion
("billion laughs"), no network access.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, TreeBuilder, tostring  # noqa: S405

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from aptrack.rules import upn as rules_upn

from .errors import ImportRefused, Problem

#: Where each item lives, relative to a ``Pupil`` element (first match wins).
PATHS: dict[str, tuple[str, ...]] = {
    "upn": ("UPN",),
    "former_upn": ("FormerUPN", "BasicDetails/FormerUPN"),
    "uln": ("UniqueLearnerNumber", "ULN"),
    "family_name": ("Surname", "BasicDetails/LegalSurname", "BasicDetails/Surname"),
    "given_name": ("Forename", "BasicDetails/LegalForename", "BasicDetails/Forename"),
    "date_of_birth": ("DOB", "BasicDetails/DOB"),
    "sex": ("Sex", "Gender", "BasicDetails/Sex", "BasicDetails/Gender"),
    # SEN: the latest SENhistory/SEN entry by StartDate, else a single SEN element.
    "sen_history": ("SENhistory/SEN",),
    "sen_provision": ("SEN/SENprovision", "SENprovision"),
    "attendance": ("Attendance/YearData",),
}
#: Items of one ``Attendance/YearData`` element.
YEAR_DATA = {"year": "Year", "school_name": "SchoolName", "la": "LEA", "estab": "Estab",
             "possible": "SessionsPossible", "authorised": "SessionsAuthorised",
             "unauthorised": "SessionsUnauthorised", "start": "AttendanceStartDate",
             "marks": "AttendanceMarks"}
SEXES = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
CTF_VERSION = "24.0"  # the version written in exported headers [unverified]


@dataclass
class YearAttendance:
    """One school year's attendance totals as the sending school reported them."""

    year: int
    school_name: str = ""
    laestab: str = ""
    possible: int | None = None
    authorised: int | None = None
    unauthorised: int | None = None


@dataclass
class CtfPupil:
    """One pupil of a CTF, as read (values checked for shape, not yet against the database)."""

    line: int
    upn: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    former_upn: str = ""
    uln: str = ""
    sen_provision: str = "N"
    attendance: list[YearAttendance] = field(default_factory=list)


@dataclass
class CtfFile:
    """A parsed CTF: where it came from and its pupils."""

    source_la: str = ""
    source_estab: str = ""
    source_urn: str = ""
    source_name: str = ""
    pupils: list[CtfPupil] = field(default_factory=list)


class _LineTreeBuilder(TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[Element, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _parse_xml(data: bytes) -> tuple[Element, dict[Element, int]]:
    target = _LineTreeBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    target.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ImportRefused.one(1, "file", f"unsafe XML refused ({type(exc).__name__}): CTF "
                                           "files never need a DTD or entities") from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise ImportRefused.one(line, "file", f"not well-formed XML ({exc.msg})") from None
    return root, target.lines


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: Element) -> None:
    for element in root.iter():
        element.tag = _local(element.tag)


def _first(element: Element, paths: Iterable[str]) -> str:
    for path in paths:
        found = element.find(path)
        if found is not None and (found.text or "").strip():
            return (found.text or "").strip()
    return ""


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def parse(data: bytes) -> CtfFile:
    """Read a CTF; ``ImportRefused`` names the line and element of every problem."""
    root, lines = _parse_xml(data)
    _strip_namespaces(root)
    if root.tag != "CTfile":
        raise ImportRefused.one(lines.get(root, 1), root.tag,
                                "the root element is not CTfile: this is not a CTF")
    header = root.find("Header")
    result = CtfFile()
    if header is not None:
        result.source_la = _first(header, ("SourceSchool/LEA",))
        result.source_estab = _first(header, ("SourceSchool/Estab",))
        result.source_urn = _first(header, ("SourceSchool/URN",))
        result.source_name = _first(header, ("SourceSchool/SchoolName",))
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        raise ImportRefused.one(lines.get(root, 1), "CTFpupilData",
                                "the file has no CTFpupilData/Pupil elements")
    problems: list[Problem] = []
    for element in pupils:
        result.pupils.append(_pupil(element, lines, problems))
    _check_upns(result.pupils, problems)
    if problems:
        raise ImportRefused(problems)
    return result


def _pupil(element: Element, lines: dict[Element, int], problems: list[Problem]) -> CtfPupil:
    line = lines.get(element, 1)

    def need(name: str, label: str) -> str:
        value = _first(element, PATHS[name])
        if not value:
            problems.append(Problem(line, label, "is missing"))
        return value

    upn = need("upn", "UPN").upper()
    family = need("family_name", "Surname")
    given = need("given_name", "Forename")
    dob_text = need("date_of_birth", "DOB")
    dob = _day(dob_text)
    if dob_text and dob is None:
        problems.append(Problem(line, "DOB", f"{dob_text!r} is not a date as yyyy-mm-dd"))
    sex_text = need("sex", "Sex").upper()
    sex = SEXES.get(sex_text, "")
    if sex_text and not sex:
        problems.append(Problem(line, "Sex", f"{sex_text!r} is not M or F"))
    pupil = CtfPupil(line=line, upn=upn, given_name=given, family_name=family,
                     date_of_birth=dob, sex=sex,
                     former_upn=_first(element, PATHS["former_upn"]).upper(),
                     uln=_first(element, PATHS["uln"]),
                     sen_provision=_sen(element) or "N")
    if pupil.sen_provision not in {"N", "K", "E"}:
        problems.append(Problem(line, "SENprovision",
                                f"{pupil.sen_provision!r} is not N, K or E"))
    for year in element.findall(PATHS["attendance"][0]):
        pupil.attendance.append(_year(year, lines, problems))
    return pupil


def _check_upns(pupils: list[CtfPupil], problems: list[Problem]) -> None:
    """UPNs and former UPNs must be valid (census errors 1510-1550) and each pupil appear
    once (census error 1520)."""
    seen: dict[str, int] = {}
    for pupil in pupils:
        for name, value in (("UPN", pupil.upn), ("FormerUPN", pupil.former_upn)):
            if not value:
                continue
            try:
                normal = rules_upn.validate(value)
            except rules_upn.InvalidUPN as exc:
                problems.append(Problem(pupil.line, name, f"{value}: {exc.message}"))
                continue
            if name == "UPN":
                pupil.upn = normal
        if pupil.upn and pupil.upn in seen:
            problems.append(Problem(pupil.line, "UPN", f"{pupil.upn} is also on line "
                                                       f"{seen[pupil.upn]} (census error 1520)"))
        seen.setdefault(pupil.upn, pupil.line)


def _sen(element: Element) -> str:
    history = [(_first(s, ("StartDate",)), _first(s, ("SENprovision",)))
               for s in element.findall(PATHS["sen_history"][0])]
    history = [h for h in history if h[1]]
    if history:
        return max(history)[1].upper()
    return _first(element, PATHS["sen_provision"]).upper()


def _year(element: Element, lines: dict[Element, int],
          problems: list[Problem]) -> YearAttendance:
    line = lines.get(element, 1)
    values = {k: _first(element, (tag,)) for k, tag in YEAR_DATA.items()}
    numbers: dict[str, int | None] = {}
    for key in ("year", "possible", "authorised", "unauthorised"):
        numbers[key] = _int(values[key])
        if values[key] and numbers[key] is None:
            problems.append(Problem(line, YEAR_DATA[key], f"{values[key]!r} is not a number"))
    return YearAttendance(year=numbers["year"] or 0, school_name=values["school_name"],
                          laestab=values["la"] + values["estab"], possible=numbers["possible"],
                          authorised=numbers["authorised"], unauthorised=numbers["unauthorised"])


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class OutgoingYear:
    """A school year of attendance at the provider, for the CTF of a leaver."""

    year: int
    start: date
    possible: int
    authorised: int
    unauthorised: int
    attended: int
    marks: str


def build(*, source: dict[str, str], dest: dict[str, str], pupil: dict[str, Any],
          years: list[OutgoingYear], when: datetime) -> bytes:
    """A CTF document (UTF-8 XML) for one pupil; ``source``/``dest`` hold LEA, Estab, URN and
    SchoolName; ``pupil`` the identity items."""
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _text(header, "DocumentName", "Common Transfer File")
    _text(header, "CTFversion", CTF_VERSION)
    _text(header, "DateTime", when.replace(microsecond=0, tzinfo=None).isoformat())
    _text(header, "DocumentQualifier", "partial")
    _text(header, "SupplierID", "AP Track")
    for tag, school in (("SourceSchool", source), ("DestSchool", dest)):
        block = SubElement(header, tag)
        for key in ("LEA", "Estab", "URN", "SchoolName"):
            if school.get(key):
                _text(block, key, school[key])
        if tag == "SourceSchool":
            _text(block, "AcademicYear", str(years[-1].year if years else when.year))
    data = SubElement(root, "CTFpupilData")
    element = SubElement(data, "Pupil")
    _text(element, "UPN", pupil["upn"])
    if pupil.get("uln"):
        _text(element, "UniqueLearnerNumber", pupil["uln"])
    _text(element, "Surname", pupil["family_name"])
    _text(element, "Forename", pupil["given_name"])
    _text(element, "DOB", pupil["date_of_birth"].isoformat())
    _text(element, "Sex", pupil["sex"])
    basic = SubElement(element, "BasicDetails")
    if pupil.get("former_upn"):
        _text(basic, "FormerUPN", pupil["former_upn"])
    sen = SubElement(SubElement(element, "SENhistory"), "SEN")
    _text(sen, "SENprovision", pupil["sen_provision"])
    attendance = SubElement(element, "Attendance")
    for year in years:
        block = SubElement(attendance, "YearData")
        _text(block, "Year", str(year.year))
        for key in ("SchoolName", "LEA", "Estab"):
            if source.get(key):
                _text(block, key, source[key])
        _text(block, "SessionsPossible", str(year.possible))
        _text(block, "SessionsAuthorised", str(year.authorised))
        _text(block, "SessionsUnauthorised", str(year.unauthorised))
        _text(block, "SessionsAttended", str(year.attended))
        _text(block, "AttendanceStartDate", year.start.isoformat())
        _text(block, "AttendanceMarks", year.marks)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8",
                                                                   xml_declaration=False)


def _text(parent: Element, tag: str, value: str) -> Element:
    child = SubElement(parent, tag)
    child.text = value
    return child
