"""Data protection: the subject access export of one learner, and the retention schedule.

- Subject access (UK GDPR Art. 15; one calendar month): everything held on one learner, found by
  following every foreign key that leads to the learner (so a new app's records are included
  without change here), as JSON plus a readable HTML page, zipped; the export is audited.
- Retention (UK GDPR Art. 5(1)(e); DOMAIN.md section 9; IRMS Information Management Toolkit for
  Schools): ``settings.APTRACK_RETENTION`` lists each record type, the date it runs from, the
  years kept and what happens then (delete, anonymise, or review by a person). Learners under a
  legal hold are left alone. ``retention_plan`` says what is due; ``retention_apply`` does
  exactly that (the dry run and the real run report the same set).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import audit
from .models import AuditEvent, LegalHold

SKIP_MODELS = {"accounts.AuditEvent"}
MAX_DEPTH = 3


# --- Subject access ---------------------------------------------------------------------------

def _label(model: type[models.Model]) -> str:
    return model._meta.label


def related_records(learner: Any) -> dict[str, list[models.Model]]:
    """Every row that points (directly, or through rows that do) at this learner."""
    found: dict[type[models.Model], set[Any]] = {type(learner): {learner.pk}}
    rows: dict[str, list[models.Model]] = {}
    for _ in range(MAX_DEPTH):
        grew = False
        for model in apps.get_models():
            if _label(model) in SKIP_MODELS:
                continue
            for field in model._meta.concrete_fields:
                target = getattr(field, "related_model", None)
                if not field.many_to_one or target not in found or model is target:
                    continue
                manager = model._base_manager
                for row in manager.filter(**{f"{field.name}__in": found[target]}):
                    bucket = found.setdefault(model, set())
                    if row.pk not in bucket:
                        bucket.add(row.pk)
                        rows.setdefault(_label(model), []).append(row)
                        grew = True
        if not grew:
            break
    return rows


def _jsonable(obj: models.Model) -> dict[str, Any]:
    values = audit.snapshot(obj)
    for key, value in values.items():
        if not isinstance(value, str | int | float | bool | type(None) | list | dict):
            values[key] = str(value)
    return values


def subject_access_data(learner: Any) -> dict[str, Any]:
    """Everything held on one learner as JSON-safe data, with the log of who accessed it."""
    records = {label: [_jsonable(r) for r in rows]
               for label, rows in sorted(related_records(learner).items())}
    access = [{"at": e.at.isoformat(), "user": e.username, "action": e.action,
               "object_type": e.object_type, "object_id": e.object_id}
              for e in AuditEvent.objects.filter(learner_id=learner.pk).order_by("at", "pk")]
    return {"learner": _jsonable(learner), "records": records, "access_log": access}


@transaction.atomic
def subject_access_export(*, actor: Any, learner: Any) -> bytes:
    """A zip with ``learner.json`` (machine-readable) and ``learner.html`` (readable) holding
    everything on the learner; the export itself is audited. The actor must have the learner in
    scope (``scopes.require``; out of scope is ``DoesNotExist``, a 404)."""
    from . import scopes

    scopes.require(type(learner), learner.pk, actor, scopes.VIEW)
    data = subject_access_data(learner)
    made_at = timezone.now()
    data["export"] = {"made_at": made_at.isoformat(),
                      "made_by": getattr(actor, "username", "system") or "system"}
    html = render_to_string("accounts/subject_access.html", {
        "data": data, "tables": _tables(data), "learner": learner, "made_at": made_at})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"learner-{learner.pk}/learner.json",
                         json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr(f"learner-{learner.pk}/learner.html", html)
    audit.record(actor=actor, action="learner.subject_access_export", obj=learner,
                 learner_id=learner.pk)
    return buffer.getvalue()


def _tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    tables = []
    for label, rows in data["records"].items():
        columns = list(rows[0]) if rows else []
        tables.append({"label": label, "columns": columns,
                       "rows": [[row.get(c) for c in columns] for row in rows]})
    return tables


# --- Retention ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionItem:
    """One record due for its end-of-retention action."""

    record: str
    model: str
    object_id: int
    learner_id: int | None
    due: str
    action: str
    also_delete: tuple[tuple[str, str], ...] = ()


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def held_learner_ids() -> set[int]:
    return set(LegalHold.objects.filter(released_at__isnull=True)
               .values_list("learner_id", flat=True))


def _model_or_none(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _learner_field(model: type[models.Model]) -> str | None:
    if _label(model) == "learners.Learner":
        return "pk"
    for field in model._meta.concrete_fields:
        if field.many_to_one and getattr(field.related_model, "_meta", None) and \
                field.related_model._meta.label == "learners.Learner":
            return field.attname
    return None


def _with_records(spec: dict[str, Any]) -> set[int] | None:
    """Learner ids that have the records a rule depends on (e.g. safeguarding entries)."""
    has = spec.get("has")
    if not has:
        return None
    model = _model_or_none(has["model"])
    if model is None:
        return set()
    return set(model._base_manager.filter(**has.get("filter", {}))
               .values_list(has["learner"], flat=True))


def retention_plan(today: date | None = None,
                   schedule: Iterable[dict[str, Any]] | None = None) -> list[RetentionItem]:
    """What the schedule says is due today, leaving out learners under a legal hold, learners
    already anonymised, and (for automatic anonymisation) learners whose child-protection
    records wait for a person's review."""
    today = today or timezone.localdate()
    schedule = list(settings.APTRACK_RETENTION if schedule is None else schedule)
    held = held_learner_ids()
    done = set(AuditEvent.objects.filter(action="retention.anonymise", object_type="learner")
               .values_list("object_id", flat=True))
    review_ids: set[int] = set()
    for spec in schedule:
        if spec["action"] == "review":
            ids = _with_records(spec)
            model = _model_or_none(spec["model"])
            if model is not None:
                qs = model._base_manager.filter(
                    **{f"{spec['from']}__lte": years_before(today, spec["years"])})
                review_ids |= set(qs.filter(pk__in=ids).values_list("pk", flat=True)
                                  if ids is not None else qs.values_list("pk", flat=True))
    items: list[RetentionItem] = []
    for spec in schedule:
        model = _model_or_none(spec["model"])
        if model is None:
            continue
        learner_field = _learner_field(model)
        qs = model._base_manager.filter(
            **{f"{spec['from']}__lte": years_before(today, spec["years"])})
        if spec.get("unless_sen"):
            qs = qs.exclude(sen_provision__in=["K", "E"])
        if spec.get("only_sen"):
            qs = qs.filter(sen_provision__in=["K", "E"])
        if spec["action"] == "review":
            qs = qs.filter(pk__in=review_ids)
        elif spec["action"] == "anonymise":
            qs = qs.exclude(pk__in=review_ids)
        for row in qs.order_by("pk").iterator():
            learner_id = row.pk if learner_field == "pk" else (
                getattr(row, learner_field) if learner_field else None)
            if learner_id in held:
                continue
            if spec["action"] == "anonymise" and str(row.pk) in done:
                continue
            items.append(RetentionItem(
                record=spec["record"], model=_label(model), object_id=row.pk,
                learner_id=learner_id, action=spec["action"],
                also_delete=tuple(tuple(x) for x in spec.get("also_delete", ())),
                due=(years_before(getattr(row, spec["from"]), -spec["years"])).isoformat()))
    return items


