"""Writing attendance: marks (register, import, API), amendments, derived marks and alerts.

One service, ``attendance_marks_record``, takes every mark whatever its route, so a rule is
enforced once: the code is from the 2024 national set (withdrawn codes only through imports,
mapped and flagged), the date is a school day of that setting, the learner had a placement or
enrolment there that day, and the recorder belongs to that setting. All or nothing.

Sources: School Attendance (Pupil Registration) (England) Regulations 2024 (what a register
records; an amendment keeps the original entry, the amended entry, the reason, the date and who
made it); DfE Alternative provision statutory guidance (commissioners monitor attendance and
act the same day on absence).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from aptrack.accounts import audit
from aptrack.accounts.choices import Role
from aptrack.accounts.scopes import PROVIDER_ROLES, SCHOOL_ROLES
from aptrack.directory.models import Establishment
from aptrack.exchange.tabular import parse_day
from aptrack.learners.models import Enrolment, Learner
from aptrack.placements.models import Placement
from aptrack.rules import attendance as rules_attendance
from aptrack.rules.calendar import school_year_of

from . import counts
from .choices import ABSENCE_CATEGORIES, AlertKind, AlertOutcome, Session, Source
from .models import Alert, AttendanceMark, MarkAmendment
from .whereabouts import (
    calendar_of,
    calendars_for,
    expected_at_provider,
    home_code_for,
    live_placements_on,
    provider_placements,
    session_times,
)

log = logging.getLogger(__name__)
BATCH = 2000
SESSIONS = frozenset(Session.values)


class MarksInvalid(Exception):
    """Some marks were refused; nothing was written. ``errors``: [{index, field, reason}]."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) with the marks; nothing was recorded")


@dataclass
class RecordResult:
    """What a call recorded: counts, and the marks created or changed."""

    created: int = 0
    amended: int = 0
    unchanged: int = 0
    derived: int = 0
    needs_review: int = 0
    alerts: int = 0
    marks: list[AttendanceMark] = field(default_factory=list)
    by_setting: Counter[int] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "amended": self.amended, "unchanged": self.unchanged,
                "derived": self.derived, "needs_review": self.needs_review, "alerts": self.alerts}


@dataclass
class _Item:
    index: int
    learner_id: int
    setting_id: int
    date: date
    session: str
    code: str
    supplied: str
    review: bool
    placement: Placement | None = None
    at_school: bool = False


def _parse_date(value: Any) -> date:
    """A date as INTERFACES.md allows it (``yyyy-mm-dd`` or ``dd/mm/yyyy``), or a real date."""
    return parse_day(value)


