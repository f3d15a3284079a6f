"""Writes of the quality app: one transaction each, ``full_clean`` before save, audited in the
same transaction, e-mails after commit (``transaction.on_commit``, robust: a mail server that is
down never undoes a write). ``actor`` None is the system itself (demo loader, commands)."""

from __future__ import annotations

import hashlib
import logging
import uuid
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aptrack.accounts import audit, scopes
from aptrack.accounts.models import User
from aptrack.directory.models import Establishment, LocalAuthority
from aptrack.placements.choices import Reason, Status
from aptrack.placements.models import Placement
from aptrack.rules import registration

from . import logic
from .choices import NEEDS_DETAIL, REINTEGRATION, AlertStatus, OutcomeDestination, ProviderStatus
from .models import (
    AgreementObjective,
    EvidenceFile,
    LiaisonEntry,
    ObjectiveProgress,
    OffSiteNotice,
    PlacementAgreement,
    PlacementOutcome,
    PlacementReview,
    ProviderCheck,
    ProviderStatusDecision,
    RegistrationAlert,
    ReviewRequest,
    post16_commissioner,
)

log = logging.getLogger(__name__)

# ---- helpers ------------------------------------------------------------------------------


def _mail_after_commit(subject: str, body: str, recipients: Iterable[str]) -> None:
    """Send one e-mail once the transaction commits; a failure is logged, never raised."""
    to = sorted({r for r in recipients if r})
    if not to:
        return

    def send() -> None:
        send_mail(subject, body, None, to, fail_silently=False)

    transaction.on_commit(send, robust=True)


def la_recipients(la_ids: Iterable[int]) -> list[str]:
    """E-mail addresses of active LA officers (any LA role) of these LAs."""
    return list(User.objects.filter(is_active=True, role__in=scopes.LA_ROLES,
                                    organisation__la_id__in=list(la_ids))
                .exclude(email="").values_list("email", flat=True))


def _require_placement(placement: Placement, actor: Any, action: str = scopes.CHANGE) -> None:
    if actor is not None and not Placement.objects.for_user(actor, action).filter(
            pk=placement.pk).exists():
        raise Placement.DoesNotExist(f"No placement {placement.pk} in your scope.")


def _commissioner_of(actor: Any) -> dict[str, Any]:
    """The commissioner an actor records checks for: their LA, their school, or their post-16
    provider (a post-16 provider commissioning AP makes its own checks too)."""
    role = getattr(actor, "role", "")
    org = getattr(actor, "organisation", None)
    if org is not None and role in scopes.LA_ROLES:
        return {"commissioning_la": org.la}
    if org is not None and role in scopes.SCHOOL_ROLES and org.establishment.is_school:
        return {"commissioning_establishment": org.establishment}
    if org is not None and post16_commissioner(actor):
        return {"commissioning_establishment": org.establishment}
    raise ValidationError("Only a local authority, a commissioning school or a post-16 "
                          "provider records provider checks.")


# ---- 1. provider due diligence ------------------------------------------------------------


@transaction.atomic
def check_record(*, actor: Any, provider: Establishment, kind: str, outcome: str,
                 checked_on: date, expires_on: date | None = None, notes: str = "",
                 commissioning_la: LocalAuthority | None = None,
                 commissioning_establishment: Establishment | None = None,
                 files: Iterable[Any] = ()) -> ProviderCheck:
    """Record one due-diligence check of a provider by the actor's own organisation (an LA, a
    commissioning school or a commissioning post-16 provider: its own checks, the LA's are not
    enough; KCSIE, DfE AP guidance).
    Without an expiry the check lasts the configured months for its kind."""
    who = ({"commissioning_la": commissioning_la} if commissioning_la else
           {"commissioning_establishment": commissioning_establishment}
           if commissioning_establishment else _commissioner_of(actor))
    if actor is not None and who != _commissioner_of(actor):
        raise ValidationError("You can record checks only for your own organisation.")
    if expires_on is None and checked_on is not None:
        months = settings.QUALITY["DEFAULT_VALID_MONTHS"].get(kind, 12)
        expires_on = logic.add_months(checked_on, months)
    check = ProviderCheck(provider=provider, kind=kind, outcome=outcome, checked_on=checked_on,
                          expires_on=expires_on, notes=notes,
                          checked_by=actor if getattr(actor, "pk", None) else None, **who)
    check.full_clean()
    check.save()
    audit.record(actor=actor, action="provider_check.record", obj=check,
                 changes=audit.snapshot(check, ["provider", "kind", "outcome", "checked_on",
                                                "expires_on", "commissioning_la",
                                                "commissioning_establishment"]))
    for upload in files:
        evidence_attach(actor=actor, check=check, upload=upload)
    return check


_SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "docx": (b"PK\x03\x04",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def evidence_dir() -> Path:
    """Where evidence files live: outside the web root, never served by the static server."""
    configured = settings.QUALITY.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "private" / "evidence"


def validate_upload(name: str, data: bytes) -> tuple[str, str]:
    """Check an evidence file's size and that its content is the type its name says (PDF, PNG,
    JPEG, Word or Excel); returns (safe file name, content type)."""
    limit = settings.QUALITY["EVIDENCE_MAX_BYTES"]
    base = Path(name or "").name.strip()[:200] or "evidence"
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if not data:
        raise ValidationError({"evidence": f"{base} is empty."})
    if len(data) > limit:
        raise ValidationError({"evidence": f"{base} is larger than {limit // 2**20} MB."})
    if ext not in _SIGNATURES:
        raise ValidationError({"evidence": f"{base} must be a PDF, PNG, JPEG, Word (.docx) or "
                                           "Excel (.xlsx) file."})
    magic, content_type = _SIGNATURES[ext]
    if not data.startswith(magic) or (ext in _OOXML_PART and not _has_part(data, ext)):
        raise ValidationError({"evidence": f"{base} is not really a .{ext} file."})
    return base, content_type


def _has_part(data: bytes, ext: str) -> bool:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _OOXML_PART[ext] in archive.namelist()
    except zipfile.BadZipFile:
        return False


@transaction.atomic
def evidence_attach(*, actor: Any, check: ProviderCheck, upload: Any) -> EvidenceFile:
    """Store an evidence file of a check under a random name outside the web root."""
    if actor is not None and not ProviderCheck.objects.for_user(actor, scopes.CHANGE).filter(
            pk=check.pk).exists():
        raise ProviderCheck.DoesNotExist(f"No check {check.pk} in your scope.")
    data = upload.read()
    name, content_type = validate_upload(getattr(upload, "name", ""), data)
    folder = evidence_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = uuid.uuid4().hex
    path = folder / stored
    path.write_bytes(data)
    path.chmod(0o600)
    evidence = EvidenceFile(check_record=check, original_name=name, stored_name=stored,
                            content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_by=actor if getattr(actor, "pk", None) else None)
    try:
        evidence.full_clean()
        evidence.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    audit.record(actor=actor, action="evidence.upload", obj=evidence,
                 changes={"check": check.pk, "size": len(data), "sha256": evidence.sha256})
    return evidence


@transaction.atomic
def provider_status_set(*, actor: Any, provider: Establishment, status: str, reasons: str,
                        decided_on: date | None = None,
                        la: LocalAuthority | None = None) -> ProviderStatusDecision:
    """An LA decides a provider's status (approved, conditional, suspended) with its reasons."""
    if actor is not None:
        if getattr(actor, "role", "") not in scopes.LA_ROLES:
            raise ValidationError("Only a local authority officer sets a provider's status.")
        la = actor.organisation.la
    if la is None:
        raise ValidationError({"la": "Name the local authority deciding."})
    if not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for this status."})
    decision = ProviderStatusDecision(provider=provider, la=la, status=status, reasons=reasons,
                                      decided_on=decided_on or date.today(),
                                      decided_by=actor if getattr(actor, "pk", None) else None)
    decision.full_clean()
    decision.save()
    audit.record(actor=actor, action="provider_status.set", obj=decision,
                 changes={"provider": provider.pk, "status": status})
    if status == ProviderStatus.SUSPENDED:
        _mail_after_commit(f"AP Track: {provider} suspended by {la.name}",
                           f"{la.name} suspended {provider} on {decision.decided_on:%-d %B %Y}. "
                           "New placements there are refused unless an LA officer overrides.",
                           la_recipients([la.pk]))
    return decision


# ---- 3. registration watch -----------------------------------------------------------------


def provider_roster(provider: Establishment, on: date) -> tuple[list[Any], list[list[int]]]:
    """The provider's current learners (agreed or active placements not ended by ``on``) as the
    registration test sees them, with the placement ids of each."""
    placements = (Placement.objects.filter(provider=provider,
                                           status__in=[Status.AGREED, Status.ACTIVE])
                  .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                  .select_related("learner").order_by("learner_id", "pk"))
    hours: dict[int, Decimal] = {}
    ids: dict[int, list[int]] = {}
    learners: dict[int, Any] = {}
    for p in placements:
        hours[p.learner_id] = hours.get(p.learner_id, Decimal(0)) + p.hours_per_week
        ids.setdefault(p.learner_id, []).append(p.pk)
        learners[p.learner_id] = p.learner
    roster = [registration.LearnerAtProvider(
        hours_per_week=float(hours[pk]),
        compulsory_school_age=logic.compulsory_school_age(learners[pk].date_of_birth, on),
        ehc_plan=learners[pk].sen_provision == "E", looked_after=learners[pk].looked_after,
        sen=learners[pk].sen_provision in ("K", "E")) for pk in learners]
    return roster, [ids[pk] for pk in learners]


@transaction.atomic
def registration_watch(*, provider_id: int, on: date | None = None) -> RegistrationAlert | None:
    """Run the registration test over an unregistered provider's current learners; when it must
    register as an independent school, alert the LAs concerned (once per set of learners that
    tip it over) and e-mail their officers. Education and Skills Act 2008 s92 [law]; full-time
    hours and the SEN widening (CWS Act 2026 s43) from settings."""
    on = on or date.today()
    provider = Establishment.objects.select_for_update().get(pk=provider_id)
    open_alerts = RegistrationAlert.objects.filter(provider=provider, status=AlertStatus.OPEN)
    # Registered schools need no registration; nor do FE-sector institutions, which are not
    # independent schools (EA 1996 s463; ESA 2008 s92).
    if provider.is_school or provider.registration_status in ("registered_school", "fe"):
        _resolve(open_alerts)
        return None
    roster, placement_ids = provider_roster(provider, on)
    result = registration.assess(roster, full_time_hours=settings.APTRACK["FULL_TIME_HOURS"],
                                 sen_widening=settings.APTRACK["SEN_WIDENING"])
    if not result.must_register:
        _resolve(open_alerts)
        return None
    tipping = sorted(pk for index in result.tipping for pk in placement_ids[index])
    fingerprint = ",".join(str(pk) for pk in tipping)[:500]
    same = open_alerts.filter(fingerprint=fingerprint).first()
    if same is not None:
        return same
    _resolve(open_alerts)
    alert = RegistrationAlert(provider=provider, reason=result.reason,
                              full_time_count=result.full_time_count, fingerprint=fingerprint)
    alert.full_clean()
    alert.save()
    alert.tipping_placements.set(tipping)
    tipping_qs = Placement.objects.filter(pk__in=tipping)
    la_ids = {provider.la_id}
    la_ids |= {pk for pk in tipping_qs.values_list("commissioning_la_id", flat=True) if pk}
    la_ids |= set(tipping_qs.exclude(commissioning_establishment=None)
                  .values_list("commissioning_establishment__la_id", flat=True))
    alert.las.set(la_ids)
    audit.record(actor=None, action="registration_alert.raise", obj=alert,
                 changes={"provider": provider.pk, "placements": tipping})
    _mail_after_commit(
        f"AP Track: {provider} must register as an independent school",
        f"{provider} is not a registered school, but {result.reason}.\n\n"
        f"{len(tipping)} placement(s) tip it over (AP Track placement references: "
        f"{', '.join(str(pk) for pk in tipping)}). Sign in to AP Track to see the learners "
        f"(alert {alert.pk}). This e-mail holds no names on purpose.",
        la_recipients(la_ids))
    return alert


def _resolve(alerts: Any) -> None:
    for alert in alerts:
        RegistrationAlert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.RESOLVED, resolved_at=timezone.now())
        audit.record(actor=None, action="registration_alert.resolve", obj=alert)


