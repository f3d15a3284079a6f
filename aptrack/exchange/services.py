"""Writes of the exchange app: imports of GIAS, CTF, learner and term-date files.

Each import parses the whole file first, checks every row, and writes nothing when any row is
bad (``ImportRefused`` lists each problem as ``line N: COLUMN: reason``). Writes happen in one
transaction with the audit event and an ``ExchangeLog`` row inside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from aptrack.accounts import audit
from aptrack.directory.models import (
    Closure,
    Establishment,
    LocalAuthority,
    SchoolCalendar,
    Term,
)
from aptrack.learners import services as learner_services
from aptrack.learners.models import Learner
from aptrack.placements.models import Placement
from aptrack.rules import attendance as rules_attendance
from aptrack.rules import upn as rules_upn

from . import census, ctf, encoding, gias, selectors, tabular
from .errors import ImportRefused, Problem
from .models import ExchangeLog, GiasDetail, ReportedAttendance

ESTABLISHMENT_FIELDS = ("name", "kind", "la_id", "ukprn", "estab_number", "gias_type_code",
                        "status", "registration_status", "phase", "statutory_low_age",
                        "statutory_high_age", "places", "opened_on", "closed_on")
DETAIL_FIELDS = ("type_name", "status_name", "street", "locality", "address3", "town", "county",
                 "postcode", "pru_sen", "pru_ebd", "pru_places", "full_time_provision",
                 "educated_by_other", "last_changed")
BATCH = 1000
LISTED = 200  # URNs listed per outcome in the log (counts are always complete)


@dataclass
class GiasResult:
    """What a GIAS import did: URNs created, changed and newly closed; LAs added; warnings."""

    encoding: str = ""
    rows: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    unchanged: int = 0
    las_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"encoding": self.encoding, "rows": self.rows, "created": len(self.created),
                "changed": len(self.changed), "closed": len(self.closed),
                "unchanged": self.unchanged, "las_created": self.las_created,
                "warnings": len(self.warnings),
                "created_urns": self.created[:LISTED], "changed_urns": self.changed[:LISTED],
                "closed_urns": self.closed[:LISTED]}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def gias_import(*, actor: Any, data: bytes, filename: str = "",
                encoding_name: str | None = None) -> GiasResult:
    """Create or update establishments from a GIAS "all establishment data" CSV.

    Matches on URN (then on LAESTAB for a directory entry without a URN); idempotent: a row
    equal to what is stored writes nothing. All or nothing. Closed establishments are kept
    (closed, with their close date), never deleted. Source: GIAS establishment data download.
    """
    text, used = encoding.decode(data, encoding_name)
    rows = gias.parse(text)
    result = GiasResult(encoding=used, rows=len(rows))
    las = _local_authorities(rows, result)
    plan = _GiasPlan(rows, las, result)
    plan.resolve_laestab_clashes()
    plan.build()
    plan.write()
    log = ExchangeLog.objects.create(kind=ExchangeLog.Kind.GIAS_IMPORT, user=_user(actor),
                                     filename=filename[:255], sha256=sha256(data),
                                     summary=result.summary())
    audit.record(actor=actor, action="gias.import", obj=log,
                 changes={k: v for k, v in result.summary().items() if not k.endswith("_urns")})
    return result


PASS_THROUGH = {"CharField", "TextField", "BooleanField", "IntegerField", "BigIntegerField",
                "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
                "PositiveBigIntegerField", "ForeignKey", "OneToOneField"}


def insert_many(objs: list[Any]) -> None:
    """Insert new model instances: ``COPY`` on PostgreSQL, multi-row ``INSERT`` elsewhere.

    ``bulk_create`` spends most of a national GIAS import compiling SQL value by value; this
    sends the same concrete field values (Python defaults applied by the model, values prepared
    by the field where the type needs it) without that overhead. No signals, no pks returned.
    """
    if not objs:
        return
    opts = objs[0]._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    prep = [None if f.get_internal_type() in PASS_THROUGH else f for f in fields]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)

    def values(o: Any) -> list[Any]:
        return [getattr(o, f.attname) if p is None
                else p.get_db_prep_save(p.pre_save(o, True), connection)
                for f, p in zip(fields, prep, strict=True)]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: the fastest bulk path PostgreSQL has
            with cursor.cursor.copy(f"COPY {qn(opts.db_table)} ({columns}) FROM STDIN") as copy:
                for o in objs:
                    copy.write_row(values(o))
            return
        head = f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES "  # noqa: S608 - model names
        one = f"({', '.join(['%s'] * len(fields))})"
        limit = getattr(connection.features, "max_query_params", None) or 30_000
        size = max(1, min(BATCH, limit // len(fields)))  # within the parameter limit
        for start in range(0, len(objs), size):
            batch = objs[start:start + size]
            cursor.execute(head + ", ".join([one] * len(batch)),
                           [v for o in batch for v in values(o)])


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _local_authorities(rows: list[gias.GiasRow], result: GiasResult) -> dict[str, int]:
    las = dict(LocalAuthority.objects.values_list("code", "pk"))
    for row in rows:
        if row.la_code not in las:
            la = LocalAuthority(code=row.la_code, name=row.la_name)
            la.full_clean()
            la.save()
            las[row.la_code] = la.pk
            result.las_created.append(row.la_code)
    return las


class _GiasPlan:
    """Works out, in memory, what each row creates or changes, then writes it in batches.

    Uniqueness (URN, LAESTAB) is checked here against the whole file and the directory at
    once, instead of one query per row in ``validate_unique`` (docs/decisions/0005).
    """

    def __init__(self, rows: list[gias.GiasRow], las: dict[str, int],
                 result: GiasResult) -> None:
        self.rows, self.las, self.result = rows, las, result
        # Stored values as plain tuples (pk, urn, *ESTABLISHMENT_FIELDS): cheap to compare;
        # model instances are made only for the rows that change.
        columns = ("pk", "urn", *ESTABLISHMENT_FIELDS)
        self.by_urn: dict[str, tuple[Any, ...]] = {
            t[1]: t for t in Establishment.objects.exclude(urn=None).values_list(*columns)}
        self.no_urn: dict[tuple[int, str], tuple[Any, ...]] = {
            (t[4], t[6]): t for t in Establishment.objects.filter(urn=None)
            .exclude(estab_number="").values_list(*columns)}
        self.new: list[tuple[gias.GiasRow, Establishment]] = []
        self.changed: list[Establishment] = []
        self.problems: list[Problem] = []

    def resolve_laestab_clashes(self) -> None:
        """A LAESTAB can be shared by a closed establishment and its open successor: the open
        one (else the latest opened) keeps the number; the others are stored without it."""
        holders: dict[tuple[int, str], list[gias.GiasRow]] = {}
        for row in self.rows:
            if row.estab_number:
                holders.setdefault((self.las[row.la_code], row.estab_number), []).append(row)
        taken = {(t[4], t[6]): t[1] for t in self.by_urn.values() if t[6]}
        file_urns = {row.urn for row in self.rows}
        for key, rows in holders.items():
            rows.sort(key=lambda r: (r.status != "closed", r.opened_on or date.min),
                      reverse=True)
            keeper: gias.GiasRow | None = rows[0]
            other = taken.get(key)
            if other is not None and other not in file_urns:
                keeper = None  # every file row yields to a directory entry not in the file
            for row in rows:
                if row is not keeper:
                    self.result.warnings.append(
                        f"line {row.line}: {gias.ESTAB}: LAESTAB {row.la_code}{row.estab_number}"
                        f" is also used by URN {keeper.urn if keeper else other}; "
                        "stored without it")
                    row.estab_number = ""

    def build(self) -> None:
        for row in self.rows:
            values = self._values(row)
            stored = self.by_urn.get(row.urn) or self.no_urn.get(
                (values["la_id"], row.estab_number))
            if stored is None:
                e = Establishment(urn=row.urn, **values)
                self._check(e, row)
                self.new.append((row, e))
                continue
            if stored[1] == row.urn and stored[2:] == tuple(values[f] for f in
                                                            ESTABLISHMENT_FIELDS):
                continue
            e = Establishment(pk=stored[0], urn=row.urn, **values)
            self._check(e, row)
            self.changed.append(e)
            self.result.changed.append(row.urn)
            if row.status == "closed" and stored[2 + ESTABLISHMENT_FIELDS.index("status")] != (
                    "closed"):
                self.result.closed.append(row.urn)
        if self.problems:
            raise ImportRefused(self.problems)

    def _values(self, row: gias.GiasRow) -> dict[str, Any]:
        return {"name": row.name, "kind": row.kind, "la_id": self.las[row.la_code],
                "ukprn": row.ukprn, "estab_number": row.estab_number,
                "gias_type_code": row.type_code, "status": row.status,
                "registration_status": row.registration_status, "phase": row.phase,
                "statutory_low_age": row.statutory_low_age,
                "statutory_high_age": row.statutory_high_age, "places": row.places,
                "opened_on": row.opened_on, "closed_on": row.closed_on}

    def _check(self, e: Establishment, row: gias.GiasRow) -> None:
        """The model's cross-field checks. Field checks (lengths, URN/UKPRN/LAESTAB formats,
        choices) are made by the parser with the same rules, and uniqueness for the whole file
        above, instead of ``full_clean``'s queries per row (docs/decisions/0005; a test checks
        that imported rows pass ``full_clean``)."""
        try:
            e.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.problems.append(Problem(row.line, name, message))

    def write(self) -> None:
        Establishment.objects.bulk_update(self.changed, [*ESTABLISHMENT_FIELDS, "urn"],
                                          batch_size=BATCH)
        insert_many([e for _, e in self.new])
        self.result.created = [e.urn for _, e in self.new]
        self.result.unchanged = len(self.rows) - len(self.new) - len(self.changed)
        self._write_details()

    def _write_details(self) -> None:
        ids = dict(Establishment.objects.exclude(urn=None).values_list("urn", "pk"))
        stored = {t[1]: t for t in GiasDetail.objects.values_list("pk", "establishment_id",
                                                                  *DETAIL_FIELDS)}
        touched = set(self.result.changed) | set(self.result.created)
        new, changed = [], []
        for row in self.rows:
            pk = ids[row.urn]
            values = tuple(row.detail[k] for k in DETAIL_FIELDS)
            detail = stored.get(pk)
            if detail is None:
                new.append(GiasDetail(establishment_id=pk, **row.detail))
            elif detail[2:] != values:
                changed.append(GiasDetail(pk=detail[0], establishment_id=pk, **row.detail))
                if row.urn not in touched:
                    self.result.changed.append(row.urn)
                    self.result.unchanged -= 1
        insert_many(new)
        GiasDetail.objects.bulk_update(changed, list(DETAIL_FIELDS), batch_size=BATCH)


# ---------------------------------------------------------------------------------------------
# Common Transfer File


@dataclass
class CtfResult:
    """What a CTF import did: learners created, matched unchanged, and conflicts to resolve."""

    pupils: int = 0
    created: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    attendance_years: int = 0
    log_id: int | None = None

    def summary(self) -> dict[str, Any]:
        return {"pupils": self.pupils, "created": len(self.created),
                "unchanged": len(self.unchanged), "conflicts": len(self.conflicts),
                "attendance_years": self.attendance_years}


CTF_COMPARED = ("given_name", "family_name", "date_of_birth", "sex", "former_upn", "uln",
                "sen_provision")


def _home_la_of(actor: Any, parsed: ctf.CtfFile) -> LocalAuthority | None:
    org = getattr(actor, "organisation", None)
    if org is not None and org.la_id:
        return org.la
    if org is not None and org.establishment_id:
        return org.establishment.la
    return LocalAuthority.objects.filter(code=parsed.source_la).first()


@transaction.atomic
def ctf_import(*, actor: Any, data: bytes, filename: str = "",
               home_la: LocalAuthority | None = None, enrol_at: Establishment | None = None,
               start_date: date | None = None) -> CtfResult:
    """Import learners from a Common Transfer File, matching on UPN.

    A pupil whose UPN is new becomes a learner (through ``learner_create``, so validated and
    audited), enrolled at ``enrol_at`` when given. A pupil whose UPN is known is never
    overwritten: any difference is reported as a conflict for a person to resolve. Attendance
    totals are kept as reported (``ReportedAttendance``). All or nothing.
    """
    parsed = ctf.parse(data)
    home_la = home_la or _home_la_of(actor, parsed)
    if home_la is None:
        raise ImportRefused.one(1, "LEA", "cannot tell which LA these learners live in: give "
                                          "the home LA")
    result = CtfResult(pupils=len(parsed.pupils))
    log = ExchangeLog.objects.create(kind=ExchangeLog.Kind.CTF_IMPORT, user=_user(actor),
                                     filename=filename[:255], sha256=sha256(data))
    result.log_id = log.pk
    existing = {lr.upn: lr for lr in Learner.objects.filter(
        upn__in=[p.upn for p in parsed.pupils])}
    for pupil in parsed.pupils:
        learner = existing.get(pupil.upn)
        if learner is None:
            learner = _ctf_create(actor, pupil, home_la, enrol_at, start_date)
            result.created.append(learner.pk)
        elif not _ctf_compare(actor, pupil, learner, result):
            continue  # outside the importer's scope: nothing is added to that record
        result.attendance_years += _ctf_attendance(pupil, learner, log, result)
    log.summary = result.summary()  # counts only: conflicts name people, so stay in the page
    log.save(update_fields=["summary"])
    audit.record(actor=actor, action="ctf.import", obj=log, changes=result.summary())
    return result


def _ctf_create(actor: Any, pupil: ctf.CtfPupil, home_la: LocalAuthority,
                enrol_at: Establishment | None, start_date: date | None) -> Learner:
    try:
        learner = learner_services.learner_create(
            actor=actor, given_name=pupil.given_name, family_name=pupil.family_name,
            date_of_birth=pupil.date_of_birth, sex=pupil.sex, home_la=home_la, upn=pupil.upn,
            former_upn=pupil.former_upn, uln=pupil.uln, sen_provision=pupil.sen_provision)
        if enrol_at is not None:
            learner_services.enrolment_start(actor=actor, learner=learner,
                                             establishment=enrol_at,
                                             start_date=start_date or date.today())
    except ValidationError as exc:
        raise ImportRefused(_problems(pupil.line, exc)) from None
    return learner


def _problems(line: int, exc: ValidationError) -> list[Problem]:
    if hasattr(exc, "error_dict"):
        return [Problem(line, name, message) for name, messages in exc.message_dict.items()
                for message in messages]
    return [Problem(line, "row", message) for message in exc.messages]


def _ctf_compare(actor: Any, pupil: ctf.CtfPupil, learner: Learner,
                 result: CtfResult) -> bool:
    """Report how a known learner differs from the file; False when out of the actor's scope."""
    if actor is not None and not Learner.objects.for_user(actor).filter(pk=learner.pk).exists():
        result.conflicts.append(f"line {pupil.line}: UPN: {pupil.upn} belongs to a learner "
                                "outside your organisation's records: ask your LA to check")
        return False
    differences = []
    for name in CTF_COMPARED:
        ours, theirs = getattr(learner, name), getattr(pupil, name)
        if theirs not in ("", None) and ours != theirs:
            differences.append(f"{name} is {ours or '(blank)'} here but {theirs} in the file")
    if differences:
        result.conflicts.append(f"line {pupil.line}: {pupil.upn}: " + "; ".join(differences))
    else:
        result.unchanged.append(learner.pk)
    return True


