"""Placements of learners in alternative provision, with what the rules decided about each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from aptrack.accounts.scopes import ScopedQuerySet

from .choices import (
    SESSION_SLOTS,
    CommissionerKind,
    Destination,
    EndReason,
    Reason,
    RegistrationAtProvider,
    Status,
    Tier,
)

validate_pattern = RegexValidator(
    r"^[01]{10}$",
    "The weekly pattern is 10 sessions, Monday AM to Friday PM, each 1 (at the provider) or 0.",
)


class PlacementQuerySet(ScopedQuerySet):
    scope_name = "placement"

    def current(self, on: date | None = None) -> PlacementQuerySet:
        on = on or date.today()
        return self.filter(status=Status.ACTIVE, start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on))


class Placement(models.Model):
    """A learner's placement with an AP provider, from referral to its end and destination.

    The responsible body, roll, registration at the provider, the home school's code and the date
    full-time provision is due are decided by ``aptrack.rules`` when the placement is commissioned
    (EA 1996 s19; EIA 2006 s100; EA 2002 s29A) and stored, so reports show what was decided.
    """

    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT,
                                related_name="placements")
    provider = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                 related_name="placements_provided")
    site = models.ForeignKey("directory.Site", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="placements")
    commissioner_kind = models.CharField(max_length=20, choices=CommissionerKind.choices)
    commissioning_la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="placements")
    commissioning_establishment = models.ForeignKey(
        "directory.Establishment", on_delete=models.PROTECT, null=True, blank=True,
        related_name="placements_commissioned")
    home_school = models.ForeignKey(
        "directory.Establishment", on_delete=models.PROTECT, null=True, blank=True,
        related_name="placements_of_pupils",
        help_text="The school whose roll the learner was on when the placement was commissioned.")
    exclusion = models.ForeignKey("learners.Exclusion", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="placements")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REFERRED)
    start_date = models.DateField()
    planned_end_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    hours_per_week = models.DecimalField(
        max_digits=4, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))])
    sessions_pattern = models.CharField(
        max_length=10, default="1111111111", validators=[validate_pattern],
        help_text="Monday AM to Friday PM: 1 where the learner is expected at the provider.")
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    destination = models.CharField(max_length=24, choices=Destination.choices, blank=True)

    # Decided by aptrack.rules when commissioned (never typed in).
    responsible = models.CharField(max_length=20, choices=CommissionerKind.choices, editable=False)
    remains_on_roll = models.BooleanField(editable=False)
    registration_at_provider = models.CharField(max_length=6,
                                                choices=RegistrationAtProvider.choices,
                                                editable=False)
    home_school_code = models.CharField(max_length=1, blank=True, editable=False)
    provision_due_by = models.DateField(null=True, blank=True, editable=False)
    legal_basis = models.CharField(max_length=200, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_end_not_before_start"),
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True)
                | Q(planned_end_date__gte=models.F("start_date")),
                name="placement_planned_end_not_before_start"),
            models.CheckConstraint(condition=Q(tier__in=[1, 2, 3]), name="placement_tier_1_to_3"),
            models.CheckConstraint(
                condition=(Q(commissioner_kind="local_authority", commissioning_la__isnull=False)
                           | (~Q(commissioner_kind="local_authority")
                              & Q(commissioning_establishment__isnull=False))),
                name="placement_commissioner_named"),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(end_date__isnull=False),
                name="placement_ended_has_end_date"),
        ]
        indexes = [models.Index(fields=["provider", "status"]),
                   models.Index(fields=["commissioning_la", "status"]),
                   models.Index(fields=["learner", "start_date"])]

    def __str__(self) -> str:
        return f"{self.learner} at {self.provider} from {self.start_date:%d %b %Y}"

    @property
    def expected_sessions(self) -> list[str]:
        """The weekly slots (e.g. "mon_am") when the learner is expected at the provider."""
        return [slot for slot, on in zip(SESSION_SLOTS, self.sessions_pattern, strict=True)
                if on == "1"]

    @property
    def sessions_per_week(self) -> int:
        return self.sessions_pattern.count("1")

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        if self.planned_end_date and self.start_date and self.planned_end_date < self.start_date:
            errors["planned_end_date"] = "The planned end date cannot be before the start date."
        if self.status == Status.ENDED and not self.end_date:
            errors["end_date"] = "An ended placement needs its end date."
        if self.site_id and self.provider_id and self.site.establishment_id != self.provider_id:
            errors["site"] = "The site must be one of the provider's own sites."
        if self.sessions_pattern and "1" not in self.sessions_pattern:
            errors["sessions_pattern"] = "Choose at least one session at the provider."
        if errors:
            raise ValidationError(errors)