def _parse_id(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an id number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an id number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{what} must be a positive id number")
    return number


def may_mark(actor: Any, setting: Establishment) -> bool:
    """Staff of the setting record its register; the system (actor None) may load any."""
    if actor is None or getattr(actor, "is_superuser", False):
        return actor is None or bool(actor.is_active)
    if not getattr(actor, "is_active", False) or actor.organisation is None:
        return False
    role = actor.role
    return (actor.organisation.establishment_id == setting.pk
            and (role in SCHOOL_ROLES or role in PROVIDER_ROLES))


def _learners_in_scope(actor: Any, ids: set[int]) -> dict[int, Learner]:
    qs = Learner.objects.filter(pk__in=ids)
    if actor is not None:
        # A provider records marks for learners placed with it; scope already says so.
        qs = qs.for_user(actor, "view")  # type: ignore[attr-defined]
    return {learner.pk: learner for learner in qs}


def _validate(actor: Any, marks: Sequence[dict[str, Any]], source: str,
              today: date) -> tuple[list[_Item], list[dict[str, Any]]]:
    """Check every item; return the clean items and every problem found (not just the first)."""
    errors: list[dict[str, Any]] = []

    def bad(index: int, fld: str, reason: str, **extra: Any) -> None:
        errors.append({"index": index, "field": fld, "reason": reason, **extra})

    parsed: list[tuple[int, int, int, date, str, str, str, bool]] = []
    for index, raw in enumerate(marks):
        if not isinstance(raw, dict):
            bad(index, "item", "each mark must be an object with learner, setting, date, "
                "session and code")
            continue
        ok = True
        values: dict[str, Any] = {}
        for name in ("learner", "setting"):
            try:
                values[name] = _parse_id(raw.get(name), name)
            except ValueError as exc:
                bad(index, name, str(exc))
                ok = False
        try:
            values["date"] = _parse_date(raw.get("date"))
            if values["date"] > today:
                bad(index, "date", f"{values['date']:%d %B %Y} is in the future")
                ok = False
        except ValueError as exc:
            bad(index, "date", str(exc))
            ok = False
        session = str(raw.get("session", "")).strip().upper()
        if session not in SESSIONS:
            bad(index, "session", f"{raw.get('session')!r} is not a session: use AM or PM")
            ok = False
        supplied = str(raw.get("code", "")).strip()
        review = False
        code = ""
        try:
            if not supplied:
                raise ValueError("a code is required")
            if source == Source.IMPORT:
                code, review = rules_attendance.code_for_import(supplied)
            else:
                code = rules_attendance.normalise(supplied)
                rules_attendance.category_of(code)
        except ValueError as exc:
            bad(index, "code", str(exc))
            ok = False
        if ok:
            parsed.append((index, values["learner"], values["setting"], values["date"], session,
                           code, rules_attendance.normalise(supplied), review))
    if not parsed:
        return [], errors

    learners = _learners_in_scope(actor, {p[1] for p in parsed})
    settings_by_id = {e.pk: e for e in Establishment.objects.filter(
        pk__in={p[2] for p in parsed}).select_related("la", "calendar")}
    calendars = calendars_for(list(settings_by_id.values()))
    allowed = {pk: may_mark(actor, est) for pk, est in settings_by_id.items()}
    learner_ids = set(learners)
    setting_ids = set(settings_by_id)
    low = min(p[3] for p in parsed)
    high = max(p[3] for p in parsed)
    placements: dict[tuple[int, int], list[Placement]] = defaultdict(list)
    for p in Placement.objects.filter(
            Q(learner_id__in=learner_ids, provider_id__in=setting_ids, status__in=("active",
                                                                                   "ended"),
              start_date__lte=high) & (Q(end_date__isnull=True) | Q(end_date__gte=low))):
        placements[(p.learner_id, p.provider_id)].append(p)
    enrolments: dict[tuple[int, int], list[Enrolment]] = defaultdict(list)
    for e in Enrolment.objects.filter(
            Q(learner_id__in=learner_ids, establishment_id__in=setting_ids, start_date__lte=high)
            & (Q(end_date__isnull=True) | Q(end_date__gte=low))):
        enrolments[(e.learner_id, e.establishment_id)].append(e)

    items: list[_Item] = []
    school_day: dict[tuple[int, date], bool] = {}
    seen: dict[tuple[int, int, date, str], tuple[int, str]] = {}
    for index, learner_id, setting_id, day, session, code, supplied, review in parsed:
        setting = settings_by_id.get(setting_id)
        if learner_id not in learners:
            bad(index, "learner", f"there is no learner {learner_id} in your records")
            continue
        if setting is None:
            bad(index, "setting", f"there is no setting {setting_id}")
            continue
        if not allowed[setting_id]:
            bad(index, "setting", f"you cannot record marks for {setting.name}: only its own "
                "staff can")
            continue
        cal = calendars[setting_id]
        if cal is None:
            bad(index, "setting", f"{setting.name} has no school calendar, so no school days")
            continue
        open_day = school_day.get((setting_id, day))
        if open_day is None:
            open_day = school_day[(setting_id, day)] = cal.is_school_day(day)
        if not open_day:
            bad(index, "date", f"{day:%A %d %B %Y} is not a school day at {setting.name}")
            continue
        placement = None
        for p in placements.get((learner_id, setting_id), ()):
            if p.start_date <= day and (p.end_date is None or day <= p.end_date):
                placement = p
                break
        enrolled = False
        if placement is None:
            for e in enrolments.get((learner_id, setting_id), ()):
                if e.start_date <= day and (e.end_date is None or day <= e.end_date):
                    enrolled = True
                    break
        if placement is None and not enrolled:
            bad(index, "date", f"{learners[learner_id].full_name} had no placement or enrolment "
                f"at {setting.name} on {day:%d %B %Y}")
            continue
        key = (learner_id, setting_id, day, session)
        if key in seen:
            if seen[key][1] != code:
                bad(index, "session", f"item {seen[key][0]} marks the same learner, setting, "
                    "date and session with another code", other=seen[key][0])
            continue  # the same mark twice in one batch is recorded once
        seen[key] = (index, code)
        items.append(_Item(index, learner_id, setting_id, day, session, code, supplied, review,
                           placement, setting.is_school))
    errors.sort(key=lambda e: e["index"])
    return items, errors


@transaction.atomic
def attendance_marks_record(*, actor: Any, marks: Sequence[dict[str, Any]],
                            source: str = Source.API, reason: str = "",
                            today: date | None = None,
                            progress: Callable[[int, int], None] | None = None,
                            notify: bool = True) -> RecordResult:
    """Record marks all or nothing; an identical re-submission changes nothing.

    ``marks``: ``{"learner": id, "setting": establishment id, "date", "session": "AM"|"PM",
    "code"}``, optional ``"reason"`` for an amendment. A different code for an existing mark is an
    amendment: the original entry, the new one, the reason, who and when are kept (2024 Regs).
    Raises :class:`MarksInvalid` listing every problem; nothing is written then. For learners
    dual registered or at non-school AP the home school's mark is derived; absences of expected
    learners raise alerts to the home school's DSL and the commissioner after commit.
    """
    today = today or timezone.localdate()
    items, errors = _validate(actor, marks, source, today)
    if errors:
        raise MarksInvalid(errors)
    reasons = {i: str(m.get("reason") or "").strip() for i, m in enumerate(marks)
               if isinstance(m, dict)}
    result = RecordResult()
    user = actor if getattr(actor, "pk", None) else None
    # The counted sessions of these keys before the write; counts.recount adds the difference.
    keys = {(i.learner_id, i.date, i.session) for i in items}
    held: set[tuple[int, date, str]] = set()
    before = counts.counted(keys, held=held)
    try:
        with transaction.atomic():
            _write(items, source=source, user=user, reasons=reasons,
                   default_reason=reason or f"Corrected by {Source(source).label.lower()}",
                   result=result, progress=progress)
    except IntegrityError:
        # Someone recorded one of these sessions between our read and our write.
        raise MarksInvalid([{"index": 0, "field": "session", "reason": "another person "
                             "recorded some of these sessions at the same moment: reload the "
                             "register and check their marks before saving again"}]) from None
    _derive_home_marks(result.marks, user=user, result=result)
    _raise_absence_alerts(result.marks, today=today, result=result, notify=notify)
    # A session that held no mark and gets exactly one, with no placement (so no derived
    # mark), counts that mark: no need to read it back (most of an import).
    per_key = Counter((i.learner_id, i.date, i.session) for i in items)
    known: Counter[tuple[int, int, str]] = Counter()
    for i in items:
        key = (i.learner_id, i.date, i.session)
        if key not in held and per_key[key] == 1 and i.placement is None:
            known[(i.learner_id, school_year_of(i.date), rules_attendance.CATEGORY[i.code])] += 1
            keys.discard(key)
    counts.recount(before, keys, known)
    for setting_id, count in sorted(result.by_setting.items()):
        audit.record(actor=actor, action="attendance.record", object_type="establishment",
                     object_id=str(setting_id), changes={"source": source, "marks": count,
                                                         **result.as_dict()})
    return result


def _existing(keys: Iterable[tuple[int, int, date, str]]) -> dict[tuple[int, int, date, str],
                                                                   AttendanceMark]:
    keys = list(keys)
    if not keys:
        return {}
    learners = {k[0] for k in keys}
    settings_ = {k[1] for k in keys}
    low, high = min(k[2] for k in keys), max(k[2] for k in keys)
    wanted = set(keys)
    found: dict[tuple[int, int, date, str], AttendanceMark] = {}
    for m in AttendanceMark.objects.select_for_update().filter(
            learner_id__in=learners, setting_id__in=settings_, date__range=(low, high)):
        key = (m.learner_id, m.setting_id, m.date, m.session)
        if key in wanted:
            found[key] = m
    return found


# Fields of a new mark written as a plain row (no model instance) by ``_insert``.
_FIELDS = ("learner_id", "setting_id", "date", "session", "code", "category", "at_school",
           "placement_id", "source", "supplied_code", "needs_review", "recorded_by_id",
           "recorded_at")
# Above this many new marks, write them as rows (COPY on PostgreSQL), not through the ORM.
STREAM_ABOVE = 500


def _write(items: list[_Item], *, source: str, user: Any, reasons: dict[int, str],
           default_reason: str, result: RecordResult,
           progress: Callable[[int, int], None] | None = None) -> None:
    existing = _existing((i.learner_id, i.setting_id, i.date, i.session) for i in items)
    new: list[_Item] = []
    now = timezone.now()
    for item in items:
        mark = existing.get((item.learner_id, item.setting_id, item.date, item.session))
        if mark is None:
            new.append(item)
            result.needs_review += int(item.review)
        elif mark.code == item.code:
            result.unchanged += 1
        else:
            _amend(mark, code=item.code, source=source, user=user, now=now,
                   reason=reasons.get(item.index) or default_reason, review=item.review,
                   supplied=item.supplied)
            result.amended += 1
            result.needs_review += int(item.review)
            result.marks.append(mark)
            result.by_setting[mark.setting_id] += 1
    _insert(new, source=source, user=user, now=now, result=result, progress=progress)


def _insert(new: list[_Item], *, source: str, user: Any, now: datetime, result: RecordResult,
            progress: Callable[[int, int], None] | None = None) -> None:
    """Write new marks. Large batches go as plain rows (COPY on PostgreSQL, decision 0007);
    only the marks of placements become instances, for the derived marks and alerts."""
    user_id = getattr(user, "pk", None)

    def row(i: _Item) -> tuple[Any, ...]:
        return (i.learner_id, i.setting_id, i.date, i.session, i.code,
                rules_attendance.CATEGORY[i.code], i.at_school,
                i.placement.pk if i.placement else None, source,
                i.supplied if i.supplied != i.code else "", i.review, user_id, now)

    def instance(i: _Item) -> AttendanceMark:
        values = dict(zip(_FIELDS, row(i), strict=True))
        del values["placement_id"]
        return AttendanceMark(**values, placement=i.placement)

    if len(new) > STREAM_ABOVE:
        from aptrack.scale.loader import insert_rows

        for start in range(0, len(new), BATCH * 10):
            part = new[start:start + BATCH * 10]
            insert_rows(AttendanceMark, _FIELDS, (row(i) for i in part))
            if progress:
                progress(start + len(part), len(new))
        result.marks.extend(instance(i) for i in new if i.placement is not None)
    else:
        created = [instance(i) for i in new]
        AttendanceMark.objects.bulk_create(created)
        if progress:
            progress(len(new), len(new))
        result.marks.extend(created)
    for i in new:
        result.by_setting[i.setting_id] += 1
    result.created += len(new)


def _amend(mark: AttendanceMark, *, code: str, source: str, user: Any, now: datetime,
           reason: str, review: bool = False, supplied: str = "") -> None:
    """Change a mark, keeping the original entry, the reason, who and when (2024 Regs)."""
    MarkAmendment.objects.create(mark=mark, old_code=mark.code, new_code=code,
                                 old_source=mark.source, new_source=source, reason=reason[:300],
                                 amended_by=user)
    audit.record(actor=user, action="attendance.amend", obj=mark, learner_id=mark.learner_id,
                 changes={"code": [mark.code, code], "reason": reason[:300]})
    mark.code = code
    mark.category = rules_attendance.CATEGORY[code]
    mark.source = source
    mark.needs_review = review
    mark.supplied_code = supplied if supplied != code else ""
    mark.amended_at = now
    mark.version += 1
    mark.save(update_fields=["code", "category", "source", "needs_review", "supplied_code",
                             "amended_at", "version"])


def _derive_home_marks(marks: list[AttendanceMark], *, user: Any, result: RecordResult) -> None:
    """Write the home school's mark for sessions its pupil was expected at the provider.

    D for a dual-registered learner; K or B for non-school AP, or the provider's absence code
    when it reports one (DOMAIN.md section 2). A mark the school typed itself is never
    overwritten: a disagreement is listed for the school to resolve (selectors.mismatches).
    """
    wanted: dict[tuple[int, int, date, str], tuple[str, Placement]] = {}
    for m in marks:
        p = m.placement
        if (p is None or m.source == Source.DERIVED or p.provider_id != m.setting_id
                or not expected_at_provider(p, m.date, m.session)):
            continue
        code = home_code_for(p, m.code)
        if code is None or p.home_school_id is None:
            continue
        wanted[(m.learner_id, p.home_school_id, m.date, m.session)] = (code, p)
    if not wanted:
        return
    schools = Establishment.objects.in_bulk({key[1] for key in wanted})
    calendars = calendars_for(list(schools.values()))
    existing = _existing(wanted)
    new: list[AttendanceMark] = []
    now = timezone.now()
    for key, (code, placement) in wanted.items():
        school_id = key[1]
        cal = calendars.get(school_id)
        if cal is None or not cal.is_school_day(key[2]):
            continue
        mark = existing.get(key)
        if mark is None:
            new.append(AttendanceMark(
                learner_id=key[0], setting_id=school_id, date=key[2], session=key[3], code=code,
                category=rules_attendance.CATEGORY[code], placement=placement,
                at_school=schools[school_id].is_school, source=Source.DERIVED,
                recorded_by=user))
        elif mark.source == Source.DERIVED and mark.code != code:
            _amend(mark, code=code, source=Source.DERIVED, user=user, now=now,
                   reason="Derived again from the provider's register")
            result.derived += 1
    AttendanceMark.objects.bulk_create(new, batch_size=BATCH)
    result.derived += len(new)


def _raise_absence_alerts(marks: list[AttendanceMark], *, today: date,
                          result: RecordResult, notify: bool = True) -> None:
    """Alert the home school's DSL and the commissioner when a provider records an absence."""
    window = today - timedelta(days=settings.ATTENDANCE["ALERT_WINDOW_DAYS"])
    for m in marks:
        p = m.placement
        if (m.category not in ABSENCE_CATEGORIES or m.date < window or p is None
                or p.provider_id != m.setting_id or not expected_at_provider(p, m.date,
                                                                              m.session)):
            continue
        alert, created = Alert.objects.get_or_create(
            kind=AlertKind.ABSENCE, learner_id=m.learner_id, setting_id=m.setting_id,
            date=m.date, session=m.session,
            defaults={"placement": p, "code": m.code})
        if not created:
            if alert.code != m.code:
                alert.code = m.code
                alert.save(update_fields=["code"])
            continue
        result.alerts += 1
        if notify:
            transaction.on_commit(lambda pk=alert.pk: send_alert_email(pk))


def alert_recipients(placement: Placement | None, learner: Learner,
                     setting_id: int | None = None) -> list[str]:
    """E-mail addresses of the home school's DSLs and the commissioner's officers, and, for an
    unmarked register, the setting's own staff."""
    from aptrack.accounts.models import User

    query = Q(pk__in=[])
    if setting_id is not None:
        query |= Q(organisation__establishment_id=setting_id,
                   role__in=[Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.PROVIDER_DSL,
                             Role.SCHOOL_DSL])
    if placement is not None:
        if placement.home_school_id:
            query |= Q(organisation__establishment_id=placement.home_school_id,
                       role=Role.SCHOOL_DSL)
        if placement.commissioning_la_id:
            query |= Q(organisation__la_id=placement.commissioning_la_id,
                       organisation__establishment__isnull=True,
                       role__in=[Role.LA_OFFICER, Role.LA_SAFEGUARDING])
        if placement.commissioning_establishment_id:
            query |= Q(organisation__establishment_id=placement.commissioning_establishment_id,
                       role__in=[Role.SCHOOL_DSL, Role.POST16_STAFF])
    emails = (User.objects.filter(query, is_active=True).exclude(email="")
              .values_list("email", flat=True))
    return sorted(set(emails))


def send_alert_email(alert_id: int) -> None:
    """Send an alert's e-mail: what happened and a link, never the learner's name or details."""
    alert = Alert.objects.select_related("setting", "placement", "learner").get(pk=alert_id)
    recipients = alert_recipients(
        alert.placement, alert.learner,
        setting_id=alert.setting_id if alert.kind == AlertKind.UNMARKED else None)
    if not recipients:
        return
    base = getattr(settings, "APTRACK_BASE_URL", "")
    what = ("was recorded absent" if alert.kind == AlertKind.ABSENCE
            else "was not marked on the register by the time it closed")
    body = (f"A learner you are responsible for {what} at {alert.setting.name} for the "
            f"{alert.get_session_display().lower()} session of {alert.date:%A %d %B %Y}"
            + (f" (code {alert.code})" if alert.code else "") + ".\n\n"
            f"Sign in to AP Track to see who and to record what you did:\n"
            f"{base}/attendance/alerts/{alert.pk}/\n\n"
            "This message holds no personal details on purpose.")
    try:
        send_mail(f"AP Track: attendance alert ({alert.get_kind_display()})", body,
                  None, recipients)
    except OSError:
        log.exception("could not send attendance alert %s", alert.pk)
        return
    Alert.objects.filter(pk=alert.pk).update(emailed_to=recipients)


@transaction.atomic
def alert_acknowledge(*, actor: Any, alert_id: int, outcome: str, note: str = "") -> Alert:
    """Record what was done about an alert (contact made, whereabouts known...)."""
    alert = Alert.objects.select_for_update().filter(
        pk__in=Alert.objects.for_user(actor).values("pk")).get(pk=alert_id)
    if getattr(actor, "role", "") in PROVIDER_ROLES:
        raise Alert.DoesNotExist("Providers report absence; the school and commissioner act.")
    if outcome not in AlertOutcome.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"outcome": "Choose what was done."})
    return audit.change(actor=actor, obj=alert, action="alert.acknowledge",
                        learner_id=alert.learner_id, outcome=outcome, note=note,
                        acknowledged_at=timezone.now(), acknowledged_by=actor)