def watch_after_commit(provider_id: int) -> None:
    """Queue the registration watch of a provider for when the current transaction commits."""
    def run() -> None:
        registration_watch(provider_id=provider_id)

    transaction.on_commit(run, robust=True)


def national_limit_warnings(placement: Placement) -> list[str]:
    """Warnings against the planned national limits, for placements at unregistered providers."""
    q = settings.QUALITY
    if not q["UNREGISTERED_LIMITS_WARN"] or placement.provider.is_school:
        return []
    return logic.national_limit_warnings(
        start=placement.start_date, end=placement.end_date or placement.planned_end_date,
        sessions_per_week=placement.sessions_per_week, max_weeks=q["UNREGISTERED_MAX_WEEKS"],
        max_sessions=q["UNREGISTERED_MAX_SESSIONS"])


# ---- 4. agreement, off-site direction notice, review on request ----------------------------


@transaction.atomic
def agreement_save(*, actor: Any, placement: Placement, intervention: str,
                   reintegration_plan: str, reporting_arrangements: str, learner_views: str,
                   parent_views: str, agreed_on: date, objectives: list[dict[str, Any]],
                   reintegration_by: date | None = None, maximum_weeks: int | None = None,
                   version: int | None = None) -> PlacementAgreement:
    """Record or change a placement's agreement: the intervention, objectives with measurable
    targets, the reintegration plan and timeline, the maximum period, reporting and the
    learner's and parent's views (DfE AP guidance 2013, updated 2025). A stale ``version`` is
    refused. Objectives already reviewed are kept; the list replaces the others."""
    _require_placement(placement, actor)
    if not objectives:
        raise ValidationError({"objectives": "Give at least one objective with a measurable "
                                             "target."})
    if placement.reason == Reason.OFF_SITE_DIRECTION and not maximum_weeks:
        raise ValidationError({"maximum_weeks": "An off-site direction needs its maximum "
                                                "period."})
    agreement = (PlacementAgreement.objects.select_for_update().filter(placement=placement)
                 .first())
    fields = {"intervention": intervention, "reintegration_plan": reintegration_plan,
              "reintegration_by": reintegration_by, "maximum_weeks": maximum_weeks,
              "reporting_arrangements": reporting_arrangements, "learner_views": learner_views,
              "parent_views": parent_views, "agreed_on": agreed_on}
    if agreement is None:
        agreement = PlacementAgreement(placement=placement, **fields)
        agreement.full_clean()
        agreement.save()
        action, changes = "agreement.create", audit.snapshot(agreement)
    else:
        if version is not None and version != agreement.version:
            raise ValidationError("Someone else changed this agreement since you opened it: "
                                  "reload to see their change.", code="stale")
        before = audit.snapshot(agreement)
        for name, value in fields.items():
            setattr(agreement, name, value)
        agreement.version += 1
        agreement.full_clean()
        agreement.save()
        action, changes = "agreement.update", audit.diff(before, audit.snapshot(agreement))
    _save_objectives(agreement, objectives)
    audit.record(actor=actor, action=action, obj=agreement, learner_id=placement.learner_id,
                 changes=changes)
    return agreement