def retention_apply(*, dry_run: bool, today: date | None = None,
                    schedule: Iterable[dict[str, Any]] | None = None) -> list[RetentionItem]:
    """Carry out the plan (unless ``dry_run``) in one transaction, auditing each item; return
    the items, the same list a dry run returns."""
    items = retention_plan(today, schedule)
    if dry_run:
        return items
    with transaction.atomic():
        for item in items:
            _apply(item)
        # Register entries deleted: the counts kept beside them are recomputed for those
        # learners in the same transaction (attendance/counts.py).
        touched = {i.learner_id for i in items if i.model == "attendance.AttendanceMark"
                   and i.action == "delete" and i.learner_id}
        if touched and apps.is_installed("aptrack.attendance"):
            from aptrack.attendance import counts

            counts.rebuild(touched)
    return items


ANONYMOUS = {"given_name": "Removed", "family_name": "Removed", "upn": None, "former_upn": "",
             "uln": ""}


def _apply(item: RetentionItem) -> None:
    model = apps.get_model(item.model)
    if item.action == "delete":
        for label, field in item.also_delete:  # e.g. a register entry's amendments
            apps.get_model(label)._base_manager.filter(**{field: item.object_id}).delete()
        model._base_manager.filter(pk=item.object_id).delete()
    elif item.action == "anonymise":
        row = model._base_manager.get(pk=item.object_id)
        born = row.date_of_birth
        model._base_manager.filter(pk=item.object_id).update(
            **ANONYMOUS, date_of_birth=date(born.year, 1, 1))
        _blank_free_text(row)
    audit.record(actor=None, action=f"retention.{item.action}", object_type=item.model
                 .split(".")[1].lower(), object_id=str(item.object_id),
                 learner_id=item.learner_id, changes={"record": item.record, "due": item.due})


def _blank_free_text(learner: Any) -> None:
    """Empty the free-text fields (notes, summaries) of the learner's other records: they may
    name the child. Append-only records that refuse it are left for the review list."""
    for label, rows in related_records(learner).items():
        model = apps.get_model(label)
        text = [f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)]
        if text and rows:
            try:
                with transaction.atomic():
                    model._default_manager.filter(pk__in=[r.pk for r in rows]).update(
                        **dict.fromkeys(text, ""))
            except (PermissionError, DatabaseError):
                continue


def report(items: list[RetentionItem]) -> dict[str, Any]:
    """A summary of a plan: counts by record and action, and every item."""
    counts: dict[str, int] = {}
    for item in items:
        key = f"{item.record}: {item.action}"
        counts[key] = counts.get(key, 0) + 1
    rows = [{k: v for k, v in asdict(i).items() if k != "also_delete"} for i in items]
    return {"counts": counts, "items": rows}