def _ctf_attendance(pupil: ctf.CtfPupil, learner: Learner, log: ExchangeLog,
                    result: CtfResult) -> int:
    added = 0
    for year in pupil.attendance:
        values = {"school_name": year.school_name[:200], "sessions_possible": year.possible,
                  "sessions_authorised": year.authorised,
                  "sessions_unauthorised": year.unauthorised}
        stored = ReportedAttendance.objects.filter(learner=learner, year=year.year,
                                                   laestab=year.laestab).first()
        if stored is None:
            row = ReportedAttendance(learner=learner, year=year.year, laestab=year.laestab,
                                     source=log, **values)
            row.full_clean()
            row.save()
            added += 1
        elif any(getattr(stored, k) != v for k, v in values.items() if k != "school_name"):
            result.conflicts.append(f"line {pupil.line}: {pupil.upn}: attendance for "
                                    f"{year.year} differs from the totals already reported")
    return added


def _school(e: Establishment | None, la: LocalAuthority | None = None) -> dict[str, str]:
    if e is None:
        return {"LEA": la.code} if la is not None else {}
    return {"LEA": e.la.code, "Estab": e.estab_number, "URN": e.urn or "",
            "SchoolName": e.name}


def _school_year(d: date) -> int:
    return d.year if d.month >= 9 else d.year - 1