def _save_objectives(agreement: PlacementAgreement, objectives: list[dict[str, Any]]) -> None:
    keep: list[int] = []
    for position, item in enumerate(objectives, start=1):
        pk = item.get("id")
        objective = agreement.objectives.filter(pk=pk).first() if pk else None
        objective = objective or AgreementObjective(agreement=agreement)
        objective.description = item.get("description", "").strip()
        objective.target = item.get("target", "").strip()
        objective.target_date = item.get("target_date")
        objective.position = position
        try:
            objective.full_clean()
        except ValidationError as exc:
            raise ValidationError({f"objective_{position}": [
                f"Objective {position}: {m}" for msgs in exc.message_dict.values()
                for m in msgs]}) from exc
        objective.save()
        keep.append(objective.pk)
    agreement.objectives.exclude(pk__in=keep).filter(progress__isnull=True).delete()


def commissioner_calendar(placement: Placement) -> Any:
    """The commissioner's calendar: the commissioning school's (or its LA's default), else the
    commissioning LA's default calendar; None when neither has term dates."""
    if placement.commissioning_establishment_id:
        return placement.commissioning_establishment.school_calendar()
    if placement.commissioning_la_id:
        return placement.commissioning_la.default_calendar()
    return None


@transaction.atomic
def off_site_notice_record(*, actor: Any, placement: Placement, parent_name: str,
                           given_on: date, number_of_days: int, reasons: str,
                           session_times: str, contact: str) -> OffSiteNotice:
    """Record the written notice of an off-site direction to the parent. It must be given at
    least 2 school days before the first day, counted on the directing school's calendar; the
    LA is notified (e-mail) when the learner has an EHC plan. EA 2002 s29A; Education
    (Educational Provision for Improving Behaviour) Regulations 2010 reg 3 [law]."""
    from aptrack.rules import clocks

    _require_placement(placement, actor)
    if placement.reason != Reason.OFF_SITE_DIRECTION:
        raise ValidationError("Only an off-site direction needs this notice.")
    calendar = commissioner_calendar(placement)
    if calendar is None or not calendar.terms.exists():
        raise ValidationError(f"{placement.commissioning_establishment} has no term dates: add "
                              "them so school days can be counted.")
    rules = calendar.rules
    try:
        notice_by = clocks.off_site_direction_notice_by(first_day=placement.start_date,
                                                        calendar=rules)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    if given_on > notice_by:
        earliest = rules.nth_school_day(given_on, 3)
        raise ValidationError({"given_on": [
            f"Notice given on {given_on:%A %-d %B %Y} is too late for a first day of "
            f"{placement.start_date:%A %-d %B %Y}: it must be given by {notice_by:%A %-d %B %Y} "
            f"(2 school days before, on {calendar}). With this notice the first day can be "
            f"{earliest:%A %-d %B %Y} at the earliest."]})
    ehc = placement.learner.sen_provision == "E"
    notice = OffSiteNotice(placement=placement, parent_name=parent_name, given_on=given_on,
                           first_day=placement.start_date, number_of_days=number_of_days,
                           reasons=reasons, session_times=session_times, contact=contact,
                           notice_by=notice_by, la_notified_on=given_on if ehc else None)
    notice.full_clean()
    notice.save()
    audit.record(actor=actor, action="off_site_notice.record", obj=notice,
                 learner_id=placement.learner_id,
                 changes={"given_on": given_on.isoformat(), "notice_by": notice_by.isoformat()})
    if ehc:
        la = placement.learner.home_la
        _mail_after_commit(
            "AP Track: off-site direction of a learner with an EHC plan",
            f"{placement.commissioning_establishment} has directed a learner with an EHC plan "
            f"to off-site provision from {placement.start_date:%-d %B %Y} (AP Track placement "
            f"{placement.pk}). The 2010 Regulations require the LA to be told.",
            la_recipients([la.pk]))
    return notice


