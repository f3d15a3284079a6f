"""Writes of the sufficiency app: uploads of history, population, capacity and planned changes.

Each upload is validated whole and accepted all or nothing: any bad cell refuses the file with
every problem listed as ``line N: COLUMN: reason``. An accepted file replaces the LA's earlier
data of that kind, in one transaction, audited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from aptrack.accounts import audit
from aptrack.accounts.choices import Role
from aptrack.directory.models import Establishment, LocalAuthority

from . import tabular
from .choices import NEED_CHOICES, ChangeKind, Phase, Provision, UploadKind
from .models import CapacityEntry, DataUpload, DemandCount, PlannedChange, PopulationProjection
from .tabular import UploadInvalid

UPLOADER_ROLES = {Role.LA_OFFICER, Role.LA_ADMIN}
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required columns, optional columns)
    UploadKind.HISTORY: (("school_year", "provision", "phase", "need", "count"), ()),
    UploadKind.POPULATION: (("school_year", "phase", "population"), ()),
    UploadKind.CAPACITY: (("school_year", "provision", "phase", "places"),
                          ("urn", "setting", "need")),
    UploadKind.CHANGES: (("school_year", "provision", "phase", "change", "kind", "source"),
                         ("urn", "setting", "need")),
}
MODELS = {UploadKind.HISTORY: DemandCount, UploadKind.POPULATION: PopulationProjection,
          UploadKind.CAPACITY: CapacityEntry, UploadKind.CHANGES: PlannedChange}
DUPLICATE_COLUMN = {UploadKind.HISTORY: "need", UploadKind.POPULATION: "phase",
                    UploadKind.CAPACITY: "setting", UploadKind.CHANGES: "change"}
YEAR = re.compile(r"^(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?$")


class Cell(ValueError):
    """One bad cell: the column and the reason."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _choice(column: str, value: str, choices: list[tuple[str, str]]) -> str:
    """A code of ``choices`` given as its code or its label, in any case."""
    wanted = value.strip().lower()
    for code, label in choices:
        if wanted in (code.lower(), str(label).lower()):
            return code
    codes = ", ".join(code for code, _ in choices)
    raise Cell(column, f"{value!r} is not one of {codes}" if value else f"give one of {codes}")


def _year(value: str) -> int:
    match = YEAR.match(value.strip())
    if not match:
        raise Cell("school_year", f"{value!r} is not a school year (write 2024/25 or 2024)"
                   if value else "give the school year (e.g. 2024/25)")
    start = int(match.group(1))
    end = match.group(2)
    if end and int(end) % 100 != (start + 1) % 100:
        raise Cell("school_year", f"{value!r}: a school year runs into the next calendar year "
                                  f"(write {start}/{(start + 1) % 100:02d})")
    if not 2000 <= start <= 2060:
        raise Cell("school_year", f"{value!r} is outside 2000 to 2060")
    return start


def _int(column: str, value: str, *, minimum: int | None = 0, signed: bool = False) -> int:
    text = value.strip().replace(",", "")
    if not signed and re.fullmatch(r"-\d+", text):
        raise Cell(column, "must not be negative")
    if not re.fullmatch(r"[+-]?\d+" if signed else r"\d+", text):
        raise Cell(column, f"{value!r} is not a whole number" if value else "give a number")
    number = int(text)
    if minimum is not None and number < minimum:
        raise Cell(column, f"must be at least {minimum}")
    return number


def _text(column: str, value: str, limit: int, required: bool = False) -> str:
    if required and not value.strip():
        raise Cell(column, "must not be blank")
    if len(value) > limit:
        raise Cell(column, f"is longer than {limit} characters")
    return value.strip()


def _establishment(value: str) -> Establishment | None:
    if not value.strip():
        return None
    try:
        return Establishment.objects.get(urn=value.strip())
    except Establishment.DoesNotExist:
        raise Cell("urn", f"no establishment with URN {value.strip()} in the directory") from None


def _setting(values: dict[str, str]) -> dict[str, Any]:
    establishment = _establishment(values.get("urn", ""))
    name = _text("setting", values.get("setting", ""), 200)
    if establishment is None and not name:
        raise Cell("urn", "give the setting's URN or, for places not at one establishment, "
                          "a name in the setting column")
    need = values.get("need", "")
    return {"establishment": establishment, "setting_name": name,
            "need": _choice("need", need, NEED_CHOICES) if need.strip() else ""}


def _series(values: dict[str, str]) -> dict[str, Any]:
    return {"school_year": _year(values["school_year"]),
            "provision": _choice("provision", values["provision"], Provision.choices),
            "phase": _choice("phase", values["phase"], Phase.choices)}


