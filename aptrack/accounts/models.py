"""Organisations, their users and roles, and the append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .choices import ROLES_BY_ORGANISATION, OrganisationKind, Role


class Organisation(models.Model):
    """A body whose people use AP Track: an LA, a school, an AP provider or a post-16 provider.

    An LA organisation points at its local authority; the others at their establishment.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    la = models.ForeignKey("directory.LocalAuthority", on_delete=models.PROTECT, null=True,
                           blank=True, related_name="organisations")
    establishment = models.OneToOneField("directory.Establishment", on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="organisation")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="local_authority", la__isnull=False, establishment__isnull=True)
                           | (~Q(kind="local_authority") & Q(establishment__isnull=False))),
                name="organisation_la_or_establishment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == OrganisationKind.LOCAL_AUTHORITY and not self.la_id:
            raise ValidationError({"la": "An LA organisation needs its local authority."})
        if self.kind != OrganisationKind.LOCAL_AUTHORITY and not self.establishment_id:
            raise ValidationError({"establishment": "This organisation needs its establishment."})


class User(AbstractUser):
    """A person who signs in; belongs to one organisation with one role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="users")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    is_org_admin = models.BooleanField(
        "organisation administrator", default=False,
        help_text="Invites, deactivates and changes the roles of their organisation's users.")

    objects = UserManager()

    def clean(self) -> None:
        super().clean()
        if self.organisation_id and self.role not in ROLES_BY_ORGANISATION[
            OrganisationKind(self.organisation.kind)
        ]:
            kind = self.organisation.get_kind_display()
            raise ValidationError({"role": f"The role {self.role or '(none)'} does not belong to "
                                           f"a {kind} organisation."})

    @property
    def is_la(self) -> bool:
        return self.role in {Role.LA_OFFICER, Role.LA_SAFEGUARDING, Role.LA_ADMIN}

    @property
    def is_school(self) -> bool:
        return self.role in {Role.SCHOOL_DSL, Role.SCHOOL_STAFF}

    @property
    def is_provider(self) -> bool:
        return self.role in {Role.PROVIDER_MANAGER, Role.PROVIDER_STAFF, Role.PROVIDER_DSL,
                             Role.POST16_STAFF}

    @property
    def manages_users(self) -> bool:
        """An organisation administrator: LA administrators always, others when appointed."""
        return bool(self.is_active and self.organisation_id
                    and (self.is_org_admin or self.role == Role.LA_ADMIN))


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only and cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only and cannot be deleted.")


class AuditEvent(models.Model):
    """One audited event: a write (with before/after values) or a read of a learner's record.

    Append-only: the application refuses to update or delete rows, and database triggers do too
    (migration 0002). Holds ids, never copies of sensitive text.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False, null=True,
                             related_name="+")
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    learner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only and cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only and cannot be deleted.")


class LegalHold(models.Model):
    """A hold that keeps everything on one learner past its retention date (litigation, an
    inquiry, a subject access request in progress). Released, not deleted, when it ends."""

    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT,
                                related_name="legal_holds")
    reason = models.CharField(max_length=200)
    placed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "pk"]
        indexes = [models.Index(fields=["learner", "released_at"])]

    def __str__(self) -> str:
        return f"Legal hold on learner {self.learner_id}: {self.reason}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class SignedInSession(models.Model):
    """One browser where a user is signed in, listed on their "Where you are signed in" page
    (/account/sessions/) so that they can sign it out.

    Made at sign-in, its ``last_seen_at`` kept by ``SessionLimitsMiddleware`` (at most once a
    minute), deleted at sign-out and whenever the session ends. Holds a SHA-256 of the session
    key, never the key itself, and the address only to its /24 (IPv4) or /48 (IPv6) network.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField("SHA-256 of the session key", max_length=64, unique=True)
    signed_in_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    device = models.CharField(max_length=100, blank=True,
                              help_text="Browser and operating system, e.g. Firefox on Windows.")
    ip_network = models.CharField(max_length=49, blank=True,
                                  help_text="The address's /24 (IPv4) or /48 (IPv6) network.")

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.device or 'Unknown device'} signed in at {self.signed_in_at:%Y-%m-%d %H:%M}"