@transaction.atomic
def review_request_record(*, actor: Any, placement: Placement, requested_on: date,
                          requested_by: str) -> ReviewRequest:
    """A parent (or the LA, for a learner with an EHC plan) asks for a review of an off-site
    direction: it must be held unless one was held in the 10 weeks before the request. 2010
    Regs reg 4A(4), inserted by SI 2012/2532 [law]."""
    from aptrack.rules import clocks

    _require_placement(placement, actor)
    if placement.reason != Reason.OFF_SITE_DIRECTION:
        raise ValidationError("Review on request applies to off-site directions.")
    last = (PlacementReview.objects.filter(placement=placement, held_on__lte=requested_on)
            .order_by("-held_on").values_list("held_on", flat=True).first())
    request = ReviewRequest(
        placement=placement, requested_on=requested_on, requested_by=requested_by,
        last_review_on=last,
        must_hold=clocks.off_site_direction_review_required(request_date=requested_on,
                                                            last_review=last))
    request.full_clean()
    request.save()
    audit.record(actor=actor, action="review_request.record", obj=request,
                 learner_id=placement.learner_id, changes={"must_hold": request.must_hold})
    return request


# ---- 5. reviews --------------------------------------------------------------------------


def half_terms(placement: Placement) -> list[tuple[date, date]]:
    """First and last days of the half terms on the commissioner's calendar."""
    calendar = commissioner_calendar(placement)
    return [] if calendar is None else [(t.start, t.end) for t in calendar.terms.all()]


