"""How records look in the API. Writes go to the services; serializers only shape and check
input types (the services check the rules and the scope)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aptrack.directory.models import Establishment, LocalAuthority, Site
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.choices import CommissionerKind, Destination, EndReason, Status
from aptrack.placements.models import Placement

from .models import WebhookDelivery, WebhookEvent, WebhookSubscription


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id of a record the requesting user may see (others read as "does not exist")."""

    def get_queryset(self) -> Any:
        request = self.context["request"]
        return self.queryset.for_user(request.user)


class CodeField(serializers.SlugRelatedField):
    """A record named by its code. A code with a NUL character names nothing (and PostgreSQL
    cannot even compare text holding one): "does not exist", not a server error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "establishment", "name", "address", "postcode", "is_main",
                  "subcontractor"]


class EstablishmentSerializer(serializers.ModelSerializer):
    la_code = serializers.CharField(source="la.code", read_only=True)
    laestab = serializers.CharField(read_only=True)
    is_school = serializers.BooleanField(read_only=True)

    class Meta:
        model = Establishment
        fields = ["id", "urn", "ukprn", "name", "kind", "la_code", "laestab", "is_school",
                  "status", "registration_status", "phase", "statutory_low_age",
                  "statutory_high_age", "places", "opened_on", "closed_on"]


class LearnerSerializer(serializers.ModelSerializer):
    home_la = CodeField(slug_field="code", queryset=LocalAuthority.objects.all(),
                        help_text="The 3-digit code of the LA where the learner lives.")
    upn = serializers.CharField(max_length=13, required=False, allow_null=True,
                                allow_blank=True)

    class Meta:
        model = Learner
        fields = ["id", "upn", "former_upn", "uln", "given_name", "family_name",
                  "date_of_birth", "sex", "sen_provision", "primary_need", "looked_after",
                  "home_la", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]
        validators: list[Any] = []


class EnrolmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrolment
        fields = ["id", "learner", "establishment", "status", "start_date", "end_date",
                  "leaving_reason", "placement"]


class ExclusionSerializer(serializers.ModelSerializer):
    learner = ScopedPrimaryKeyField(queryset=Learner.objects)
    school = serializers.PrimaryKeyRelatedField(queryset=Establishment.objects.all())
    school_days = serializers.DecimalField(max_digits=4, decimal_places=1, required=False,
                                           allow_null=True, coerce_to_string=False)

    class Meta:
        model = Exclusion
        fields = ["id", "learner", "school", "category", "first_day", "school_days",
                  "reason_1", "reason_2", "reason_3", "status", "final_on", "created_at"]
        read_only_fields = ["status", "final_on", "created_at"]
        validators: list[Any] = []


class PlacementSerializer(serializers.ModelSerializer):
    """A placement. ``commissioner`` is the commissioner kind; the commissioning LA or
    establishment is the requesting user's own organisation. The rules' decisions are
    read-only."""

    learner = ScopedPrimaryKeyField(queryset=Learner.objects)
    provider = serializers.PrimaryKeyRelatedField(queryset=Establishment.objects.all())
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all(), required=False,
                                              allow_null=True)
    exclusion = ScopedPrimaryKeyField(queryset=Exclusion.objects, required=False,
                                      allow_null=True)
    commissioner = serializers.ChoiceField(source="commissioner_kind",
                                           choices=CommissionerKind.choices, required=False,
                                           help_text="Defaults to your organisation's kind.")
    commissioning_la = serializers.CharField(source="commissioning_la.code", read_only=True,
                                             allow_null=True, default=None)
    hours_per_week = serializers.DecimalField(max_digits=4, decimal_places=1,
                                              coerce_to_string=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False,
                                     help_text="New placements are referred (default) or "
                                               "agreed; PATCH moves them on: agreed, active, "
                                               "ended (with end_date, end_reason, destination) "
                                               "or cancelled.")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=1000,
        help_text="LA officers only: why the placement goes ahead although the provider's "
                  "critical checks are not in order (recorded and audited).")
    end_reason = serializers.ChoiceField(choices=EndReason.choices, required=False,
                                         allow_blank=True)
    destination = serializers.ChoiceField(choices=Destination.choices, required=False,
                                          allow_blank=True)

    class Meta:
        model = Placement
        fields = ["id", "learner", "provider", "site", "commissioner", "commissioning_la",
                  "commissioning_establishment", "exclusion", "reason", "tier", "status",
                  "start_date", "planned_end_date", "end_date", "hours_per_week",
                  "sessions_pattern", "end_reason", "destination", "override_reason",
                  "responsible", "remains_on_roll", "registration_at_provider",
                  "home_school_code", "provision_due_by", "legal_basis", "home_school",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["commissioning_establishment", "responsible", "remains_on_roll",
                            "registration_at_provider", "home_school_code", "provision_due_by",
                            "legal_basis", "home_school", "version", "created_at",
                            "updated_at"]
        validators: list[Any] = []


class AttendanceSummarySerializer(serializers.Serializer):
    """The attendance summary object of INTERFACES.md (rates are fractions, null when nothing
    was possible)."""

    possible = serializers.IntegerField()
    present = serializers.IntegerField()
    approved_activity = serializers.IntegerField()
    authorised = serializers.IntegerField()
    unauthorised = serializers.IntegerField()
    not_counted = serializers.IntegerField()
    attendance_rate = serializers.FloatField(allow_null=True)
    absence_rate = serializers.FloatField(allow_null=True)
    persistent_absence = serializers.BooleanField()
    severe_absence = serializers.BooleanField()


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices),
                                   allow_empty=False)
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "active", "owner", "created_at"]
        read_only_fields = ["created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once: keep it to check the "
                                                             "X-APTrack-Signature header.")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "subscription", "event", "payload", "status", "attempts",
                  "next_attempt_at", "last_status_code", "last_error", "created_at",
                  "delivered_at"]


class MarkInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One mark to record (the service checks every item and answers per item)."""

    learner = serializers.IntegerField()
    setting = serializers.IntegerField(help_text="The establishment whose register it is.")
    date = serializers.DateField()
    session = serializers.ChoiceField(choices=["AM", "PM"])
    code = serializers.CharField(max_length=2, help_text="A code of the 2024 national set.")
    reason = serializers.CharField(required=False, max_length=300,
                                   help_text="Why an existing mark is changed (amendment).")


class MarksRecordedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    created = serializers.IntegerField()
    amended = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    derived = serializers.IntegerField(help_text="Home-school marks derived from these.")
    needs_review = serializers.IntegerField()
    alerts = serializers.IntegerField(help_text="Absence alerts raised.")


@extend_schema_field({
    "oneOf": [
        {"type": "array", "description": "One error per bad item of the list.",
         "items": {"type": "object", "required": ["index", "field", "reason"], "properties": {
             "index": {"type": "integer", "description": "Position of the item, from 0."},
             "field": {"type": "string"}, "reason": {"type": "string"}}}},
        {"type": "object", "description": "Errors by name, for a request refused before its "
                                          "items are read (e.g. a bad Idempotency-Key).",
         "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ]})
class MarkErrorsField(serializers.JSONField):
    """The ``errors`` of a refused list of marks."""


class MarksInvalidSerializer(serializers.Serializer):  # type: ignore[type-arg]
    detail = serializers.CharField()
    errors = MarkErrorsField(required=False,
                             help_text="Absent when the body is not JSON at all.")


class AttendanceMarkSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    learner = serializers.IntegerField(source="learner_id")
    setting = serializers.IntegerField(source="setting_id")
    date = serializers.DateField()
    session = serializers.CharField()
    code = serializers.CharField()
    category = serializers.CharField()
    placement = serializers.IntegerField(source="placement_id", allow_null=True)
    source = serializers.CharField()
    needs_review = serializers.BooleanField()
    recorded_at = serializers.DateTimeField()
    amended_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class AlertSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    kind = serializers.CharField()
    learner = serializers.IntegerField(source="learner_id")
    setting = serializers.IntegerField(source="setting_id")
    placement = serializers.IntegerField(source="placement_id", allow_null=True)
    date = serializers.DateField()
    session = serializers.CharField()
    code = serializers.CharField()
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    note = serializers.CharField()


class AlertAcknowledgeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    outcome = serializers.ChoiceField(choices=[
        "contact_made", "whereabouts_known", "referred", "marked_in_error", "no_contact"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