def placement_attendance_years(*, actor: Any, placement: Placement) -> list[ctf.OutgoingYear]:
    """The placement's attendance at the provider, by school year, for a leaver's CTF: totals
    by census category (``aptrack.rules.attendance``) and the session marks, weekdays from the
    first mark, AM then PM, ``-`` where no mark was recorded."""
    from aptrack.attendance.models import AttendanceMark

    marks = (selectors.scoped(AttendanceMark, actor)
             .filter(learner_id=placement.learner_id, setting_id=placement.provider_id,
                     date__gte=placement.start_date)
             .order_by("date", "session"))
    if placement.end_date:
        marks = marks.filter(date__lte=placement.end_date)
    by_year: dict[int, dict[tuple[date, str], str]] = {}
    for mark in marks.only("date", "session", "code"):
        by_year.setdefault(_school_year(mark.date), {})[(mark.date, mark.session)] = mark.code
    years = []
    for year, codes_by_session in sorted(by_year.items()):
        summary = rules_attendance.summarise(codes_by_session.values())
        first = min(d for d, _ in codes_by_session)
        last = max(d for d, _ in codes_by_session)
        years.append(ctf.OutgoingYear(
            year=year, start=first, possible=summary.possible,
            authorised=summary.authorised, unauthorised=summary.unauthorised,
            attended=summary.present + summary.approved_activity,
            marks=_marks_string(codes_by_session, first, last)))
    return years