def half_term_ends(placement: Placement) -> list[date]:
    """Last days of the half terms on the commissioner's calendar."""
    return [end for _, end in half_terms(placement)]


def next_review_due(placement: Placement, since: date, *, after_review: bool) -> date:
    """At least half-termly on the commissioner's calendar: from the start, by the end of that
    half term; after a review held on ``since``, by the end of the following one; six weeks
    when the calendar has no later term (DfE AP guidance; ``clocks.review_due``)."""
    from aptrack.rules import clocks

    terms = half_terms(placement)
    return (clocks.review_due(since=since, half_term_ends=[e for _, e in terms],
                              half_term_starts=[s for s, _ in terms], after_review=after_review)
            or clocks.next_review_due(since=since))


@transaction.atomic
def review_record(*, actor: Any, placement: Placement, held_on: date, attendees: str,
                  learner_view: str, decision: str, progress: dict[int, tuple[str, str]],
                  attendance_percent: Decimal | None = None, notes: str = "",
                  next_review_on: date | None = None) -> PlacementReview:
    """Record a placement review: who attended, progress against each objective, attendance
    since the last review, the learner's view, the decision and the next date (by default the
    end of the next half term on the commissioner's calendar). DfE AP guidance [guidance].

    Attendance since the last review is taken from the registers (the marks at the placement's
    setting from the day after the last review, or the start, to the review day) and kept with
    the review; ``attendance_percent`` is an optional figure reported at the meeting."""
    from . import selectors

    _require_placement(placement, actor)
    if placement.status not in (Status.ACTIVE, Status.ENDED):
        raise ValidationError("Only a placement that has started can be reviewed.")
    if held_on > date.today():
        raise ValidationError({"held_on": "Record a review once it has been held."})
    objectives = list(AgreementObjective.objects.filter(agreement__placement=placement))
    missing = [o for o in objectives if o.pk not in progress]
    if missing:
        raise ValidationError({"progress": [f"Record progress against “{o.description}”."
                                            for o in missing]})
    start, end = selectors.review_period(placement, held_on)
    registers = selectors.register_attendance(user=actor, placement=placement, start=start,
                                              end=end)
    review = PlacementReview(
        placement=placement, held_on=held_on, attendees=attendees,
        attendance_percent=attendance_percent, learner_view=learner_view, decision=decision,
        notes=notes, next_review_on=next_review_on or next_review_due(placement, held_on,
                                                                       after_review=True),
        register_from=registers.start, register_to=registers.end,
        register_possible=registers.possible, register_attended=registers.attended,
        recorded_by=actor if getattr(actor, "pk", None) else None)
    review.full_clean()
    review.save()
    for objective in objectives:
        level, note = progress[objective.pk]
        item = ObjectiveProgress(review=review, objective=objective, progress=level, note=note)
        item.full_clean()
        item.save()
    audit.record(actor=actor, action="review.record", obj=review,
                 learner_id=placement.learner_id,
                 changes={"held_on": held_on.isoformat(), "decision": decision,
                          "next_review_on": review.next_review_on.isoformat(),
                          "register_attended": registers.attended,
                          "register_possible": registers.possible})
    return review


