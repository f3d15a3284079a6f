"""Sufficiency planning data: uploads, demand history before AP Track, population projections,
the capacity register and planned changes of places. Aggregate counts only: no learner here."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .choices import NEED_CHOICES, ChangeKind, Phase, Provision, UploadKind

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2060)]


class DataUpload(models.Model):
    """One file of sufficiency data an LA uploaded, accepted whole or not at all; it replaces
    that LA's earlier data of the same kind (the file is the register)."""

    la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT,
                           related_name="sufficiency_uploads")
    kind = models.CharField(max_length=12, choices=UploadKind.choices)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    source = models.CharField(max_length=300, help_text="Where the figures come from.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class Series(models.Model):
    """Fields shared by every row keyed by provision type, phase and need."""

    la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT,
                           related_name="+")
    upload = models.ForeignKey(DataUpload, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    school_year = models.PositiveSmallIntegerField(
        validators=YEAR_VALIDATORS, help_text="The year the school year starts: 2025 is 2025/26.")
    provision = models.CharField(max_length=12, choices=Provision.choices)
    phase = models.CharField(max_length=10, choices=Phase.choices)

    class Meta:
        abstract = True


class DemandCount(Series):
    """How many learners a provision type x phase x need series held in a school year, for
    years before AP Track held the records (uploaded)."""

    need = models.CharField(max_length=4, choices=NEED_CHOICES)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["school_year", "provision", "phase", "need"]
        constraints = [models.UniqueConstraint(
            fields=["la", "school_year", "provision", "phase", "need"],
            name="sufficiency_demand_once_per_series_year")]

    def __str__(self) -> str:
        return f"{self.school_year} {self.provision}/{self.phase}/{self.need}: {self.count}"


class PopulationProjection(models.Model):
    """Resident children of a phase's ages in a school year (e.g. ONS sub-national population
    projections), for the prevalence method."""

    la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT,
                           related_name="+")
    upload = models.ForeignKey(DataUpload, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    school_year = models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS)
    phase = models.CharField(max_length=10, choices=Phase.choices)
    population = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["school_year", "phase"]
        constraints = [models.UniqueConstraint(fields=["la", "school_year", "phase"],
                                               name="sufficiency_population_once_per_year")]

    def __str__(self) -> str:
        return f"{self.school_year} {self.phase}: {self.population}"


class Placed(Series):
    """Fields of rows about places at a setting: an establishment in the directory, or a named
    group of places (e.g. "spot-purchased independent places")."""

    establishment = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    setting_name = models.CharField(max_length=200, blank=True)
    need = models.CharField(max_length=4, choices=NEED_CHOICES, blank=True,
                            help_text="The need the places are designated for; blank for any.")

    class Meta:
        abstract = True

    @property
    def holder(self) -> str:
        return f"e{self.establishment_id}" if self.establishment_id else f"n:{self.setting_name}"

    @property
    def where(self) -> str:
        return str(self.establishment) if self.establishment_id else self.setting_name

    def clean(self) -> None:
        if not self.establishment_id and not self.setting_name:
            raise ValidationError({"setting_name": "Name the setting: give its URN or a name."})


class CapacityEntry(Placed):
    """Places at a setting for a provision type x phase (x need focus) in a school year."""

    places = models.PositiveIntegerField()

    class Meta:
        ordering = ["school_year", "provision", "phase", "need", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(establishment__isnull=False) | ~Q(setting_name=""),
            name="sufficiency_capacity_names_its_setting")]
        verbose_name_plural = "capacity entries"

    def __str__(self) -> str:
        return f"{self.where}: {self.places} {self.provision}/{self.phase} ({self.school_year})"


class PlannedChange(Placed):
    """A planned change of places from a school year on (new places, expansion, reduction or
    closure), with its source (e.g. the capital programme decision)."""

    change = models.IntegerField(help_text="Places added (positive) or removed (negative).")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["school_year", "provision", "phase", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="sufficiency_change_not_zero"),
            models.CheckConstraint(
                condition=Q(establishment__isnull=False) | ~Q(setting_name=""),
                name="sufficiency_change_names_its_setting"),
        ]

    def __str__(self) -> str:
        return (f"{self.where}: {self.change:+d} {self.provision}/{self.phase} "
                f"from {self.school_year}")

    def clean(self) -> None:
        super().clean()
        if self.change and self.kind in (ChangeKind.NEW_PLACES, ChangeKind.EXPANSION) and (
                self.change < 0):
            raise ValidationError({"change": "New places and expansions add places: give a "
                                             "positive number."})
        if self.change and self.kind in (ChangeKind.REDUCTION, ChangeKind.CLOSURE) and (
                self.change > 0):
            raise ValidationError({"change": "Reductions and closures remove places: give a "
                                             "negative number."})
