"""Writes about placements: commission, agree, start, end. One transaction each, audited.

What the law decides (responsible body, roll, registration, the home school's code, the day
full-time provision is due) comes from ``aptrack.rules`` and is stored on the placement.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aptrack.accounts import audit, scopes
from aptrack.directory.choices import EstablishmentKind
from aptrack.directory.models import Establishment, LocalAuthority, Site
from aptrack.learners import selectors as learner_selectors
from aptrack.learners import services as learner_services
from aptrack.learners.choices import EnrolmentStatus, ExclusionCategory, LeavingReason
from aptrack.learners.models import Exclusion, Learner
from aptrack.rules import arrangements, clocks

from .choices import CommissionerKind, Reason, RegistrationAtProvider, Status
from .models import Placement

EXCLUSION_CATEGORY_FOR_REASON = {
    Reason.PERMANENT_EXCLUSION: {ExclusionCategory.PERMANENT},
    Reason.SUSPENSION: {ExclusionCategory.SUSPENSION, ExclusionCategory.LUNCHTIME},
}


def decide(*, learner: Learner, provider: Establishment, commissioner_kind: str, reason: str,
           exclusion: Exclusion | None, on: date) -> dict[str, Any]:
    """What the rules decide for a proposed placement, without saving anything.

    Used by the commission service and by the check-answers page, so both show the same thing.
    """
    if provider.kind == EstablishmentKind.OTHER:
        raise ValidationError({"provider": f"{provider} has no provider kind the rules know: "
                                           "set its kind in the directory first."})
    home = learner.home_enrolment(on)
    arrangement = arrangements.arrange(
        reason=reason, provider_kind=provider.kind, commissioner_kind=commissioner_kind,
        excluding_school_is_pru=bool(exclusion and exclusion.school.kind == EstablishmentKind.PRU),
        has_school_place=home is not None,
    )
    return {
        "responsible": arrangement.responsible,
        "remains_on_roll": arrangement.remains_on_roll,
        "registration_at_provider": arrangement.registration_at_provider,
        "home_school_code": arrangement.home_school_code or "",
        "legal_basis": arrangement.legal_basis,
        "provision_due_by": provision_due_by(reason=reason, exclusion=exclusion),
        "home_school": home.establishment if home else None,
    }


def provision_due_by(*, reason: str, exclusion: Exclusion | None) -> date | None:
    """The school day from which full-time provision is due, on the excluding school's calendar:
    the 6th school day of a permanent exclusion (EA 1996 s19(3A)), or of a suspension longer than
    5 school days, back-to-back suspensions joined (2007 Regs reg 4 as amended)."""
    if reason not in EXCLUSION_CATEGORY_FOR_REASON:
        return None
    if exclusion is None:
        raise ValidationError({"exclusion": "Link the exclusion this placement is for: the day "
                                            "provision is due is counted from it."})
    if exclusion.category not in EXCLUSION_CATEGORY_FOR_REASON[Reason(reason)]:
        raise ValidationError({"exclusion": f"A {exclusion.get_category_display().lower()} "
                                            f"does not fit the reason {reason}."})
    calendar = learner_selectors.school_calendar_of(exclusion)
    if reason == Reason.PERMANENT_EXCLUSION:
        return clocks.provision_due(reason=reason, first_day=exclusion.first_day,
                                    calendar=calendar)
    first_day, days = learner_selectors.suspension_period(exclusion)
    return clocks.provision_due(reason=reason, first_day=first_day, calendar=calendar,
                                school_days_excluded=days)


@transaction.atomic
def placement_commission(
    *, actor: Any, learner: Learner, provider: Establishment, commissioner_kind: str,
    reason: str, tier: int, start_date: date, hours_per_week: Decimal | float | str,
    sessions_pattern: str = "1111111111", commissioning_la: LocalAuthority | None = None,
    commissioning_establishment: Establishment | None = None, site: Site | None = None,
    exclusion: Exclusion | None = None, planned_end_date: date | None = None,
    status: str = Status.REFERRED, override_reason: str = "",
) -> Placement:
    """Commission (refer or agree) a placement; the rules decide and the decision is stored.

    Suspension provision may not be at the excluding school (2007 Regs reg 3, as amended).
    The commissioner's own critical checks of the provider must be in order, unless an LA
    officer overrides with ``override_reason`` (KCSIE; ``aptrack.quality.gate``).
    """
    from aptrack.quality import gate

    if status not in (Status.REFERRED, Status.AGREED):
        raise ValidationError({"status": "A new placement is referred or agreed; start it with "
                                         "placement_start."})
    scopes.require(Learner, learner.pk, actor)
    _check_commissioner(commissioner_kind, commissioning_la, commissioning_establishment)
    if exclusion is not None and exclusion.learner_id != learner.pk:
        raise ValidationError({"exclusion": "That exclusion belongs to another learner."})
    if reason == Reason.SUSPENSION and exclusion is not None and exclusion.school_id == provider.pk:
        raise ValidationError({"provider": "Provision during a suspension may not be at the "
                                           "excluding school."})
    decided = decide(learner=learner, provider=provider, commissioner_kind=commissioner_kind,
                     reason=reason, exclusion=exclusion, on=start_date)
    overridden = gate.check_commissioning(
        actor=actor, provider=provider,
        commissioning_la=commissioning_la if commissioner_kind == "local_authority" else None,
        commissioning_establishment=(commissioning_establishment
                                     if commissioner_kind != "local_authority" else None),
        override_reason=override_reason)
    placement = Placement(
        learner=learner, provider=provider, site=site, commissioner_kind=commissioner_kind,
        commissioning_la=commissioning_la, commissioning_establishment=commissioning_establishment,
        exclusion=exclusion, reason=reason, tier=tier, status=status, start_date=start_date,
        planned_end_date=planned_end_date, hours_per_week=Decimal(str(hours_per_week)),
        sessions_pattern=sessions_pattern, **decided,
    )
    placement.full_clean()
    _save(placement)
    audit.record(actor=actor, action="placement.commission", obj=placement,
                 learner_id=learner.pk, changes=audit.snapshot(placement))
    if overridden:
        gate.record_override(actor=actor, placement=placement, reason=override_reason,
                             found=overridden)
    return placement


def _check_commissioner(kind: str, la: LocalAuthority | None,
                        establishment: Establishment | None) -> None:
    if kind not in CommissionerKind.values:
        raise ValidationError({"commissioner_kind": f"Unknown commissioner {kind!r}: choose one "
                                                    f"of {', '.join(CommissionerKind.values)}."})
    if kind == CommissionerKind.LOCAL_AUTHORITY and la is None:
        raise ValidationError({"commissioning_la": "Name the commissioning local authority."})
    if kind != CommissionerKind.LOCAL_AUTHORITY and establishment is None:
        raise ValidationError({"commissioning_establishment":
                               "Name the commissioning school or post-16 provider."})
    if kind == CommissionerKind.SCHOOL and establishment and not establishment.is_school:
        raise ValidationError({"commissioning_establishment": f"{establishment} is not a school."})


def _save(placement: Placement) -> None:
    """Save, turning the database's overlap guard into a clear error."""
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError as exc:
        if "placement_no_overlap" in str(exc):
            raise ValidationError({"start_date": f"{placement.learner} already has a placement "
                                                 f"with {placement.provider} over these dates."}
                                  ) from exc
        raise