# ---- 6. liaison --------------------------------------------------------------------------


@transaction.atomic
def liaison_record(*, actor: Any, placement: Placement, kind: str, occurred_on: date,
                   with_whom: str, summary: str, safeguarding: bool = False,
                   corrects: LiaisonEntry | None = None) -> LiaisonEntry:
    """Append a liaison entry (providers as well as commissioners and home schools record
    them). A correction is a new entry pointing to the one it corrects; a correction of a
    safeguarding entry stays a safeguarding entry."""
    _require_placement(placement, actor, scopes.VIEW)
    if corrects is not None:
        if actor is not None and not LiaisonEntry.objects.for_user(actor).filter(
                pk=corrects.pk).exists():
            raise LiaisonEntry.DoesNotExist(f"No liaison entry {corrects.pk} in your scope.")
        if corrects.placement_id != placement.pk:
            raise ValidationError({"corrects": "That entry belongs to another placement."})
        if LiaisonEntry.objects.filter(corrects=corrects).exists():
            raise ValidationError({"corrects": "That entry has already been corrected: correct "
                                               "the correction."})
        safeguarding = safeguarding or corrects.safeguarding
    if occurred_on > date.today():
        raise ValidationError({"occurred_on": "The date cannot be in the future."})
    org = getattr(actor, "organisation", None)
    entry = LiaisonEntry(placement=placement, kind=kind, occurred_on=occurred_on,
                         with_whom=with_whom, summary=summary, safeguarding=safeguarding,
                         corrects=corrects,
                         recorded_by=actor if getattr(actor, "pk", None) else None,
                         recorder_organisation=str(org) if org else "")
    entry.full_clean()
    entry.save()
    audit.record(actor=actor, action="liaison.record", obj=entry,
                 learner_id=placement.learner_id,
                 changes={"kind": kind, "safeguarding": safeguarding,
                          "corrects": corrects.pk if corrects else None})
    return entry


# ---- 7. outcomes -------------------------------------------------------------------------


@transaction.atomic
def outcome_record(*, actor: Any, placement: Placement, destination: str,
                   destination_establishment: Establishment | None = None,
                   destination_note: str = "", end_date: date | None = None,
                   end_reason: str = "") -> PlacementOutcome:
    """Record where the learner went after the placement; an active placement is ended with it
    (``placement_end``). Back in school, a follow-up falls due six months later (sustained
    reintegration; AP performance framework) [guidance]."""
    from aptrack.placements import services as placement_services

    from .choices import PLACEMENT_DESTINATION

    _require_placement(placement, actor)
    if destination not in OutcomeDestination.values:
        raise ValidationError({"destination": "Choose where the learner went next."})
    destination_note = destination_note.strip()
    if destination in NEEDS_DETAIL and not destination_note:
        raise ValidationError({"destination_note": "Say where the learner went: “Other” needs "
                                                   "the details."})
    if placement.status == Status.ACTIVE:
        if end_date is None or not end_reason:
            raise ValidationError({"end_date": "Give the end date and reason to end the "
                                               "placement."})
        placement = placement_services.placement_end(
            actor=actor, placement=placement, end_date=end_date, end_reason=end_reason,
            destination=PLACEMENT_DESTINATION[destination])
    elif placement.status != Status.ENDED:
        raise ValidationError("Only a placement that started has an outcome.")
    if PlacementOutcome.objects.filter(placement=placement).exists():
        raise ValidationError("This placement's outcome is already recorded.")
    due = (logic.add_months(placement.end_date, settings.QUALITY["FOLLOW_UP_MONTHS"])
           if destination in REINTEGRATION else None)
    outcome = PlacementOutcome(placement=placement, destination=destination,
                               destination_establishment=destination_establishment,
                               destination_note=destination_note, follow_up_due=due,
                               recorded_by=actor if getattr(actor, "pk", None) else None)
    outcome.full_clean()
    outcome.save()
    audit.record(actor=actor, action="outcome.record", obj=outcome,
                 learner_id=placement.learner_id,
                 changes={"destination": destination,
                          "follow_up_due": due.isoformat() if due else None})
    return outcome


