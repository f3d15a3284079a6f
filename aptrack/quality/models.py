"""Placement quality and safeguarding: provider due diligence, the registration watch,
placement agreements, reviews, liaison records and outcomes (DOMAIN.md sections 1, 5 and 6).

Every model here is read through ``for_user`` (selectors start from it): rows tied to a
placement follow the placement's scope (``aptrack.accounts.scopes``); provider checks follow the
organisation that made them; safeguarding liaison notes are narrower still.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from aptrack.accounts import scopes

from .choices import (
    AlertStatus,
    CheckKind,
    CheckOutcome,
    FollowUpResult,
    LiaisonKind,
    OutcomeDestination,
    Progress,
    ProviderStatus,
    ReviewDecision,
    ReviewRequester,
)

PROTECT = models.PROTECT


def _org(user: Any) -> tuple[str, int | None, int | None]:
    """(role, LA id, establishment id) of a user; the establishment's LA for school roles."""
    org = getattr(user, "organisation", None)
    if org is None:
        return getattr(user, "role", ""), None, None
    la_id = org.la_id if org.la_id else (org.establishment.la_id if org.establishment_id else None)
    return getattr(user, "role", ""), la_id, org.establishment_id


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def post16_commissioner(user: Any) -> bool:
    """A post-16 provider's user, who commissions AP and records their own provider checks
    (``QUALITY["POST16_COMMISSIONER_ROLES"]``; DOMAIN.md section 1: the commissioning post-16
    provider arranges AP for 16-18s)."""
    return (getattr(user, "role", "") in settings.QUALITY["POST16_COMMISSIONER_ROLES"]
            and getattr(user, "organisation", None) is not None
            and bool(user.organisation.establishment_id))


def may_commission_checks(establishment: Any) -> bool:
    """Whether an establishment records provider checks as a commissioner: a school, or a
    post-16 provider (an FE college, or any setting of a post-16 provider organisation)."""
    from aptrack.accounts.choices import OrganisationKind

    if establishment.is_school or establishment.kind == "fe_college":
        return True
    org = getattr(establishment, "organisation", None)
    return bool(org is not None and org.kind == OrganisationKind.POST16_PROVIDER)


class PlacementScopedQuerySet(models.QuerySet[Any]):
    """Rows that belong to a placement: seen (or changed) by whoever may see (or change) it."""

    placement_path = "placement"

    def for_user(self, user: Any, action: str = scopes.VIEW) -> models.QuerySet[Any]:
        from aptrack.placements.models import Placement

        visible = Placement.objects.for_user(user, action).values("pk")
        return self.filter(**{f"{self.placement_path}__in": visible})


# ---- 1. provider due diligence ---------------------------------------------------------------


class ProviderCheckQuerySet(models.QuerySet["ProviderCheck"]):
    def for_user(self, user: Any, action: str = scopes.VIEW) -> ProviderCheckQuerySet:
        """LA roles: checks made by their LA or by schools in it, and checks of providers in it;
        school roles and post-16 commissioners: their own organisation's checks and their LA's
        (post-16 commissioners also the checks of their own college as a provider); provider
        roles: checks of their own provider (view only). Changing: only the organisation that
        made the check."""
        if not _active(user):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self
        role, la_id, est_id = _org(user)
        post16 = post16_commissioner(user)
        if action != scopes.VIEW:
            if role in scopes.LA_ROLES:
                return self.filter(commissioning_la_id=la_id)
            if role in scopes.SCHOOL_ROLES or post16:
                return self.filter(commissioning_establishment_id=est_id)
            return self.none()
        if role in scopes.LA_ROLES:
            return self.filter(Q(commissioning_la_id=la_id)
                               | Q(commissioning_establishment__la_id=la_id)
                               | Q(provider__la_id=la_id))
        if role in scopes.SCHOOL_ROLES:
            return self.filter(Q(commissioning_establishment_id=est_id)
                               | Q(commissioning_la_id=la_id))
        if post16:
            return self.filter(Q(commissioning_establishment_id=est_id)
                               | Q(commissioning_la_id=la_id) | Q(provider_id=est_id))
        if role in scopes.PROVIDER_ROLES:
            return self.filter(provider_id=est_id)
        return self.none()


