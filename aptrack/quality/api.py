"""The REST API of placement quality and safeguarding, under /api/v1/quality/ (registered on
the API's router by ``register``). Thin like the pages: serializers parse, the services decide
and write. Authentication, pagination, the 401/403 rules and error bodies are the API's
defaults (``REST_FRAMEWORK`` settings); records out of scope are 404, including placements named
in a request body (never "invalid id"), so that existence is never confirmed. Like every API view
(``aptrack.api.base.ApiViewMixin``): the body-size limit, an ETag on every record (If-None-Match
gives 304), If-Match on every change of a record (412 when stale) and Idempotency-Key on every
POST."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from aptrack.accounts import scopes
from aptrack.api.base import ApiViewMixin, etag_of, idempotent, if_match
from aptrack.api.views import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    PATCH_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    detail,
    errors_for,
)
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


AGREEMENT_FIELDS = ("intervention", "reintegration_plan", "reintegration_by", "maximum_weeks",
                    "reporting_arrangements", "learner_views", "parent_views", "agreed_on")


class QualityProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    objective = serializers.IntegerField()
    progress = serializers.ChoiceField(choices=Progress.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class QualityReviewDueSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An active placement whose next review is due soon or overdue."""

    placement = serializers.IntegerField(source="placement.pk")
    last_review = serializers.DateField(allow_null=True,
                                        help_text="When the last review was held (null: none "
                                                  "yet).")
    due = serializers.DateField(help_text="When the next review is due.")
    overdue = serializers.BooleanField(help_text="The due date has passed.")


class QualityReviewSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    placement = PlacementField()
    progress = QualityProgressSerializer(many=True, required=False, write_only=True)
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)

    class Meta:
        model = PlacementReview
        fields = ["id", "placement", "held_on", "attendees", "attendance_percent",
                  "register_from", "register_to", "register_possible", "register_attended",
                  "learner_view", "decision", "notes", "next_review_on", "progress",
                  "recorded_by"]
        read_only_fields = ["recorded_by", "register_from", "register_to",
                            "register_possible", "register_attended"]

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


def documented(view: Any) -> Any:
    """The OpenAPI description of a quality viewset's list, read and create, with the error
    answers they give (as the API's own views describe theirs)."""
    record = view.serializer_class
    methods = {"list": extend_schema(parameters=view.list_parameters,
                                     responses={200: record(many=True), **READ_ERRORS}),
               "retrieve": extend_schema(responses={200: record, **READ_ERRORS})}
    if "post" in view.http_method_names:
        methods["create"] = extend_schema(parameters=[IDEMPOTENCY_KEY],
                                          responses={201: record, **WRITE_ERRORS})
    return extend_schema_view(**methods)(view)


