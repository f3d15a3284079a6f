"""Attendance marks per learner, setting, date and session; amendments; alerts; imports.

Sources: School Attendance (Pupil Registration) (England) Regulations 2024 (registers, codes,
amendments kept with the original entry, the reason, who and when); DfE "Working together to
improve school attendance" (2024); DfE Alternative provision statutory guidance (commissioners
monitor attendance at AP and are told of absence the same day).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from aptrack.accounts.choices import Role
from aptrack.accounts.scopes import PROVIDER_ROLES, _active, _establishment_id, learner_ids

from .choices import AlertKind, AlertOutcome, ImportStatus, Session, Source


class MarkQuerySet(models.QuerySet["AttendanceMark"]):
    def for_user(self, user: Any, action: str = "view") -> MarkQuerySet:
        """Marks of learners the user may see; provider staff see only their own setting's."""
        if not _active(user):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self
        qs = self.filter(learner_id__in=learner_ids(user))
        if getattr(user, "role", "") in PROVIDER_ROLES:
            qs = qs.filter(_own_or_commissioned(user))
        return qs


def _own_or_commissioned(user: Any) -> Q:
    """Provider staff see their own register; post-16 staff also the marks of placements their
    college commissioned (commissioners monitor attendance at AP)."""
    establishment = _establishment_id(user)
    q = Q(setting_id=establishment)
    if getattr(user, "role", "") == Role.POST16_STAFF:
        q |= Q(placement__commissioning_establishment_id=establishment)
    return q


class AttendanceMark(models.Model):
    """One register entry: a learner's code at one setting for one session of one school day.

    ``category`` is stored from ``aptrack.rules.attendance.CATEGORY`` so summaries are a single
    grouped count. ``supplied_code`` keeps a withdrawn code as it arrived (e.g. "H") when an import
    mapped it; such marks carry ``needs_review`` until a person confirms them.
    """

    # Four indexes, no more (decision 0008): each index costs every write, and an import of a
    # million marks spends most of its time in them. The unique constraint leads with the learner
    # and the date (a learner's marks over a period, and the counting rule's look for a school
    # register's mark of a session); (setting, date) serves the registers; placements are
    # indexed only where a mark has one. ``recorded_by`` has no index: users are deactivated,
    # not deleted.
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT,
                                related_name="attendance_marks", db_index=False)
    setting = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                related_name="attendance_marks", db_index=False)
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    code = models.CharField(max_length=2)
    category = models.CharField(max_length=20)
    at_school = models.BooleanField(
        default=False, editable=False,
        help_text="The setting keeps a school register (its kind is a school kind), copied when "
                  "the mark is written so the counted rule needs no join.")
    placement = models.ForeignKey("placements.Placement", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="attendance_marks", db_index=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    supplied_code = models.CharField(max_length=2, blank=True)
    needs_review = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", db_index=False)
    recorded_at = models.DateTimeField(auto_now_add=True)
    amended_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = MarkQuerySet.as_manager()

    class Meta:
        ordering = ["date", "session", "learner_id"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "date", "session", "setting"],
                                    name="one_mark_per_learner_session_setting"),
            models.CheckConstraint(condition=Q(session__in=["AM", "PM"]),
                                   name="mark_session_am_pm"),
        ]
        indexes = [
            models.Index(fields=["setting", "date"]),
            models.Index(fields=["placement"], condition=Q(placement__isnull=False),
                         name="mark_placement"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.date:%d %b %Y} {self.session}"

    @property
    def meaning(self) -> str:
        """What the code means in the 2024 national set."""
        from aptrack.rules.attendance import MEANING

        return MEANING.get(self.code, "")


class AttendanceCount(models.Model):
    """Counted sessions of a learner in a school year by category, kept up to date.

    The rule is that of ``selectors.counted_marks`` (school registers count; a non-school
    provider's mark counts only for sessions no school register covers). The service that
    writes marks (``services.attendance_marks_record``) adjusts these rows in the same
    transaction, so a year's summary of an LA, a region or England reads one row per learner
    and category instead of scanning the marks (decision 0007). ``services.counts_rebuild``
    recomputes them from the marks, and ``aptrack attendance_counts --check`` compares.
    """

    learner = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    school_year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20)
    sessions = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "school_year", "category"],
                                    name="one_count_per_learner_year_category"),
        ]
        indexes = [models.Index(fields=["school_year", "learner"])]

    def __str__(self) -> str:
        return f"{self.school_year}: {self.category} {self.sessions}"


class MarkAmendment(models.Model):
    """A change to a mark: the original entry and the new one, why, who and when (2024 Regs)."""

    mark = models.ForeignKey(AttendanceMark, on_delete=models.PROTECT, related_name="amendments")
    old_code = models.CharField(max_length=2)
    new_code = models.CharField(max_length=2)
    old_source = models.CharField(max_length=10, choices=Source.choices)
    new_source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.CharField(max_length=300)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    amended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["amended_at", "pk"]

    def __str__(self) -> str:
        return f"{self.old_code} -> {self.new_code}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def for_user(self, user: Any, action: str = "view") -> AlertQuerySet:
        """Alerts go to the home school and the commissioner; providers see those they raised."""
        if not _active(user):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self
        qs = self.filter(learner_id__in=learner_ids(user))
        if getattr(user, "role", "") in PROVIDER_ROLES:
            qs = qs.filter(_own_or_commissioned(user))
        return qs

    def open(self) -> AlertQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """An absence at AP, or a register left unmarked, for a learner the setting expected.

    Raised the session it happens for the home school's DSL and the commissioner (AP statutory
    guidance: commissioners keep safeguarding responsibility and monitor attendance daily).
    """

    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT,
                                related_name="attendance_alerts")
    setting = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                related_name="attendance_alerts")
    placement = models.ForeignKey("placements.Placement", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="attendance_alerts")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    code = models.CharField(max_length=2, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    emailed_to = models.JSONField(default=list, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=20, choices=AlertOutcome.choices, blank=True)
    note = models.TextField(blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "learner", "setting", "date", "session"],
                                    name="one_alert_per_kind_session"),
        ]
        indexes = [models.Index(fields=["acknowledged_at", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.date:%d %b %Y} {self.session}"


class AttendanceImport(models.Model):
    """A file of marks uploaded through the web page, loaded all or nothing with progress."""

    setting = models.ForeignKey("directory.Establishment", on_delete=models.PROTECT,
                                related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    filename = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