def _marks_string(codes: dict[tuple[date, str], str], first: date, last: date) -> str:
    out = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            out.extend(codes.get((day, s), "-")[:1] for s in ("AM", "PM"))
        day += timedelta(days=1)
    return "".join(out)


@transaction.atomic
def ctf_export(*, actor: Any, placement: Placement) -> tuple[str, bytes]:
    """A Common Transfer File for a learner leaving a placement, carrying the attendance the
    provider recorded during it; returns ``(file name, XML)``. The placement must be in the
    actor's scope (else ``Placement.DoesNotExist``: a 404). Audited as an export of the
    learner's record. A CTF is due within 15 school days of leaving (DOMAIN.md section 8).
    """
    placement = (selectors.scoped(Placement, actor)
                 .select_related("learner", "provider__la", "home_school__la",
                                 "commissioning_establishment__la", "commissioning_la")
                 .get(pk=placement.pk))
    learner = placement.learner
    if not learner.upn:
        raise ValidationError({"upn": f"{learner} has no UPN: a CTF needs one."})
    years = placement_attendance_years(actor=actor, placement=placement)
    dest = placement.home_school or placement.commissioning_establishment
    xml = ctf.build(
        source=_school(placement.provider), dest=_school(dest, placement.commissioning_la),
        pupil={"upn": learner.upn, "uln": learner.uln, "family_name": learner.family_name,
               "given_name": learner.given_name, "date_of_birth": learner.date_of_birth,
               "sex": learner.sex, "former_upn": learner.former_upn,
               "sen_provision": learner.sen_provision},
        years=years, when=timezone.now())
    provider = placement.provider
    laestab = provider.laestab or provider.urn or str(provider.pk)
    name = f"{laestab}_CTF_{dest.laestab if dest else 'LA'}_{learner.upn}.xml"
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.CTF_EXPORT, user=_user(actor), filename=name,
        sha256=sha256(xml), summary={"placement": placement.pk, "years": len(years)})
    audit.record(actor=actor, action="ctf.export", obj=log, learner_id=learner.pk,
                 changes={"placement": placement.pk, "years": [y.year for y in years]})
    return name, xml