def registers_flag_unmarked(*, now: datetime | None = None) -> int:
    """Flag every expected learner left unmarked once the register closed, today so far.

    Run every session (``aptrack attendance_close_registers``, e.g. from cron at 09:35 and
    13:35); safe to run again (one alert per learner, setting and session).
    """
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    created = 0
    sessions = [s for s in ("AM", "PM") if session_times(today, s)[1] <= now]
    if not sessions:
        return 0
    placements = Placement.objects.filter(live_placements_on(today)).select_related(
        "provider", "provider__la", "provider__calendar")
    calendars: dict[int, Any] = {}
    for p in placements:
        if p.provider_id not in calendars:
            calendars[p.provider_id] = calendar_of(p.provider)
        cal = calendars[p.provider_id]
        if cal is None or not cal.is_school_day(today):
            continue
        for session in sessions:
            if not expected_at_provider(p, today, session):
                continue
            if AttendanceMark.objects.filter(learner_id=p.learner_id, setting_id=p.provider_id,
                                             date=today, session=session).exists():
                continue
            with transaction.atomic():
                alert, new = Alert.objects.get_or_create(
                    kind=AlertKind.UNMARKED, learner_id=p.learner_id, setting_id=p.provider_id,
                    date=today, session=session, defaults={"placement": p})
                if new:
                    created += 1
                    audit.record(actor=None, action="alert.raise", obj=alert,
                                 learner_id=p.learner_id, changes={"kind": "unmarked"})
                    transaction.on_commit(lambda pk=alert.pk: send_alert_email(pk))
    return created