class ProviderCheck(models.Model):
    """One due-diligence check of a provider by a commissioner (an LA, a school or a post-16
    provider), with who
    checked, when, the outcome and its expiry. Never edited: a new check supersedes the last.

    The commissioner keeps safeguarding responsibility and makes its own checks; relying on the
    LA's list is not enough (KCSIE; DfE Alternative provision guidance 2013, updated 2025).
    """

    provider = models.ForeignKey("directory.Establishment", on_delete=PROTECT,
                                 related_name="checks_received")
    commissioning_la = models.ForeignKey("directory.LocalAuthority", on_delete=PROTECT,
                                         null=True, blank=True, related_name="provider_checks")
    commissioning_establishment = models.ForeignKey(
        "directory.Establishment", on_delete=PROTECT, null=True, blank=True,
        related_name="checks_made")
    kind = models.CharField(max_length=24, choices=CheckKind.choices)
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)
    checked_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                   blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderCheckQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "kind", "-checked_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(commissioning_la__isnull=False)
                           & Q(commissioning_establishment__isnull=True))
                | (Q(commissioning_la__isnull=True)
                   & Q(commissioning_establishment__isnull=False)),
                name="providercheck_one_commissioner"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("checked_on")),
                name="providercheck_expires_after_checked"),
        ]
        indexes = [models.Index(fields=["provider", "kind", "checked_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.provider} ({self.checked_on:%d %b %Y})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Provider checks are never edited: record a new check.")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.checked_on and self.checked_on > date.today():
            raise ValidationError({"checked_on": "The date checked cannot be in the future."})
        if self.expires_on and self.checked_on and self.expires_on <= self.checked_on:
            raise ValidationError({"expires_on": "The expiry date must be after the date "
                                                 "checked."})
        if self.commissioning_establishment_id and not may_commission_checks(
                self.commissioning_establishment):
            raise ValidationError({"commissioning_establishment": "Only an LA, a commissioning "
                                   "school or a post-16 provider records provider checks."})



class EvidenceFile(models.Model):
    """A file evidencing a check, stored outside the web root under a random name and served
    only through a permission-checked view."""

    check_record = models.ForeignKey(ProviderCheck, on_delete=PROTECT, related_name="evidence")
    original_name = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=64, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                    blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ProviderStatusDecision(models.Model):
    """An LA's decision on a provider's status (approved, conditional, suspended) with its
    reasons; the latest decision of that LA is the provider's current status there."""

    provider = models.ForeignKey("directory.Establishment", on_delete=PROTECT,
                                 related_name="status_decisions")
    la = models.ForeignKey("directory.LocalAuthority", on_delete=PROTECT,
                           related_name="provider_status_decisions")
    status = models.CharField(max_length=12, choices=ProviderStatus.choices)
    reasons = models.TextField()
    decided_on = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                   blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_status_display()} ({self.la})"


class CheckOverride(models.Model):
    """An LA officer's decision to commission despite missing or expired critical checks, with
    the reason they recorded (kept with the placement and in the audit trail)."""

    placement = models.ForeignKey("placements.Placement", on_delete=PROTECT,
                                  related_name="check_overrides")
    reason = models.TextField()
    problems = models.JSONField(default=list)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT,
                                      related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = PlacementScopedQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Override for placement {self.placement_id}"


# ---- 3. registration watch --------------------------------------------------------------------


class RegistrationAlertQuerySet(models.QuerySet["RegistrationAlert"]):
    def for_user(self, user: Any, action: str = scopes.VIEW) -> RegistrationAlertQuerySet:
        """Alerts go to the LA where the provider is, and to LAs commissioning places there."""
        if not _active(user):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self
        role, la_id, _ = _org(user)
        if role in scopes.LA_ROLES and la_id:
            return self.filter(Q(provider__la_id=la_id) | Q(las__id=la_id)).distinct()
        return self.none()


class RegistrationAlert(models.Model):
    """An alert that an unregistered provider must register as an independent school, with the
    placements (learners) that tip it over. Education and Skills Act 2008 s92 [law]."""

    provider = models.ForeignKey("directory.Establishment", on_delete=PROTECT,
                                 related_name="registration_alerts")
    las = models.ManyToManyField("directory.LocalAuthority", related_name="+",
                                 help_text="The LAs alerted.")
    status = models.CharField(max_length=10, choices=AlertStatus.choices,
                              default=AlertStatus.OPEN)
    reason = models.TextField()
    full_time_count = models.PositiveIntegerField()
    tipping_placements = models.ManyToManyField("placements.Placement", related_name="+")
    fingerprint = models.CharField(max_length=500)
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} must register ({self.get_status_display()})"


# ---- 4. placement agreement -------------------------------------------------------------------