class _Base(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[0-9]+"
    ordering = ["-id"]
    model: Any = None
    list_parameters: list[OpenApiParameter] = []

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.for_user(self.request.user)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    def create(self, request: Request) -> Response:
        # once per Idempotency-Key, as every POST of the API (the docstring is the view's)
        return idempotent(request, lambda: self._create(request))

    #: The service that records a new row from the validated body (``actor`` and fields);
    #: viewsets with more to do before or after override ``_create`` instead.
    record: Any = None

    def _create(self, request: Request) -> Response:
        if self.record is None:
            raise NotImplementedError
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._created(self.record(actor=request.user, **ser.validated_data))

    def _created(self, obj: Any) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        response = detail(self.request, fresh, self.get_serializer(fresh).data,
                          status.HTTP_201_CREATED)
        response["Location"] = f"{self.request.path}{fresh.pk}/"
        return response


@documented
class ProviderCheckViewSet(_Base):
    """Due-diligence checks of providers by commissioners (LAs, schools and post-16
    providers), each for the caller's own organisation."""

    model = ProviderCheck
    serializer_class = QualityProviderCheckSerializer
    queryset = ProviderCheck.objects.none()

    @property
    def write_roles(self) -> set[str]:  # type: ignore[override]
        return {*scopes.LA_ROLES, *scopes.SCHOOL_ROLES,
                *settings.QUALITY["POST16_COMMISSIONER_ROLES"]}

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        if d["kind"] not in CheckKind.values or d["outcome"] not in CheckOutcome.values:
            raise serializers.ValidationError("Unknown kind or outcome.")
        check = services.check_record(actor=request.user, **d)
        return self._created(check)


@documented
class ProviderStatusViewSet(_Base):
    """LA decisions on providers' status (approved, conditional, suspended) with reasons."""

    model = ProviderStatusDecision
    serializer_class = QualityProviderStatusSerializer
    queryset = ProviderStatusDecision.objects.none()
    write_roles = scopes.LA_ROLES

    def get_queryset(self) -> QuerySet[Any]:
        providers = Establishment.objects.for_user(self.request.user)
        return ProviderStatusDecision.objects.filter(provider__in=providers)

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return self._created(services.provider_status_set(actor=request.user,
                                                          **ser.validated_data))


@documented
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


@documented
class AgreementViewSet(_Base):
    """Placement agreements; POST records or replaces one (send ``version`` to replace)."""

    model = PlacementAgreement
    serializer_class = QualityAgreementSerializer
    queryset = PlacementAgreement.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        placement = d.pop("placement")
        agreement = services.agreement_save(actor=request.user, placement=placement, **d)
        return self._created(agreement)

    @extend_schema(parameters=[IF_MATCH], request=QualityAgreementSerializer,
                   responses={200: QualityAgreementSerializer, **PATCH_ERRORS})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Change an agreement: what is sent replaces what is there (``objectives`` replaces the
        list; give an objective's ``id`` to keep it). Send If-Match with the ETag of your read
        (or ``version``): a change saved meanwhile by someone else is refused (412)."""
        agreement = self.get_object()
        version = agreement.version if if_match(request, etag_of(agreement)) else None
        ser = self.get_serializer(agreement, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        if "placement" in d and d.pop("placement").pk != agreement.placement_id:
            raise serializers.ValidationError(
                {"placement": ["An agreement stays with its placement."]})
        sent_version = d.pop("version", None)
        if version is None:
            version = sent_version if sent_version is not None else agreement.version
        elif sent_version is not None and sent_version != version:
            raise serializers.ValidationError(
                {"version": ["Differs from the version of the If-Match ETag."]})
        fields = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS}
        fields["objectives"] = [
            {"id": o.pk, "description": o.description, "target": o.target,
             "target_date": o.target_date} for o in agreement.objectives.all()]
        fields.update(d)
        updated = services.agreement_save(actor=request.user, placement=agreement.placement,
                                          version=version, **fields)
        fresh = self.get_queryset().get(pk=updated.pk)
        return detail(request, fresh, self.get_serializer(fresh).data)


@documented
class ReviewViewSet(_Base):
    """Placement reviews; ``GET due/`` lists reviews due soon or overdue."""

    model = PlacementReview
    serializer_class = QualityReviewSerializer
    queryset = PlacementReview.objects.none()

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        progress = {p["objective"]: (p["progress"], p["note"]) for p in d.pop("progress", [])}
        review = services.review_record(actor=request.user, placement=d.pop("placement"),
                                        progress=progress, **d)
        return self._created(review)

    @extend_schema(responses={200: QualityReviewDueSerializer(many=True), **READ_ERRORS})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def due(self, request: Request) -> Response:
        """Active placements in your scope whose next review is due soon or overdue, soonest
        first (one list, not paged)."""
        rows = selectors.reviews_due(user=request.user)
        return Response(QualityReviewDueSerializer(rows, many=True).data)


@documented
class LiaisonViewSet(_Base):
    """Liaison records (append-only; safeguarding entries only for DSL roles); filter with
    ``?learner=ID``. Providers may add records about their own placements."""

    model = LiaisonEntry
    serializer_class = QualityLiaisonSerializer
    queryset = LiaisonEntry.objects.none()
    write_roles = None  # every role; the placement's scope decides

    list_parameters = [OpenApiParameter("learner", OpenApiTypes.INT,
                                        description="Only this learner's records.")]

    def get_queryset(self) -> QuerySet[Any]:
        qs = LiaisonEntry.objects.for_user(self.request.user)
        learner = self.request.query_params.get("learner")
        if not learner:
            return qs
        if not (learner.isascii() and learner.isdigit()):
            raise serializers.ValidationError({"learner": ["Give a learner's id (a number)."]})
        return qs.filter(placement__learner_id=int(learner))

    def _create(self, request: Request) -> Response:
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


@documented
class OutcomeViewSet(_Base):
    """Destinations after placements; ``POST {id}/follow-up/`` records the six-month check."""

    model = PlacementOutcome
    serializer_class = QualityOutcomeSerializer
    queryset = PlacementOutcome.objects.none()
    record = staticmethod(services.outcome_record)

    @extend_schema(parameters=[IF_MATCH, IDEMPOTENCY_KEY], request=QualityFollowUpSerializer,
                   responses={200: QualityOutcomeSerializer,
                              **errors_for(400, 401, 403, 404, 409, 412, 413, 422, 429)})
    @action(detail=True, methods=["post"], url_path="follow-up",
            serializer_class=QualityFollowUpSerializer)
    def follow_up(self, request: Request, pk: Any = None) -> Response:
        """Record the six-month follow-up; send If-Match with the outcome's ETag so that a
        follow-up recorded meanwhile by someone else is not overwritten (412)."""
        return idempotent(request, lambda: self._follow_up(request, pk))

    def _follow_up(self, request: Request, pk: Any) -> Response:
        self.get_object()  # 404 when not even visible
        outcome = PlacementOutcome.objects.for_user(request.user, scopes.CHANGE).filter(
            pk=pk).first()
        if outcome is None:
            raise NotFound()
        context = self.get_serializer_context()
        if_match(request, etag_of(outcome, QualityOutcomeSerializer(outcome,
                                                                    context=context).data))
        ser = QualityFollowUpSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.follow_up_record(actor=request.user, outcome=outcome, **ser.validated_data)
        done = PlacementOutcome.objects.get(pk=outcome.pk)
        return detail(request, done, QualityOutcomeSerializer(done, context=context).data)


@documented
class NoticeViewSet(_Base):
    """Notices of off-site directions (2 school days before the first day)."""

    model = OffSiteNotice
    serializer_class = QualityNoticeSerializer
    queryset = OffSiteNotice.objects.none()
    record = staticmethod(services.off_site_notice_record)


@documented
class ReviewRequestViewSet(_Base):
    """Requests for a review of an off-site direction (the 10-week rule)."""

    model = ReviewRequest
    serializer_class = QualityOffSiteReviewRequestSerializer
    queryset = ReviewRequest.objects.none()
    record = staticmethod(services.review_request_record)


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