@transaction.atomic
def placement_agree(*, actor: Any, placement: Placement) -> Placement:
    """The provider and commissioner agree a referred placement."""
    return _transition(actor, placement, {Status.REFERRED}, Status.AGREED, "placement.agree")


@transaction.atomic
def placement_cancel(*, actor: Any, placement: Placement) -> Placement:
    """Withdraw a placement that has not started."""
    return _transition(actor, placement, {Status.REFERRED, Status.AGREED}, Status.CANCELLED,
                       "placement.cancel")


def _transition(actor: Any, placement: Placement, allowed: set[str], to: str,
                action: str) -> Placement:
    scopes.require(Placement, placement.pk, actor)
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if locked.status not in allowed:
        raise ValidationError({"status": f"This placement is {locked.get_status_display()}: "
                                         f"it cannot become {Status(to).label.lower()}."})
    before = audit.snapshot(locked)
    locked.status = to
    locked.version += 1
    locked.full_clean()
    _save(locked)
    audit.record(actor=actor, action=action, obj=locked, learner_id=locked.learner_id,
                 changes=audit.diff(before, audit.snapshot(locked)))
    return locked


@transaction.atomic
def placement_start(*, actor: Any, placement: Placement, on: date | None = None) -> Placement:
    """The learner starts at the provider. At a school provider the registration the rules
    decided is made: dual (provider subsidiary, home school main), or single at the provider
    (while a permanent exclusion is pending the learner stays on the excluding school's roll, so
    the provider registers as subsidiary until it is final)."""
    on = on or placement.start_date
    locked = _transition(actor, placement, {Status.REFERRED, Status.AGREED}, Status.ACTIVE,
                         "placement.start")
    if on != locked.start_date:
        locked.start_date = on
        locked.full_clean()
        _save(locked)
    learner = locked.learner
    home = learner.home_enrolment(on)
    if locked.registration_at_provider == RegistrationAtProvider.DUAL or (
            locked.registration_at_provider == RegistrationAtProvider.SINGLE and home is not None):
        if home is not None and home.status == EnrolmentStatus.SINGLE:
            learner_services.enrolment_set_status(actor=actor, enrolment=home,
                                                  status=EnrolmentStatus.MAIN)
        learner_services.enrolment_start(actor=actor, learner=learner,
                                         establishment=locked.provider, start_date=on,
                                         status=EnrolmentStatus.SUBSIDIARY, placement=locked)
    elif locked.registration_at_provider == RegistrationAtProvider.SINGLE:
        learner_services.enrolment_start(actor=actor, learner=learner,
                                         establishment=locked.provider, start_date=on,
                                         status=EnrolmentStatus.SINGLE, placement=locked)
    return locked