def _history(values: dict[str, str]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    fields = {**_series(values), "need": _choice("need", values["need"], NEED_CHOICES),
              "count": _int("count", values["count"])}
    return (fields["school_year"], fields["provision"], fields["phase"], fields["need"]), fields


def _population(values: dict[str, str]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    fields = {"school_year": _year(values["school_year"]),
              "phase": _choice("phase", values["phase"], Phase.choices),
              "population": _int("population", values["population"], minimum=1)}
    return (fields["school_year"], fields["phase"]), fields


def _capacity(values: dict[str, str]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    fields = {**_series(values), **_setting(values),
              "places": _int("places", values["places"])}
    key = (fields["school_year"], fields["provision"], fields["phase"], fields["need"],
           fields["establishment"], fields["setting_name"])
    return key, fields


def _change(values: dict[str, str]) -> tuple[tuple[Any, ...] | None, dict[str, Any]]:
    fields = {**_series(values), **_setting(values),
              "change": _int("change", values["change"], minimum=None, signed=True),
              "kind": _choice("kind", values["kind"], ChangeKind.choices),
              "source": _text("source", values["source"], 300, required=True)}
    if fields["change"] == 0:
        raise Cell("change", "a planned change adds or removes at least one place")
    return None, fields  # several changes to one setting in a year are allowed


PARSERS: dict[str, Callable[[dict[str, str]], tuple[tuple[Any, ...] | None, dict[str, Any]]]] = {
    UploadKind.HISTORY: _history, UploadKind.POPULATION: _population,
    UploadKind.CAPACITY: _capacity, UploadKind.CHANGES: _change,
}


def _validated(kind: str, rows: list[tabular.Row], la: LocalAuthority) -> list[Any]:
    model = MODELS[kind]
    errors: list[str] = []
    seen: dict[tuple[Any, ...], int] = {}
    objects = []
    for row in rows:
        try:
            key, fields = PARSERS[kind](row.values)
        except Cell as cell:
            errors.append(f"line {row.line}: {cell.column}: {cell.reason}")
            continue
        if key is not None and key in seen:
            errors.append(f"line {row.line}: {DUPLICATE_COLUMN[kind]}: repeats line {seen[key]} "
                          "(the same school year, series and setting)")
            continue
        if key is not None:
            seen[key] = row.line
        obj = model(la=la, **fields)
        try:
            obj.full_clean(exclude=["la", "upload"], validate_unique=False,
                           validate_constraints=False)
        except ValidationError as exc:
            errors += [f"line {row.line}: {field}: {' '.join(messages)}"
                       for field, messages in exc.message_dict.items()]
            continue
        objects.append(obj)
    if errors:
        raise UploadInvalid(errors)
    return objects


def may_upload(user: Any, la: LocalAuthority) -> bool:
    """LA officers and administrators of this LA keep its sufficiency data."""
    org = getattr(user, "organisation", None)
    return bool(getattr(user, "is_active", False) and getattr(user, "role", "") in UPLOADER_ROLES
                and org is not None and org.la_id == la.pk)


@transaction.atomic
def sufficiency_upload(*, actor: Any, la: LocalAuthority, kind: str, filename: str, data: bytes,
                       source: str) -> DataUpload:
    """Accept a whole file of one kind of sufficiency data for ``la``, replacing its earlier
    data of that kind, or refuse it (``UploadInvalid``) with every problem by line and column.
    ``actor`` None is the system (the demo loader)."""
    if actor is not None and not may_upload(actor, la):
        raise LocalAuthority.DoesNotExist(f"No local authority {la.code} in your scope.")
    if kind not in COLUMNS:
        raise UploadInvalid([f"line 1: kind: {kind!r} is not a kind of upload"])
    limits = settings.SUFFICIENCY
    if len(data) > limits["UPLOAD_MAX_BYTES"]:
        raise UploadInvalid([f"line 1: file: larger than {limits['UPLOAD_MAX_BYTES']} bytes"])
    if not source.strip():
        raise UploadInvalid(["line 1: source: say where the figures come from"])
    required, optional = COLUMNS[kind]
    rows = tabular.read(filename, data, required=required, optional=optional,
                        max_rows=limits["UPLOAD_MAX_ROWS"])
    objects = _validated(kind, rows, la)
    upload = DataUpload(la=la, kind=kind, filename=filename[:200], rows=len(objects),
                        sha256=hashlib.sha256(data).hexdigest(), source=source.strip()[:300],
                        uploaded_by=actor if getattr(actor, "pk", None) else None)
    upload.full_clean()
    upload.save()
    model = MODELS[kind]
    replaced, _ = model.objects.filter(la=la).delete()
    for obj in objects:
        obj.upload = upload
    model.objects.bulk_create(objects, batch_size=1000)
    audit.record(actor=actor, action="sufficiency.upload", obj=upload,
                 changes={"kind": kind, "rows": len(objects), "replaced": replaced,
                          "sha256": upload.sha256, "la": la.code})
    return upload