class PlacementAgreement(models.Model):
    """What a placement is for: the intervention, objectives with measurable targets, the
    reintegration plan and timeline, maximum period, reporting and the learner's and parent's
    views. DfE Alternative provision guidance (2013, updated 2025) [guidance]."""

    placement = models.OneToOneField("placements.Placement", on_delete=PROTECT,
                                     related_name="agreement")
    intervention = models.TextField("nature of the intervention")
    reintegration_plan = models.TextField()
    reintegration_by = models.DateField("reintegration planned by", null=True, blank=True)
    maximum_weeks = models.PositiveSmallIntegerField(
        "maximum period (weeks)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(156)])
    reporting_arrangements = models.TextField()
    learner_views = models.TextField("the learner's views")
    parent_views = models.TextField("the parent's views")
    agreed_on = models.DateField()
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlacementScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Agreement for placement {self.placement_id}"


class ObjectiveQuerySet(PlacementScopedQuerySet):
    placement_path = "agreement__placement"


class AgreementObjective(models.Model):
    """One objective of a placement with its measurable target."""

    agreement = models.ForeignKey(PlacementAgreement, on_delete=models.CASCADE,
                                  related_name="objectives")
    description = models.CharField(max_length=300)
    target = models.CharField("measurable target", max_length=300)
    target_date = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "position", "pk"]

    def __str__(self) -> str:
        return self.description


class OffSiteNotice(models.Model):
    """Written notice to the parent of an off-site direction, given at least 2 school days
    before the first day on the directing school's calendar; copied to the LA when the learner
    has an EHC plan. EA 2002 s29A; Education (Educational Provision for Improving Behaviour)
    Regulations 2010 reg 3 [law]."""

    placement = models.OneToOneField("placements.Placement", on_delete=PROTECT,
                                     related_name="off_site_notice")
    parent_name = models.CharField(max_length=200)
    given_on = models.DateField("notice given on")
    first_day = models.DateField()
    number_of_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    reasons = models.TextField()
    session_times = models.CharField(max_length=200)
    contact = models.CharField("contact at the provider", max_length=200)
    notice_by = models.DateField(editable=False)
    la_notified_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Off-site direction notice for placement {self.placement_id}"

    @property
    def in_time(self) -> bool:
        return self.given_on <= self.notice_by


class ReviewRequest(models.Model):
    """A parent's (or, for a learner with an EHC plan, the LA's) request for a review of an
    off-site direction: a review must be held unless one was held in the previous 10 weeks.
    2010 Regs reg 4A(4), inserted by SI 2012/2532 [law]."""

    placement = models.ForeignKey("placements.Placement", on_delete=PROTECT,
                                  related_name="review_requests")
    requested_on = models.DateField()
    requested_by = models.CharField(max_length=8, choices=ReviewRequester.choices)
    must_hold = models.BooleanField(editable=False)
    last_review_on = models.DateField(null=True, blank=True, editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"Review request for placement {self.placement_id} ({self.requested_on})"


# ---- 5. reviews -------------------------------------------------------------------------------


class PlacementReview(models.Model):
    """A review of a placement: who attended, progress against each objective, attendance since
    the last review, the learner's view, the decision and the next date. At least half-termly
    (DfE Alternative provision guidance 2013, updated 2025) [guidance]."""

    placement = models.ForeignKey("placements.Placement", on_delete=PROTECT,
                                  related_name="reviews")
    held_on = models.DateField()
    attendees = models.TextField("who attended")
    attendance_percent = models.DecimalField(
        "attendance reported at the review (%)", max_digits=5, decimal_places=1, null=True,
        blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="A figure the meeting was given, e.g. when the registers are incomplete; the "
                  "register figure below is the one the performance framework uses.")
    # Attendance at the provider since the last review, from the registers (the provider's
    # marks for this learner at the placement's setting), taken when the review is recorded.
    register_from = models.DateField(null=True, blank=True, editable=False)
    register_to = models.DateField(null=True, blank=True, editable=False)
    register_possible = models.PositiveIntegerField(
        "possible sessions in the registers", null=True, blank=True, editable=False)
    register_attended = models.PositiveIntegerField(
        "sessions attended in the registers", null=True, blank=True, editable=False)
    learner_view = models.TextField("the learner's view")
    decision = models.CharField(max_length=12, choices=ReviewDecision.choices)
    notes = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                    blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementScopedQuerySet.as_manager()

    class Meta:
        ordering = ["placement", "held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True)
                | Q(next_review_on__gt=models.F("held_on")),
                name="review_next_after_held"),
        ]

    def __str__(self) -> str:
        return f"Review of placement {self.placement_id} on {self.held_on:%d %b %Y}"

    @property
    def register_percent(self) -> float | None:
        """Attendance since the last review from the registers, or None with no possible
        sessions (present + approved activity over possible; DfE school census guidance)."""
        if not self.register_possible:
            return None
        return round(100 * (self.register_attended or 0) / self.register_possible, 1)


class ObjectiveProgress(models.Model):
    """Progress against one objective, recorded at a review."""

    review = models.ForeignKey(PlacementReview, on_delete=models.CASCADE,
                               related_name="progress")
    objective = models.ForeignKey(AgreementObjective, on_delete=PROTECT, related_name="progress")
    progress = models.CharField(max_length=12, choices=Progress.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "objective"],
                                               name="progress_once_per_objective")]

    def __str__(self) -> str:
        return f"{self.objective}: {self.get_progress_display()}"