# ---------------------------------------------------------------------------------------------
# Census returns


class CensusNotReady(Exception):  # noqa: N818 - says what the return is
    """The return failed validation: fix the problems, then export."""

    def __init__(self, problems: list[census.CensusProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@transaction.atomic
def census_export(*, actor: Any, result: census.CensusReturn, fmt: str,
                  source: dict[str, str]) -> tuple[str, bytes]:
    """The validated return as CSV or XML, audited as an export of each learner's record.
    Refused (``CensusNotReady``) while any validation rule fails."""
    if not result.ok:
        raise CensusNotReady(result.problems)
    if fmt not in ("csv", "xml"):
        raise ValueError("a census return is exported as csv or xml")
    data = census.to_csv(result) if fmt == "csv" else census.to_xml(result, source=source)
    ident = source.get("URN") or source.get("LEA", "")
    name = f"{result.kind}-census-{ident}-{result.period.census_date:%Y-%m-%d}.{fmt}"
    from .spreadsheets import audit_export

    audit_export(user=actor, name=f"census-{result.kind}", fmt=fmt, rows=len(result.rows),
                 learner_ids=sorted({r.learner_id for r in result.rows}))
    ExchangeLog.objects.create(kind=ExchangeLog.Kind.CENSUS_EXPORT, user=_user(actor),
                               filename=name, sha256=sha256(data),
                               summary={"kind": result.kind, "rows": len(result.rows)})
    return name, data


# ---------------------------------------------------------------------------------------------
# Learners from a spreadsheet


LEARNER_COLUMNS = ("upn", "former_upn", "uln", "given_name", "family_name", "date_of_birth",
                   "sex", "sen_provision", "primary_need", "looked_after")
LEARNER_REQUIRED = ("given_name", "family_name", "date_of_birth", "sex")
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0", ""}


@dataclass
class LearnerImportResult:
    """What a learner spreadsheet import did."""

    rows: int = 0
    created: list[int] = field(default_factory=list)
    already_recorded: list[str] = field(default_factory=list)
    encoding: str = ""


def _learner_values(line: int, row: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(row.get(k) or "").strip() for k in LEARNER_COLUMNS
                              if k not in ("date_of_birth", "looked_after")}
    for name in LEARNER_REQUIRED:
        if row.get(name) in (None, ""):
            problems.append(Problem(line, name, "is empty"))
    for name in ("upn", "former_upn"):
        if values[name]:
            try:
                values[name] = rules_upn.validate(values[name])
            except rules_upn.InvalidUPN as exc:
                problems.append(Problem(line, name, exc.message))
    values["sex"] = values["sex"].upper()[:1]
    values["sen_provision"] = values["sen_provision"].upper() or "N"
    values["primary_need"] = values["primary_need"].upper()
    if row.get("date_of_birth") not in (None, ""):
        try:
            values["date_of_birth"] = tabular.parse_day(row["date_of_birth"])
        except ValueError as exc:
            problems.append(Problem(line, "date_of_birth", str(exc)))
    looked_after = str(row.get("looked_after") or "").strip().lower()
    if looked_after not in TRUE_WORDS | FALSE_WORDS:
        problems.append(Problem(line, "looked_after", f"{looked_after!r} is not yes or no"))
    values["looked_after"] = looked_after in TRUE_WORDS
    return values


@transaction.atomic
def learners_import(*, actor: Any, data: bytes, filename: str = "",
                    home_la: LocalAuthority | None = None,
                    enrol_at: Establishment | None = None,
                    start_date: date | None = None) -> LearnerImportResult:
    """Add learners from a CSV or XLSX sheet (columns by name: upn, given_name, family_name,
    date_of_birth, sex, and optionally former_upn, uln, sen_provision, primary_need,
    looked_after). UPNs are validated with their census error (1510-1550) and must be unique
    (1520); a UPN already recorded is reported and left alone. All or nothing."""
    table = tabular.read(data, required=LEARNER_REQUIRED)
    home_la = home_la or _home_la_of(actor, ctf.CtfFile())
    if home_la is None:
        raise ImportRefused.one(1, "home_la", "cannot tell which LA these learners live in")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    prepared = []
    for line, row in table.rows:
        values = _learner_values(line, row, problems)
        if values["upn"] in seen:
            problems.append(Problem(line, "upn", f"{values['upn']} is also on line "
                                                 f"{seen[values['upn']]} (census error 1520)"))
        if values["upn"]:
            seen.setdefault(values["upn"], line)
        prepared.append((line, values))
    if problems:
        raise ImportRefused(problems)
    known = set(Learner.objects.filter(upn__in=list(seen)).values_list("upn", flat=True))
    result = LearnerImportResult(rows=len(prepared), encoding=table.encoding)
    for line, values in prepared:
        if values["upn"] and values["upn"] in known:
            result.already_recorded.append(f"line {line}: upn: {values['upn']} is already "
                                           "recorded; left unchanged")
            continue
        try:
            learner = learner_services.learner_create(actor=actor, home_la=home_la, **values)
            if enrol_at is not None:
                learner_services.enrolment_start(actor=actor, learner=learner,
                                                 establishment=enrol_at,
                                                 start_date=start_date or date.today())
        except ValidationError as exc:
            problems.extend(_problems(line, exc))
            continue
        result.created.append(learner.pk)
    if problems:
        raise ImportRefused(problems)
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.LEARNER_IMPORT, user=_user(actor), filename=filename[:255],
        sha256=sha256(data), summary={"rows": result.rows, "created": len(result.created),
                                      "already_recorded": len(result.already_recorded)})
    audit.record(actor=actor, action="learners.import", obj=log, changes=log.summary)
    return result


# ---------------------------------------------------------------------------------------------
# Term dates and closures


CALENDAR_REQUIRED = ("type", "name", "start", "end")


@dataclass
class CalendarImportResult:
    """Terms and closures added to a calendar (rows already there are left alone)."""

    calendar_id: int = 0
    terms_added: int = 0
    closures_added: int = 0
    unchanged: int = 0


@transaction.atomic
def calendar_import(*, actor: Any, data: bytes, filename: str = "",
                    la: LocalAuthority | None = None,
                    establishment: Establishment | None = None) -> CalendarImportResult:
    """Import term dates and closures (CSV or XLSX: ``type`` term|closure, ``name``, ``start``,
    ``end``; a closure may span days) into an LA's default calendar or a school's own.

    Terms must not overlap each other; closures must fall inside a term. A row equal to one
    already stored changes nothing. England bank holidays need no rows: the calendar leaves
    them out itself (``aptrack.rules.calendar``, from the ``holidays`` package).
    """
    table = tabular.read(data, required=CALENDAR_REQUIRED)
    calendar = _calendar_for(la, establishment)
    problems: list[Problem] = []
    terms: list[tuple[int, str, date, date]] = []
    closures: list[tuple[int, str, date]] = []
    for line, row in table.rows:
        kind = str(row.get("type") or "").strip().lower()
        name = str(row.get("name") or "").strip()[:120]
        days = []
        for column in ("start", "end"):
            try:
                days.append(tabular.parse_day(row.get(column) or ""))
            except ValueError as exc:
                problems.append(Problem(line, column, str(exc)))
        if not name:
            problems.append(Problem(line, "name", "is empty"))
        if kind not in ("term", "closure"):
            problems.append(Problem(line, "type", f"{kind!r} is not term or closure"))
        if len(days) < 2 or kind not in ("term", "closure"):
            continue
        start, end = days
        if end < start:
            problems.append(Problem(line, "end", "is before the start"))
        elif kind == "term":
            terms.append((line, name, start, end))
        else:
            closures.extend((line, name, start + timedelta(days=n))
                            for n in range((end - start).days + 1))
    result = CalendarImportResult(calendar_id=calendar.pk)
    _calendar_check(calendar, terms, closures, problems)
    if problems:
        raise ImportRefused(problems)
    _calendar_write(calendar, terms, closures, result)
    log = ExchangeLog.objects.create(
        kind=ExchangeLog.Kind.CALENDAR_IMPORT, user=_user(actor), filename=filename[:255],
        sha256=sha256(data), summary={"calendar": calendar.pk, "terms": result.terms_added,
                                      "closures": result.closures_added})
    audit.record(actor=actor, action="calendar.import", obj=calendar, changes=log.summary)
    return result


def _calendar_for(la: LocalAuthority | None,
                  establishment: Establishment | None) -> SchoolCalendar:
    if establishment is not None:
        calendar = SchoolCalendar.objects.filter(establishment=establishment).first()
        if calendar is None:
            calendar = SchoolCalendar.objects.create(
                name=f"{establishment.name} term dates", la=establishment.la,
                establishment=establishment)
        if establishment.calendar_id != calendar.pk:
            establishment.calendar = calendar
            establishment.save(update_fields=["calendar"])
        return calendar
    if la is None:
        raise ImportRefused.one(1, "calendar", "say whose term dates these are (LA or school)")
    calendar = la.default_calendar()
    return calendar or SchoolCalendar.objects.create(name=f"{la.name} term dates", la=la)


def _calendar_check(calendar: SchoolCalendar, terms: list[tuple[int, str, date, date]],
                    closures: list[tuple[int, str, date]], problems: list[Problem]) -> None:
    stored = [(t.start, t.end) for t in calendar.terms.all()]
    every = [(s, e, line) for line, _, s, e in terms]
    for line, _, start, end in terms:
        if (start, end) in stored:
            continue
        for s, e in stored:
            if start <= e and s <= end:
                problems.append(Problem(line, "start", f"overlaps the stored term {s:%d %b %Y}"
                                                       f" to {e:%d %b %Y}"))
        for s, e, other in every:
            if other != line and start <= e and s <= end:
                problems.append(Problem(line, "start", f"overlaps the term on line {other}"))
    spans = stored + [(s, e) for s, e, _ in every]
    for line, _, day in closures:
        if not any(s <= day <= e for s, e in spans):
            problems.append(Problem(line, "start", f"{day:%d %b %Y} is not in any term"))


def _calendar_write(calendar: SchoolCalendar, terms: list[tuple[int, str, date, date]],
                    closures: list[tuple[int, str, date]], result: CalendarImportResult) -> None:
    stored_terms = {(t.start, t.end) for t in calendar.terms.all()}
    stored_days = set(calendar.closures.values_list("date", flat=True))
    for _, name, start, end in terms:
        if (start, end) in stored_terms:
            result.unchanged += 1
            continue
        term = Term(calendar=calendar, name=name, start=start, end=end)
        term.full_clean()
        term.save()
        result.terms_added += 1
    for _, name, day in closures:
        if day in stored_days:
            result.unchanged += 1
            continue
        closure = Closure(calendar=calendar, date=day, reason=name)
        closure.full_clean()
        closure.save()
        stored_days.add(day)
        result.closures_added += 1