@transaction.atomic
def follow_up_record(*, actor: Any, outcome: PlacementOutcome, followed_up_on: date,
                     result: str, note: str = "") -> PlacementOutcome:
    """Record the six-month follow-up: is the learner still at the school they went back to?"""
    _require_placement(outcome.placement, actor)
    locked = PlacementOutcome.objects.select_for_update().get(pk=outcome.pk)
    if locked.follow_up_due is None:
        raise ValidationError("Only a return to school is followed up.")
    if followed_up_on > date.today():
        raise ValidationError({"followed_up_on": "The date cannot be in the future."})
    audit.change(actor=actor, obj=locked, action="outcome.follow_up",
                 learner_id=locked.placement.learner_id, followed_up_on=followed_up_on,
                 follow_up_result=result, follow_up_note=note)
    return locked


# ---- reminders ---------------------------------------------------------------------------


def _commissioner_recipients(check: ProviderCheck) -> list[str]:
    users = User.objects.filter(is_active=True).exclude(email="")
    if check.commissioning_la_id:
        users = users.filter(role__in=scopes.LA_ROLES,
                             organisation__la_id=check.commissioning_la_id)
    else:
        users = users.filter(role__in=[*scopes.SCHOOL_ROLES,
                                       *settings.QUALITY["POST16_COMMISSIONER_ROLES"]],
                             organisation__establishment_id=check.commissioning_establishment_id)
    return list(users.values_list("email", flat=True))


@transaction.atomic
def check_reminders_send(*, on: date | None = None) -> int:
    """E-mail each commissioner about its current checks that expire within the reminder window
    or have expired, once per check and state; returns how many reminders were sent."""
    from .models import CheckReminder

    on = on or date.today()
    latest: dict[tuple[int, int | None, int | None, str], ProviderCheck] = {}
    for check in ProviderCheck.objects.exclude(expires_on=None).order_by(
            "-checked_on", "-pk").select_related("provider"):
        key = (check.provider_id, check.commissioning_la_id,
               check.commissioning_establishment_id, check.kind)
        latest.setdefault(key, check)
    sent = 0
    for check in latest.values():
        state = logic.check_state(outcome=check.outcome, expires_on=check.expires_on, on=on,
                                  reminder_days=settings.QUALITY["REMINDER_DAYS"])
        if state not in ("expiring", "expired") or check.reminders.filter(state=state).exists():
            continue
        CheckReminder.objects.create(check_record=check, state=state)
        verb = "expired on" if state == "expired" else "expires on"
        _mail_after_commit(
            f"AP Track: {check.get_kind_display()} of {check.provider} {verb} "
            f"{check.expires_on:%-d %B %Y}",
            f"Your check “{check.get_kind_display()}” of {check.provider} {verb} "
            f"{check.expires_on:%-d %B %Y}. Record a new check in AP Track; new placements "
            "need valid critical checks.", _commissioner_recipients(check))
        sent += 1
    return sent
