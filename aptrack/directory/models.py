"""The directory: local authorities, establishments of every kind, their sites and calendars."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from aptrack.rules import calendar as rules_calendar

from .choices import (
    SCHOOL_KINDS,
    EstablishmentKind,
    EstablishmentStatus,
    Phase,
    ProvisionTerm,
    RegistrationStatus,
)
from .validators import validate_estab_number, validate_la_code, validate_ukprn, validate_urn


class LocalAuthority(models.Model):
    """A local authority in England, known by its 3-digit LA code (e.g. 332 Dudley)."""

    code = models.CharField(max_length=3, unique=True, validators=[validate_la_code])
    name = models.CharField(max_length=120)

    class Meta:
        verbose_name_plural = "local authorities"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def default_calendar(self) -> SchoolCalendar | None:
        """The LA's own term dates, used by its schools that keep none of their own."""
        return self.calendars.filter(establishment__isnull=True).order_by("pk").first()


class EstablishmentQuerySet(models.QuerySet["Establishment"]):
    def open(self) -> EstablishmentQuerySet:
        return self.exclude(status=EstablishmentStatus.CLOSED)

    def schools(self) -> EstablishmentQuerySet:
        return self.filter(kind__in=SCHOOL_KINDS)

    def for_user(self, user: object, action: str = "view") -> EstablishmentQuerySet:
        """The directory is shared: every signed-in member of an organisation may read it."""
        if getattr(user, "is_authenticated", False) and (
            getattr(user, "is_superuser", False) or getattr(user, "organisation_id", None)
        ):
            return self.all()
        return self.none()


class Establishment(models.Model):
    """A school, PRU, AP academy, AP provider or post-16 provider: any setting a learner attends.

    Registered schools carry a URN and LAESTAB (GIAS); unregistered AP may have neither and is
    known by name and, where it has one, its UKPRN.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=EstablishmentKind.choices)
    la = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="establishments")
    urn = models.CharField("URN", max_length=6, blank=True, null=True, unique=True,
                           validators=[validate_urn])
    ukprn = models.CharField("UKPRN", max_length=8, blank=True, null=True,
                             validators=[validate_ukprn])
    estab_number = models.CharField("establishment number", max_length=4, blank=True,
                                    validators=[validate_estab_number])
    gias_type_code = models.PositiveSmallIntegerField("GIAS type code", null=True, blank=True)
    status = models.CharField(max_length=20, choices=EstablishmentStatus.choices,
                              default=EstablishmentStatus.OPEN)
    registration_status = models.CharField(max_length=20, choices=RegistrationStatus.choices)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.NOT_APPLICABLE)
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    places = models.PositiveIntegerField("places (capacity)", null=True, blank=True)
    typical_class_size = models.PositiveSmallIntegerField(null=True, blank=True)
    pupils_per_staff = models.DecimalField(
        "pupils per member of staff", max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="The staff-to-pupil ratio 1:N, as N.",
    )
    provision_term = models.CharField(max_length=12, choices=ProvisionTerm.choices, blank=True)
    calendar = models.ForeignKey("SchoolCalendar", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(statutory_low_age__isnull=True) | Q(statutory_high_age__isnull=True)
                | Q(statutory_low_age__lte=models.F("statutory_high_age")),
                name="establishment_age_range_ordered",
            ),
            models.UniqueConstraint(fields=["la", "estab_number"], condition=~Q(estab_number=""),
                                    name="establishment_unique_laestab"),
        ]
        indexes = [models.Index(fields=["la", "kind"]), models.Index(fields=["ukprn"])]

    def __str__(self) -> str:
        return self.name

    @property
    def laestab(self) -> str:
        """LA code followed by the 4-digit establishment number (e.g. 3324001), or ''."""
        return f"{self.la.code}{self.estab_number}" if self.estab_number else ""

    @property
    def is_school(self) -> bool:
        """Registered schools keep an admission register and can dual register a learner."""
        return self.kind in SCHOOL_KINDS

    def clean(self) -> None:
        if self.is_school and self.registration_status == RegistrationStatus.UNREGISTERED:
            raise ValidationError({"registration_status":
                                   "A school must be registered: choose another kind or status."})
        if self.kind == EstablishmentKind.UNREGISTERED and (
            self.registration_status == RegistrationStatus.REGISTERED_SCHOOL
        ):
            raise ValidationError({"registration_status":
                                   "An unregistered AP provider cannot be a registered school."})

    def school_calendar(self) -> SchoolCalendar | None:
        """This setting's own calendar, else its LA's default calendar."""
        return self.calendar or self.la.default_calendar()


class Site(models.Model):
    """An address where a learner may attend, including satellite and subcontracted sites."""

    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE,
                                      related_name="sites")
    name = models.CharField(max_length=200)
    address = models.TextField()
    postcode = models.CharField(max_length=10)
    is_main = models.BooleanField(default=False)
    subcontractor = models.CharField(
        max_length=200, blank=True,
        help_text="The organisation running this site, when it is subcontracted.",
    )

    class Meta:
        ordering = ["establishment", "-is_main", "name"]
        constraints = [
            models.UniqueConstraint(fields=["establishment"], condition=Q(is_main=True),
                                    name="site_one_main_per_establishment"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.postcode}"


class SchoolCalendar(models.Model):
    """Term dates and closures of a school, or an LA's default calendar when establishment is empty.

    School days are counted on the learner's own school's calendar, never on plain weekdays
    (DOMAIN.md section 0; Education (Pupil Registration) (England) Regulations 2024).
    """

    name = models.CharField(max_length=120)
    la = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="calendars")
    establishment = models.OneToOneField(Establishment, on_delete=models.CASCADE, null=True,
                                         blank=True, related_name="own_calendar")
    bank_holidays = models.BooleanField(default=True,
                                        help_text="England bank holidays are not school days.")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def rules(self) -> rules_calendar.SchoolCalendar:
        """This calendar as the pure ``aptrack.rules`` calendar."""
        return rules_calendar.SchoolCalendar(
            terms=[(t.start, t.end) for t in self.terms.all()],
            closures=[c.date for c in self.closures.all()],
            bank_holidays=self.bank_holidays,
        )


class Term(models.Model):
    """One term (or half term) of a calendar, first and last day inclusive."""

    calendar = models.ForeignKey(SchoolCalendar, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=models.F("end")),
                                   name="term_start_not_after_end"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start:%d %b %Y} to {self.end:%d %b %Y})"


class Closure(models.Model):
    """A day inside a term when the school does not meet (INSET, polling day, emergency)."""

    calendar = models.ForeignKey(SchoolCalendar, on_delete=models.CASCADE,
                                 related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="closure_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.reason}"