def register_all_present(*, actor: Any, setting: Establishment, day: date, session: str,
                         exceptions: dict[int, str] | None = None,
                         today: date | None = None) -> RecordResult:
    """Mark every learner expected at the setting that session present, except ``exceptions``.

    ``exceptions`` maps learner id -> code. The present code is / (AM) or \\ (PM). Learners
    already marked keep their mark unless an exception names them.
    """
    from .whereabouts import register_rows

    exceptions = exceptions or {}
    present = "/" if session == "AM" else "\\"
    marks = []
    for row in register_rows(setting, day, session):
        if not row.expected_here:
            continue
        code = exceptions.get(row.learner.pk)
        if code is None and row.mark is not None:
            continue
        marks.append({"learner": row.learner.pk, "setting": setting.pk, "date": day,
                      "session": session, "code": code or present})
    return attendance_marks_record(actor=actor, marks=marks, source=Source.REGISTER, today=today)


def accept_proposed_home_marks(*, actor: Any, school: Establishment, day: date, session: str,
                               today: date | None = None) -> RecordResult:
    """The home school records the proposed D, K or B for its pupils expected at AP."""
    from .whereabouts import register_rows

    marks = [{"learner": r.learner.pk, "setting": school.pk, "date": day, "session": session,
              "code": r.proposed_code}
             for r in register_rows(school, day, session)
             if not r.expected_here and r.proposed_code and r.mark is None]
    return attendance_marks_record(actor=actor, marks=marks, source=Source.REGISTER, today=today)


