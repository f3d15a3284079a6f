"""The REST API of placement quality and safeguarding, under /api/v1/quality/ (registered on
the API's router by ``register``). Thin like the pages: serializers parse, the services decide
and write. Authentication, pagination, the 401/403 rules and error bodies are the API's
defaults (``REST_FRAMEWORK`` settings); records out of scope are 404, including placements named
in a request body (never "invalid id"), so that existence is never confirmed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from aptrack.accounts import scopes
from aptrack.directory.models import Establishment
from aptrack.placements.models import Placement

from . import selectors, services
from .choices import (
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
from .models import (
    AgreementObjective,
    LiaisonEntry,
    OffSiteNotice,
    PlacementAgreement,
    PlacementOutcome,
    PlacementReview,
    ProviderCheck,
    ProviderStatusDecision,
    RegistrationAlert,
    ReviewRequest,
)

# ---- serializers ----------------------------------------------------------------------------


class QualityProviderCheckSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    provider = serializers.PrimaryKeyRelatedField(queryset=Establishment.objects.all())
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ProviderCheck
        fields = ["id", "provider", "commissioning_la", "commissioning_establishment", "kind",
                  "outcome", "checked_on", "expires_on", "notes", "checked_by", "recorded_at",
                  "evidence"]
        read_only_fields = ["commissioning_la", "commissioning_establishment", "checked_by"]

    def get_evidence(self, obj: ProviderCheck) -> list[dict[str, Any]]:
        return [{"id": e.pk, "name": e.original_name, "size": e.size, "sha256": e.sha256}
                for e in obj.evidence.all()]


class QualityProviderStatusSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    provider = serializers.PrimaryKeyRelatedField(queryset=Establishment.objects.all())
    status = serializers.ChoiceField(choices=ProviderStatus.choices)

    class Meta:
        model = ProviderStatusDecision
        fields = ["id", "provider", "la", "status", "reasons", "decided_on", "decided_by"]
        read_only_fields = ["la", "decided_by"]
        extra_kwargs = {"decided_on": {"required": False}}


class QualityRegistrationAlertSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    tipping_placements = serializers.SerializerMethodField()
    hidden_placements = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationAlert
        fields = ["id", "provider", "status", "reason", "full_time_count", "tipping_placements",
                  "hidden_placements", "raised_at", "resolved_at"]

    def _split(self, obj: RegistrationAlert) -> tuple[list[int], int]:
        visible = self.context["visible_placements"]
        ids = [p.pk for p in obj.tipping_placements.all()]
        shown = [pk for pk in ids if pk in visible]
        return shown, len(ids) - len(shown)

    def get_tipping_placements(self, obj: RegistrationAlert) -> list[int]:
        """The placements that tip the provider over, that you may see."""
        return self._split(obj)[0]

    def get_hidden_placements(self, obj: RegistrationAlert) -> int:
        """How many more placements, of other commissioners, tip it over."""
        return self._split(obj)[1]


class PlacementField(serializers.IntegerField):
    """A placement id, resolved in the caller's scope (404 when out of it, never 400)."""

    def __init__(self, action: str = scopes.CHANGE, **kw: Any) -> None:
        self.scope_action = action
        super().__init__(**kw)

    def to_internal_value(self, data: Any) -> Placement:
        pk = super().to_internal_value(data)
        user = self.context["request"].user
        try:
            return selectors.placement_get(user=user, pk=pk, action=self.scope_action)
        except Placement.DoesNotExist:
            raise NotFound(f"No placement {pk} in your scope.") from None

    def to_representation(self, value: Any) -> int:
        return int(getattr(value, "pk", value))


class QualityObjectiveSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(required=False)

    class Meta:
        model = AgreementObjective
        fields = ["id", "description", "target", "target_date"]


class QualityAgreementSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()
    objectives = QualityObjectiveSerializer(many=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = PlacementAgreement
        fields = ["id", "placement", "intervention", "objectives", "reintegration_plan",
                  "reintegration_by", "maximum_weeks", "reporting_arrangements",
                  "learner_views", "parent_views", "agreed_on", "version"]


class QualityProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    objective = serializers.IntegerField()
    progress = serializers.ChoiceField(choices=Progress.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class QualityReviewSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()
    progress = QualityProgressSerializer(many=True, required=False, write_only=True)
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)

    class Meta:
        model = PlacementReview
        fields = ["id", "placement", "held_on", "attendees", "attendance_percent",
                  "learner_view", "decision", "notes", "next_review_on", "progress",
                  "recorded_by"]
        read_only_fields = ["recorded_by"]

    def to_representation(self, obj: PlacementReview) -> dict[str, Any]:
        data = super().to_representation(obj)
        data["progress"] = [{"objective": p.objective_id, "progress": p.progress,
                             "note": p.note} for p in obj.progress.all()]
        return data


class QualityLiaisonSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField(action=scopes.VIEW)
    kind = serializers.ChoiceField(choices=LiaisonKind.choices)
    corrects = serializers.IntegerField(required=False, allow_null=True)

    class Meta:
        model = LiaisonEntry
        fields = ["id", "placement", "kind", "occurred_on", "with_whom", "summary",
                  "safeguarding", "corrects", "recorder_organisation", "recorded_at"]
        read_only_fields = ["recorder_organisation", "recorded_at"]

    def to_representation(self, obj: LiaisonEntry) -> dict[str, Any]:
        data = super().to_representation(obj)
        data["corrects"] = obj.corrects_id
        return data


class QualityOutcomeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()
    destination = serializers.ChoiceField(choices=OutcomeDestination.choices)
    end_date = serializers.DateField(required=False, write_only=True)
    end_reason = serializers.CharField(required=False, write_only=True, default="")

    class Meta:
        model = PlacementOutcome
        fields = ["id", "placement", "destination", "destination_note", "end_date",
                  "end_reason", "follow_up_due", "followed_up_on", "follow_up_result",
                  "follow_up_note"]
        read_only_fields = ["follow_up_due", "followed_up_on", "follow_up_result",
                            "follow_up_note"]


class QualityFollowUpSerializer(serializers.Serializer):  # type: ignore[type-arg]
    followed_up_on = serializers.DateField()
    result = serializers.ChoiceField(choices=FollowUpResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class QualityNoticeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()

    class Meta:
        model = OffSiteNotice
        fields = ["id", "placement", "parent_name", "given_on", "first_day", "number_of_days",
                  "reasons", "session_times", "contact", "notice_by", "la_notified_on"]
        read_only_fields = ["first_day", "notice_by", "la_notified_on"]


class QualityOffSiteReviewRequestSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()
    requested_by = serializers.ChoiceField(choices=ReviewRequester.choices)

    class Meta:
        model = ReviewRequest
        fields = ["id", "placement", "requested_on", "requested_by", "must_hold",
                  "last_review_on"]
        read_only_fields = ["must_hold", "last_review_on"]


# ---- viewsets -------------------------------------------------------------------------------


class _Base(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[0-9]+"
    ordering = ["-id"]
    model: Any = None

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.for_user(self.request.user)

    def _created(self, obj: Any) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class ProviderCheckViewSet(_Base):
    """Due-diligence checks of providers by commissioners (LAs and schools), each for the
    caller's own organisation."""

    model = ProviderCheck
    serializer_class = QualityProviderCheckSerializer
    queryset = ProviderCheck.objects.none()
    write_roles = scopes.LA_ROLES | scopes.SCHOOL_ROLES

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if d["kind"] not in CheckKind.values or d["outcome"] not in CheckOutcome.values:
            raise serializers.ValidationError("Unknown kind or outcome.")
        check = services.check_record(actor=request.user, **d)
        return self._created(check)


class ProviderStatusViewSet(_Base):
    """LA decisions on providers' status (approved, conditional, suspended) with reasons."""

    model = ProviderStatusDecision
    serializer_class = QualityProviderStatusSerializer
    queryset = ProviderStatusDecision.objects.none()
    write_roles = scopes.LA_ROLES

    def get_queryset(self) -> QuerySet[Any]:
        providers = Establishment.objects.for_user(self.request.user)
        return ProviderStatusDecision.objects.filter(provider__in=providers)

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._created(services.provider_status_set(actor=request.user,
                                                          **ser.validated_data))


class RegistrationAlertViewSet(_Base):
    """Unregistered providers that must register as an independent school (ESA 2008 s92)."""

    model = RegistrationAlert
    serializer_class = QualityRegistrationAlertSerializer
    queryset = RegistrationAlert.objects.none()
    http_method_names = ["get", "head", "options"]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["visible_placements"] = set(Placement.objects.for_user(self.request.user)
                                            .values_list("pk", flat=True))
        return context


class AgreementViewSet(_Base):
    """Placement agreements; POST records or replaces one (send ``version`` to replace)."""

    model = PlacementAgreement
    serializer_class = QualityAgreementSerializer
    queryset = PlacementAgreement.objects.none()

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        placement = d.pop("placement")
        agreement = services.agreement_save(actor=request.user, placement=placement, **d)
        return self._created(agreement)


class ReviewViewSet(_Base):
    """Placement reviews; ``GET due/`` lists reviews due soon or overdue."""

    model = PlacementReview
    serializer_class = QualityReviewSerializer
    queryset = PlacementReview.objects.none()

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        progress = {p["objective"]: (p["progress"], p["note"]) for p in d.pop("progress", [])}
        review = services.review_record(actor=request.user, placement=d.pop("placement"),
                                        progress=progress, **d)
        return self._created(review)

    @action(detail=False, methods=["get"])
    def due(self, request: Request) -> Response:
        rows = selectors.reviews_due(user=request.user)
        return Response([{"placement": r.placement.pk, "last_review": r.last_review,
                          "due": r.due, "overdue": r.overdue} for r in rows])


class LiaisonViewSet(_Base):
    """Liaison records (append-only; safeguarding entries only for DSL roles); filter with
    ``?learner=ID``. Providers may add records about their own placements."""

    model = LiaisonEntry
    serializer_class = QualityLiaisonSerializer
    queryset = LiaisonEntry.objects.none()
    write_roles = None  # every role; the placement's scope decides

    def get_queryset(self) -> QuerySet[Any]:
        qs = LiaisonEntry.objects.for_user(self.request.user)
        learner = self.request.query_params.get("learner")
        return qs.filter(placement__learner_id=learner) if learner and learner.isdigit() else qs

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        corrects = d.pop("corrects", None)
        if corrects is not None:
            corrects = LiaisonEntry.objects.for_user(request.user).filter(pk=corrects).first()
            if corrects is None:
                raise NotFound("No such liaison record in your scope.")
        entry = services.liaison_record(actor=request.user, placement=d.pop("placement"),
                                        corrects=corrects, **d)
        return self._created(entry)


class OutcomeViewSet(_Base):
    """Destinations after placements; ``POST {id}/follow-up/`` records the six-month check."""

    model = PlacementOutcome
    serializer_class = QualityOutcomeSerializer
    queryset = PlacementOutcome.objects.none()

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        return self._created(services.outcome_record(actor=request.user,
                                                     placement=d.pop("placement"), **d))

    @action(detail=True, methods=["post"], url_path="follow-up",
            serializer_class=QualityFollowUpSerializer)
    def follow_up(self, request: Request, pk: Any = None) -> Response:
        outcome = PlacementOutcome.objects.for_user(request.user, scopes.CHANGE).filter(
            pk=pk).first()
        if outcome is None:
            raise NotFound()
        ser = QualityFollowUpSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.follow_up_record(actor=request.user, outcome=outcome, **ser.validated_data)
        return Response(QualityOutcomeSerializer(PlacementOutcome.objects.get(pk=outcome.pk),
                                          context=self.get_serializer_context()).data)


class NoticeViewSet(_Base):
    """Notices of off-site directions (2 school days before the first day)."""

    model = OffSiteNotice
    serializer_class = QualityNoticeSerializer
    queryset = OffSiteNotice.objects.none()

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        return self._created(services.off_site_notice_record(
            actor=request.user, placement=d.pop("placement"), **d))


class ReviewRequestViewSet(_Base):
    """Requests for a review of an off-site direction (the 10-week rule)."""

    model = ReviewRequest
    serializer_class = QualityOffSiteReviewRequestSerializer
    queryset = ReviewRequest.objects.none()

    def create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        return self._created(services.review_request_record(
            actor=request.user, placement=d.pop("placement"), **d))


ROUTES = [
    ("quality/provider-checks", ProviderCheckViewSet, "quality-provider-check"),
    ("quality/provider-statuses", ProviderStatusViewSet, "quality-provider-status"),
    ("quality/registration-alerts", RegistrationAlertViewSet, "quality-registration-alert"),
    ("quality/agreements", AgreementViewSet, "quality-agreement"),
    ("quality/reviews", ReviewViewSet, "quality-review"),
    ("quality/review-requests", ReviewRequestViewSet, "quality-review-request"),
    ("quality/off-site-notices", NoticeViewSet, "quality-off-site-notice"),
    ("quality/liaison", LiaisonViewSet, "quality-liaison"),
    ("quality/outcomes", OutcomeViewSet, "quality-outcome"),
]


def register(router: Any) -> None:
    """Add the quality endpoints to the API's router (aptrack/api/urls.py)."""
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
