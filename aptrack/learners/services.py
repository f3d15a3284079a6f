"""Writes about learners, their enrolments and exclusions: one transaction each, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from aptrack.accounts import audit, scopes
from aptrack.directory.models import Establishment, LocalAuthority

from .choices import EnrolmentStatus, ExclusionCategory, ExclusionStatus, LeavingReason
from .models import Enrolment, Exclusion, Learner

LEARNER_FIELDS = ("upn", "former_upn", "uln", "given_name", "family_name", "date_of_birth",
                  "sex", "sen_provision", "primary_need", "looked_after", "home_la")


@transaction.atomic
def learner_create(*, actor: Any, given_name: str, family_name: str, date_of_birth: date,
                   sex: str, home_la: LocalAuthority, upn: str | None = None,
                   former_upn: str = "", uln: str = "", sen_provision: str = "N",
                   primary_need: str = "", looked_after: bool = False) -> Learner:
    """Add a learner. The UPN is validated with its census error (DfE UPN guidance, 1510-1550)
    and must be unique (census error 1520)."""
    learner = Learner(upn=upn or None, former_upn=former_upn, uln=uln, given_name=given_name,
                      family_name=family_name, date_of_birth=date_of_birth, sex=sex,
                      sen_provision=sen_provision, primary_need=primary_need,
                      looked_after=looked_after, home_la=home_la)
    _check_unique_upn(learner)
    learner.full_clean()
    learner.save()
    audit.record(actor=actor, action="learner.create", obj=learner, learner_id=learner.pk,
                 changes=audit.snapshot(learner, list(LEARNER_FIELDS)))
    return learner


@transaction.atomic
def learner_update(*, actor: Any, learner: Learner, version: int | None = None,
                   **fields: Any) -> Learner:
    """Change a learner's details. A stale ``version`` (someone saved first) is refused."""
    unknown = set(fields) - set(LEARNER_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    locked = scopes.lock_for_change(
        Learner, learner.pk, actor, version=version,
        stale="Someone else changed this learner since you opened it: reload to see their "
              "change, then make yours again.")
    before = audit.snapshot(locked, list(LEARNER_FIELDS))
    for name, value in fields.items():
        setattr(locked, name, value)
    if "upn" in fields:
        locked.upn = locked.upn or None
        _check_unique_upn(locked)
    locked.full_clean()
    locked.version += 1
    locked.save()
    audit.record(actor=actor, action="learner.update", obj=locked, learner_id=locked.pk,
                 changes=audit.diff(before, audit.snapshot(locked, list(LEARNER_FIELDS))))
    return locked


def _check_unique_upn(learner: Learner) -> None:
    if learner.upn and Learner.objects.filter(upn=learner.upn.strip().upper()).exclude(
            pk=learner.pk).exists():
        raise ValidationError({"upn": "Another learner already has this UPN "
                                      "(census error 1520)."})


@transaction.atomic
def enrolment_start(*, actor: Any, learner: Learner, establishment: Establishment,
                    start_date: date, status: str = EnrolmentStatus.SINGLE,
                    placement: Any = None) -> Enrolment:
    """Put a learner on a school's admission register (single, dual main or dual subsidiary).

    A learner has one current single or main registration at a time (Pupil Registration Regs).
    """
    if status in (EnrolmentStatus.SINGLE, EnrolmentStatus.MAIN) and learner.enrolments.filter(
            end_date__isnull=True, status__in=["C", "M"]).exists():
        raise ValidationError({"status": f"{learner} already has a current main registration: "
                                         "end it first, or register this school as subsidiary."})
    if learner.enrolments.filter(establishment=establishment, end_date__isnull=True).exists():
        raise ValidationError({"establishment": f"{learner} is already on the roll of "
                                                f"{establishment}."})
    enrolment = Enrolment(learner=learner, establishment=establishment, status=status,
                          start_date=start_date, placement=placement)
    enrolment.full_clean()
    enrolment.save()
    audit.record(actor=actor, action="enrolment.start", obj=enrolment, learner_id=learner.pk,
                 changes=audit.snapshot(enrolment))
    return enrolment


@transaction.atomic
def enrolment_end(*, actor: Any, enrolment: Enrolment, end_date: date,
                  leaving_reason: str) -> Enrolment:
    """Take a learner off a school's roll from ``end_date`` (the last day on roll)."""
    audit.change(actor=actor, obj=enrolment, action="enrolment.end",
                 learner_id=enrolment.learner_id, end_date=end_date,
                 leaving_reason=leaving_reason)
    return enrolment


@transaction.atomic
def enrolment_set_status(*, actor: Any, enrolment: Enrolment, status: str) -> Enrolment:
    """Switch a registration between single and dual main/subsidiary."""
    audit.change(actor=actor, obj=enrolment, action="enrolment.status",
                 learner_id=enrolment.learner_id, status=status)
    return enrolment


@transaction.atomic
def exclusion_record(*, actor: Any, learner: Learner, school: Establishment, category: str,
                     first_day: date, reason_1: str, reason_2: str = "", reason_3: str = "",
                     school_days: Any = None) -> Exclusion:
    """Record a suspension or permanent exclusion (census categories FIXD, LNCH, PERM).

    A permanent exclusion starts pending the governing board (EA 2002 s51A; 2012 Regs);
    suspensions take effect at once.
    """
    scopes.require(Learner, learner.pk, actor)
    if not learner.enrolments.filter(establishment=school).exists():
        raise ValidationError({"school": f"{learner} has never been on the roll of {school}."})
    status = (ExclusionStatus.PENDING if category == ExclusionCategory.PERMANENT
              else ExclusionStatus.IN_EFFECT)
    exclusion = Exclusion(learner=learner, school=school, category=category, first_day=first_day,
                          school_days=school_days, reason_1=reason_1, reason_2=reason_2,
                          reason_3=reason_3, status=status)
    exclusion.full_clean()
    exclusion.save()
    audit.record(actor=actor, action="exclusion.record", obj=exclusion, learner_id=learner.pk,
                 changes=audit.snapshot(exclusion))
    return exclusion


@transaction.atomic
def exclusion_make_final(*, actor: Any, exclusion: Exclusion, final_on: date) -> Exclusion:
    """A permanent exclusion becomes final (upheld, or the review window passed): the learner
    leaves the excluding school's roll, and a PRU registration made for it becomes single.

    [open] The exact day the learner is removed from roll is a setting of the caller
    (``final_on``); DOMAIN.md section 1.
    """
    if exclusion.category != ExclusionCategory.PERMANENT:
        raise ValidationError({"category": "Only a permanent exclusion becomes final."})
    if exclusion.status != ExclusionStatus.PENDING:
        raise ValidationError({"status": f"This exclusion is {exclusion.get_status_display()}, "
                                         "not pending."})
    if final_on < exclusion.first_day:
        raise ValidationError({"final_on": "An exclusion cannot become final before its "
                                           "first day."})
    audit.change(actor=actor, obj=exclusion, action="exclusion.final",
                 learner_id=exclusion.learner_id, status=ExclusionStatus.FINAL,
                 final_on=final_on)
    for enrolment in exclusion.learner.enrolments.filter(establishment=exclusion.school,
                                                          end_date__isnull=True):
        enrolment_end(actor=actor, enrolment=enrolment, end_date=final_on,
                      leaving_reason=LeavingReason.PERMANENT_EXCLUSION)
    for subsidiary in exclusion.learner.enrolments.filter(
            status=EnrolmentStatus.SUBSIDIARY, end_date__isnull=True,
            placement__exclusion=exclusion):
        enrolment_set_status(actor=actor, enrolment=subsidiary, status=EnrolmentStatus.SINGLE)
    return exclusion


@transaction.atomic
def exclusion_reinstate(*, actor: Any, exclusion: Exclusion) -> Exclusion:
    """The governing board overturns a permanent exclusion: the learner stays on roll."""
    if exclusion.category != ExclusionCategory.PERMANENT or (
            exclusion.status != ExclusionStatus.PENDING):
        raise ValidationError({"status": "Only a pending permanent exclusion can be overturned."})
    audit.change(actor=actor, obj=exclusion, action="exclusion.reinstate",
                 learner_id=exclusion.learner_id, status=ExclusionStatus.REINSTATED)
    return exclusion