# ---- 6. liaison -------------------------------------------------------------------------------


class LiaisonQuerySet(models.QuerySet["LiaisonEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Liaison records are append-only: record a correction.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Liaison records are append-only: record a correction.")

    def for_user(self, user: Any, action: str = scopes.VIEW) -> LiaisonQuerySet:
        """Entries of placements the user may see; safeguarding entries only for the DSL roles
        of the organisations involved (the commissioning or home school, the commissioning or
        home LA) and for the person who wrote them. Provider staff see only their own
        provider's placements, so never another provider's notes."""
        from aptrack.placements.models import Placement

        if not _active(user):
            return self.none()
        visible = self.filter(placement__in=Placement.objects.for_user(user, scopes.VIEW)
                              .values("pk"))
        if getattr(user, "is_superuser", False):
            return visible
        return visible.filter(Q(safeguarding=False) | Q(recorded_by=user)
                              | safeguarding_readers(user))


def safeguarding_readers(user: Any) -> Q:
    """The safeguarding entries ``user`` may read because of their DSL role."""
    role, la_id, est_id = _org(user)
    if role not in settings.QUALITY["DSL_ROLES"]:
        return Q(pk__in=[])
    if role in scopes.LA_ROLES:
        return (Q(placement__commissioning_la_id=la_id)
                | Q(placement__learner__home_la_id=la_id)
                | Q(placement__home_school__la_id=la_id)
                | Q(placement__commissioning_establishment__la_id=la_id))
    return (Q(placement__commissioning_establishment_id=est_id)
            | Q(placement__home_school_id=est_id) | Q(placement__provider_id=est_id))


class LiaisonEntry(models.Model):
    """A call, e-mail, meeting, visit or concern between commissioner, provider and home
    school. Append-only: a correction is a new entry that points to the one it corrects.
    Schools and providers liaise, record and monitor (DfE AP guidance) [guidance]."""

    placement = models.ForeignKey("placements.Placement", on_delete=PROTECT,
                                  related_name="liaison")
    kind = models.CharField(max_length=10, choices=LiaisonKind.choices)
    occurred_on = models.DateField()
    with_whom = models.CharField(max_length=200)
    summary = models.TextField()
    safeguarding = models.BooleanField(
        "safeguarding concern", default=False,
        help_text="Only designated safeguarding leads of the organisations involved and LA "
                  "safeguarding officers can read it.")
    corrects = models.OneToOneField("self", on_delete=PROTECT, null=True, blank=True,
                                    related_name="corrected_by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                    blank=True, related_name="+")
    recorder_organisation = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = LiaisonQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "recorded_at", "pk"]
        verbose_name_plural = "liaison entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on:%d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Liaison records are append-only: record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Liaison records are append-only: record a correction.")


# ---- 7. outcomes ------------------------------------------------------------------------------


class PlacementOutcome(models.Model):
    """Where the learner went after the placement, and whether they were still there when
    followed up six months after reintegration (sustained reintegration; AP performance
    framework, SEND and AP Improvement Plan 2023) [guidance]."""

    placement = models.OneToOneField("placements.Placement", on_delete=PROTECT,
                                     related_name="outcome")
    destination = models.CharField(max_length=24, choices=OutcomeDestination.choices)
    destination_establishment = models.ForeignKey(
        "directory.Establishment", on_delete=PROTECT, null=True, blank=True, related_name="+")
    destination_note = models.CharField(max_length=300, blank=True)
    follow_up_due = models.DateField(null=True, blank=True)
    followed_up_on = models.DateField(null=True, blank=True)
    follow_up_result = models.CharField(max_length=12, choices=FollowUpResult.choices,
                                        blank=True)
    follow_up_note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=PROTECT, null=True,
                                    blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PlacementScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Outcome of placement {self.placement_id}: {self.get_destination_display()}"

    def clean(self) -> None:
        from .choices import NEEDS_DETAIL

        if self.destination in NEEDS_DETAIL and not self.destination_note.strip():
            raise ValidationError({"destination_note": "Say where the learner went: "
                                                       "“Other” needs the details."})


class CheckReminder(models.Model):
    """A reminder e-mailed about a check that expires soon or has expired (sent once each)."""

    check_record = models.ForeignKey(ProviderCheck, on_delete=PROTECT, related_name="reminders")
    state = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["check_record", "state"],
                                               name="reminder_once_per_state")]

    def __str__(self) -> str:
        return f"Reminder ({self.state}) for check {self.check_record_id}"