@transaction.atomic
def placement_end(*, actor: Any, placement: Placement, end_date: date, end_reason: str,
                  destination: str) -> Placement:
    """End an active placement with its reason and the learner's destination; registrations the
    placement made end too, and a dual-main home school goes back to single registration."""
    scopes.require(Placement, placement.pk, actor)
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    if locked.status != Status.ACTIVE:
        raise ValidationError({"status": f"This placement is {locked.get_status_display()}, "
                                         "not active."})
    before = audit.snapshot(locked)
    locked.status, locked.end_date = Status.ENDED, end_date
    locked.end_reason, locked.destination = end_reason, destination
    locked.version += 1
    locked.full_clean()
    _save(locked)
    audit.record(actor=actor, action="placement.end", obj=locked, learner_id=locked.learner_id,
                 changes=audit.diff(before, audit.snapshot(locked)))
    for enrolment in locked.enrolments.filter(end_date__isnull=True):
        learner_services.enrolment_end(actor=actor, enrolment=enrolment, end_date=end_date,
                                       leaving_reason=LeavingReason.PLACEMENT_ENDED)
    learner = locked.learner
    if not learner.enrolments.filter(status=EnrolmentStatus.SUBSIDIARY,
                                     end_date__isnull=True).exists():
        for main in learner.enrolments.filter(status=EnrolmentStatus.MAIN, end_date__isnull=True):
            learner_services.enrolment_set_status(actor=actor, enrolment=main,
                                                  status=EnrolmentStatus.SINGLE)
    return locked


PLACEMENT_EDITABLE = ("tier", "planned_end_date", "hours_per_week", "sessions_pattern", "site")


@transaction.atomic
def placement_update(*, actor: Any, placement: Placement, version: int | None = None,
                     **fields: Any) -> Placement:
    """Change a placement's tier, planned end date, hours, weekly pattern or site. A stale
    ``version`` (someone saved since it was read: the API's If-Match, a web form's hidden
    version) is refused with a ValidationError of code ``stale``. What the rules decided is not
    editable: it follows from the reason, provider and commissioner, which are fixed once
    commissioned."""
    unknown = set(fields) - set(PLACEMENT_EDITABLE)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    locked = scopes.lock_for_change(
        Placement, placement.pk, actor, version=version,
        stale="Someone else changed this placement since you read it: read it again, then make "
              "your change.")
    if not fields:
        return locked
    if "hours_per_week" in fields:
        fields["hours_per_week"] = Decimal(str(fields["hours_per_week"]))
    before = audit.snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.version += 1
    _save(locked)
    audit.record(actor=actor, action="placement.update", obj=locked,
                 learner_id=locked.learner_id, changes=audit.diff(before, audit.snapshot(locked)))
    return locked
