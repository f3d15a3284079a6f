"""Learners, their enrolments on school rolls, and their exclusions."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from aptrack.accounts.scopes import ScopedQuerySet
from aptrack.rules import uln as rules_uln
from aptrack.rules import upn as rules_upn

from .choices import (
    EXCLUSION_REASON_CHOICES,
    PRIMARY_NEED_CHOICES,
    SEN_PROVISION_CHOICES,
    EnrolmentStatus,
    ExclusionCategory,
    ExclusionStatus,
    LeavingReason,
    Sex,
)


def validate_upn(value: str) -> None:
    """Refuse an invalid UPN with the census error (e.g. 1510 for a wrong check letter)."""
    try:
        rules_upn.validate(value)
    except rules_upn.InvalidUPN as exc:
        raise ValidationError(str(exc), code=f"upn_{exc.code}") from exc


def validate_uln(value: str) -> None:
    """Refuse an invalid ULN (10 digits with a mod-11 check)."""
    try:
        rules_uln.validate(value)
    except rules_uln.InvalidULN as exc:
        raise ValidationError(str(exc), code="uln") from exc


class LearnerQuerySet(ScopedQuerySet):
    scope_name = "learner"


class Learner(models.Model):
    """A child or young person who is, or may be, placed in alternative provision.

    Identified by UPN (unique where known) and, from 14, ULN. Demo data is synthetic.
    """

    upn = models.CharField("UPN", max_length=13, null=True, blank=True,
                           validators=[validate_upn])
    former_upn = models.CharField("former UPN", max_length=13, blank=True,
                                  validators=[validate_upn])
    uln = models.CharField("ULN", max_length=10, blank=True, validators=[validate_uln])
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    sen_provision = models.CharField("SEN provision", max_length=1,
                                     choices=SEN_PROVISION_CHOICES, default="N")
    primary_need = models.CharField(max_length=4, choices=PRIMARY_NEED_CHOICES, blank=True)
    looked_after = models.BooleanField(default=False)
    home_la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT,
                                related_name="resident_learners",
                                help_text="The LA where the learner lives (the home LA duty).")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LearnerQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["upn"], condition=Q(upn__isnull=False),
                                    name="learner_unique_upn"),
            models.CheckConstraint(
                condition=Q(sen_provision="K") | ~Q(primary_need="NSA"),
                name="learner_nsa_only_with_sen_support",
            ),
        ]
        indexes = [models.Index(fields=["family_name", "given_name"]),
                   models.Index(fields=["home_la"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def clean(self) -> None:
        if self.upn:
            try:
                self.upn = rules_upn.validate(self.upn)
            except rules_upn.InvalidUPN as exc:
                raise ValidationError({"upn": str(exc)}) from exc
        if self.primary_need and self.sen_provision == "N":
            raise ValidationError({"primary_need":
                                   "A primary need is recorded only with SEN support or an EHC "
                                   "plan (SEN provision K or E)."})
        if self.primary_need == "NSA" and self.sen_provision != "K":
            raise ValidationError({"primary_need":
                                   "NSA (no specialist assessment) is used only with SEN "
                                   "support (K)."})
        if self.date_of_birth and self.date_of_birth > date.today():
            raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})

    def current_enrolments(self, on: date | None = None) -> models.QuerySet[Enrolment]:
        """Enrolments on a school roll on the given day (default today)."""
        on = on or date.today()
        return self.enrolments.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on))

    def home_enrolment(self, on: date | None = None) -> Enrolment | None:
        """The single or dual-main enrolment: the home school that keeps the duty of care."""
        return (self.current_enrolments(on)
                .filter(status__in=[EnrolmentStatus.SINGLE, EnrolmentStatus.MAIN])
                .select_related("establishment").first())


class EnrolmentQuerySet(ScopedQuerySet):
    scope_name = "enrolment"


class Enrolment(models.Model):
    """A learner's place on a school's admission register, from start to end (inclusive).

    Census enrolment status: C single, M dual main, S dual subsidiary. A learner has at most one
    current single or main enrolment.
    """

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="enrolments")
    establishment = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                      related_name="enrolments")
    status = models.CharField(max_length=1, choices=EnrolmentStatus.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    leaving_reason = models.CharField(max_length=24, choices=LeavingReason.choices, blank=True)
    placement = models.ForeignKey("placements.Placement", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="enrolments",
                                  help_text="The placement that created this registration.")

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["learner", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=Q(end_date__isnull=True) & Q(status__in=["C", "M"]),
                name="enrolment_one_current_main_per_learner",
            ),
            models.UniqueConstraint(
                fields=["learner", "establishment"], condition=Q(end_date__isnull=True),
                name="enrolment_one_current_per_establishment",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_not_before_start",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "end_date"])]

    def __str__(self) -> str:
        return f"{self.learner} at {self.establishment} ({self.get_status_display()})"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})
        if self.establishment_id and not self.establishment.is_school:
            raise ValidationError({"establishment":
                                   f"{self.establishment} is not a registered school, so it has "
                                   "no admission register to enrol on."})


class ExclusionQuerySet(ScopedQuerySet):
    scope_name = "exclusion"


class Exclusion(models.Model):
    """A suspension or permanent exclusion from a school, with up to three reason codes.

    Suspension provision is due from the 6th consecutive school day (2007 Regs, SI 2014/3216);
    permanent exclusion provision from the 6th school day (EA 1996 s19(3A)).
    """

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="exclusions")
    school = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                               related_name="exclusions")
    category = models.CharField(max_length=4, choices=ExclusionCategory.choices)
    first_day = models.DateField()
    school_days = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="Length of a suspension in school days (half days for lunchtime suspensions).",
    )
    reason_1 = models.CharField(max_length=2, choices=EXCLUSION_REASON_CHOICES)
    reason_2 = models.CharField(max_length=2, choices=EXCLUSION_REASON_CHOICES, blank=True)
    reason_3 = models.CharField(max_length=2, choices=EXCLUSION_REASON_CHOICES, blank=True)
    status = models.CharField(max_length=12, choices=ExclusionStatus.choices)
    final_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExclusionQuerySet.as_manager()

    class Meta:
        ordering = ["learner", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(category="PERM", school_days__isnull=True)
                           & Q(status__in=["pending", "final", "reinstated"]))
                | (~Q(category="PERM") & Q(school_days__gt=0) & Q(status="in_effect")),
                name="exclusion_length_and_status_fit_category",
            ),
            models.CheckConstraint(condition=Q(status="final") | Q(final_on__isnull=True),
                                   name="exclusion_final_on_only_when_final"),
        ]
        indexes = [models.Index(fields=["school", "first_day"])]

    def __str__(self) -> str:
        return f"{self.get_category_display()} of {self.learner} from {self.first_day:%d %b %Y}"

    @property
    def reasons(self) -> list[str]:
        return [r for r in (self.reason_1, self.reason_2, self.reason_3) if r]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.category == ExclusionCategory.PERMANENT and self.school_days is not None:
            errors["school_days"] = "A permanent exclusion has no length in school days."
        if self.category != ExclusionCategory.PERMANENT and not self.school_days:
            errors["school_days"] = "Give the length of the suspension in school days."
        reasons = self.reasons
        if len(set(reasons)) != len(reasons):
            errors["reason_2"] = "Each reason may be given once."
        if (self.reason_3 and not self.reason_2):
            errors["reason_2"] = "Give reasons in order: reason 2 before reason 3."
        if errors:
            raise ValidationError(errors)