__all__ = [
    "MarksInvalid",
    "RecordResult",
    "accept_proposed_home_marks",
    "alert_acknowledge",
    "attendance_marks_record",
    "marks_review_confirm",
    "may_mark",
    "provider_placements",
    "register_all_present",
    "registers_flag_unmarked",
    "send_alert_email",
]


@transaction.atomic
def marks_review_confirm(*, actor: Any, setting: Establishment, mark_ids: list[int]) -> int:
    """A person of the setting confirms the codes imports mapped from withdrawn ones.

    Only marks at ``setting`` that still carry ``needs_review`` and whose ids are given are
    confirmed (the flag cleared, one audit row each), of learners the actor may see; other ids
    are ignored, never touched.
    Raises ``PermissionDenied`` unless the actor is a person who may mark the setting's
    register (the system, actor None, does not confirm: a person must). Returns how many.
    """
    from django.core.exceptions import PermissionDenied

    if actor is None or not may_mark(actor, setting):
        raise PermissionDenied("Only the setting's own staff confirm its marks.")
    ids = {int(i) for i in mark_ids}
    if not ids:
        return 0
    # Only marks the actor may see: the page lists no others, and a hand-made request must not
    # reach further than the page.
    marks = list(AttendanceMark.objects.for_user(actor).select_for_update()  # type: ignore[attr-defined]
                 .filter(pk__in=ids, setting=setting, needs_review=True).order_by("pk"))
    for mark in marks:
        audit.record(actor=actor, action="attendance.review", obj=mark,
                     learner_id=mark.learner_id,
                     changes={"needs_review": [True, False], "code": mark.code,
                              "supplied_code": mark.supplied_code})
    AttendanceMark.objects.filter(pk__in=[m.pk for m in marks]).update(needs_review=False)
    return len(marks)
