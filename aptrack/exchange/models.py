"""Records of the exchange app: what GIAS says beyond the directory's own fields, and a log of
every file imported or exported."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class GiasDetail(models.Model):
    """The GIAS columns of an establishment that the directory does not model itself: address,
    the raw type and status, and the PRU columns (SEN and EBD provision, places, full-time
    provision, education by another provider). Kept as published, refreshed by each import.
    """

    establishment = models.OneToOneField("directory.Establishment", on_delete=models.CASCADE,
                                         related_name="gias")
    type_name = models.CharField(max_length=120, blank=True)
    status_name = models.CharField(max_length=60, blank=True)
    street = models.CharField(max_length=200, blank=True)
    locality = models.CharField(max_length=200, blank=True)
    address3 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    pru_sen = models.BooleanField("PRU provision for SEN", null=True, blank=True)
    pru_ebd = models.BooleanField("PRU provision for EBD", null=True, blank=True)
    pru_places = models.PositiveIntegerField("PRU places", null=True, blank=True)
    full_time_provision = models.BooleanField("PRU offers full-time provision", null=True,
                                              blank=True)
    educated_by_other = models.BooleanField("PRU offers tuition by another provider",
                                            null=True, blank=True)
    last_changed = models.DateField("GIAS last changed", null=True, blank=True)

    class Meta:
        verbose_name = "GIAS detail"

    def __str__(self) -> str:
        return f"GIAS detail of {self.establishment_id}"

    @property
    def address(self) -> str:
        parts = (self.street, self.locality, self.address3, self.town, self.county)
        return ", ".join(p for p in parts if p)


class ExchangeLog(models.Model):
    """One file that came in or went out: which kind, who, its SHA-256 and what it did.

    Holds counts and ids, never the file itself (it may contain children's data).
    """

    class Kind(models.TextChoices):
        GIAS_IMPORT = "gias_import", "GIAS import"
        CTF_IMPORT = "ctf_import", "CTF import"
        CTF_EXPORT = "ctf_export", "CTF export"
        CENSUS_EXPORT = "census_export", "Census export"
        LEARNER_IMPORT = "learner_import", "Learner import"
        CALENDAR_IMPORT = "calendar_import", "Term dates import"
        SPREADSHEET_EXPORT = "spreadsheet_export", "Spreadsheet export"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} at {self.at:%Y-%m-%d %H:%M}"


class ReportedAttendance(models.Model):
    """A school year's attendance totals for a learner as another school reported them in a
    Common Transfer File: kept as received, beside (never mixed with) AP Track's own marks."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT,
                                related_name="reported_attendance")
    year = models.PositiveSmallIntegerField(help_text="The school year, by its first calendar "
                                                      "year (2024 = 2024/25).")
    school_name = models.CharField(max_length=200, blank=True)
    laestab = models.CharField("LAESTAB", max_length=7, blank=True)
    sessions_possible = models.PositiveIntegerField(null=True, blank=True)
    sessions_authorised = models.PositiveIntegerField(null=True, blank=True)
    sessions_unauthorised = models.PositiveIntegerField(null=True, blank=True)
    source = models.ForeignKey(ExchangeLog, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["learner", "year"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "year", "laestab"],
                                    name="reported_attendance_once_per_school_year"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} {self.year} at {self.laestab or self.school_name}"
