"""API endpoints. Thin: check input types, call a service (writes) or start from the user's scope
(reads), shape the answer. Out of scope is 404; every read of a learner's record is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aptrack.accounts import audit
from aptrack.accounts.choices import OrganisationKind
from aptrack.accounts.scopes import CHANGE
from aptrack.directory.models import Establishment, Site
from aptrack.learners import services as learner_services
from aptrack.learners.choices import EnrolmentStatus
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements import services as placement_services
from aptrack.placements.choices import CommissionerKind, Status
from aptrack.placements.models import Placement

from . import filters
from . import serializers as s
from . import services as api_services
from .base import ApiViewMixin, etag_of, idempotent, if_match, not_modified
from .models import WebhookDelivery, WebhookSubscription

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="The ETag from your last read: the change is refused (412) if the record has "
                "changed since.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID): a retry with the same key and body returns "
                "the first answer and writes nothing more (kept 24 hours).")
ERRORS = {
    400: OpenApiResponse(description="The request has errors (`errors` names each)."),
    401: OpenApiResponse(description="No valid token."),
    403: OpenApiResponse(description="Read-only token, or your role cannot do this."),
    404: OpenApiResponse(description="No such record in your scope."),
    409: OpenApiResponse(description="A request with this Idempotency-Key is still running."),
    412: OpenApiResponse(description="If-Match does not match the record's ETag."),
    413: OpenApiResponse(description="The request body is too large."),
    422: OpenApiResponse(description="This Idempotency-Key was used with another body."),
    429: OpenApiResponse(description="Too many requests with this token: see Retry-After."),
}


SUMMARY_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: all)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default: all)."),
    OpenApiParameter("setting", OpenApiTypes.INT,
                     description="One setting's register only (default: across registers)."),
]


def errors_for(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


READ_ERRORS = errors_for(401, 404, 429)
WRITE_ERRORS = errors_for(400, 401, 403, 404, 409, 413, 422, 429)
PATCH_ERRORS = errors_for(400, 401, 403, 404, 412, 413, 429)


def detail(request: Request, obj: Model, data: Any, code: int = 200) -> Response:
    """A record with its ETag (304 when If-None-Match already has it)."""
    tag = etag_of(obj, data)
    if code == 200 and not_modified(request, tag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})
    return Response(data, status=code, headers={"ETag": tag})


def in_scope(model: type[Model], pk: Any, user: Any) -> None:
    """After a write: the record must still be in the writer's scope, or nothing is written."""
    if not model.objects.for_user(user).filter(pk=pk).exists():  # type: ignore[attr-defined]
        raise ValidationError(f"The {model._meta.verbose_name} would be outside your scope, so "
                              "it was not saved.")


class ApiViewSet(ApiViewMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


# --- Directory -------------------------------------------------------------------------------

@extend_schema(tags=["directory"], responses={200: s.EstablishmentSerializer, **READ_ERRORS})
class EstablishmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Schools, PRUs, AP academies and free schools, AP providers and post-16 providers.
    ``kind`` is the provider vocabulary of aptrack.rules, or ``other``."""

    queryset = Establishment.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.EstablishmentSerializer
    filterset_class = filters.EstablishmentFilter
    ordering_fields = ["name", "urn", "ukprn", "kind"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Establishment]:
        return Establishment.objects.for_user(self.request.user).select_related("la")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)


@extend_schema(tags=["directory"], responses={200: s.SiteSerializer, **READ_ERRORS})
class SiteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The addresses where learners attend, including subcontracted sites."""

    queryset = Site.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.SiteSerializer
    filterset_class = filters.SiteFilter
    ordering_fields = ["name", "postcode"]
    ordering = ["establishment_id", "id"]

    def get_queryset(self) -> QuerySet[Site]:
        return Site.objects.filter(
            establishment__in=Establishment.objects.for_user(self.request.user))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)


# --- Learners --------------------------------------------------------------------------------

class LearnerCreateSerializer(s.LearnerSerializer):
    enrol_at = serializers.PrimaryKeyRelatedField(
        queryset=Establishment.objects.all(), required=False, write_only=True,
        help_text="The school whose roll the learner joins (school users: your school, the "
                  "default).")
    enrolled_from = serializers.DateField(required=False, write_only=True,
                                          help_text="First day on roll (default today).")

    class Meta(s.LearnerSerializer.Meta):
        fields = [*s.LearnerSerializer.Meta.fields, "enrol_at", "enrolled_from"]


@extend_schema(tags=["learners"])
class LearnerViewSet(mixins.ListModelMixin, ApiViewSet):
    """Learners in your scope. Reading one learner is recorded in the audit trail."""

    queryset = Learner.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.LearnerSerializer
    filterset_class = filters.LearnerFilter
    ordering_fields = ["family_name", "given_name", "date_of_birth", "upn", "updated_at"]
    ordering = ["family_name", "given_name", "id"]

    def get_queryset(self) -> QuerySet[Learner]:
        return Learner.objects.for_user(self.request.user).select_related("home_la")

    def get_serializer_class(self) -> type[serializers.Serializer]:  # type: ignore[type-arg]
        return LearnerCreateSerializer if self.action == "create" else s.LearnerSerializer

    def audited_learner(self, pk: Any, action_name: str = "learner.view") -> Learner:
        try:
            learner = self.get_queryset().get(pk=pk)
        except Learner.DoesNotExist:
            audit.denied(self.request, object_type="learner", object_id=pk, via="api")
            raise exceptions.NotFound() from None
        audit.record(actor=self.request.user, action=action_name, obj=learner,
                     learner_id=learner.pk, changes={"via": "api"})
        return learner

    @extend_schema(responses={200: s.LearnerSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        learner = self.audited_learner(pk)
        return detail(request, learner, s.LearnerSerializer(learner).data)

    @extend_schema(parameters=SUMMARY_PARAMETERS,
                   responses={200: s.AttendanceSummarySerializer, **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def attendance(self, request: Request, pk: Any = None) -> Response:
        """The learner's attendance summary over a period (rates are fractions, null when no
        session was possible); reading it is audited."""
        from .attendance_views import learner_attendance

        return learner_attendance(self, request, pk)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], request=LearnerCreateSerializer,
                   responses={201: s.LearnerSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        ser = LearnerCreateSerializer(data=request.data, context=self.get_serializer_context())
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        enrol_at = data.pop("enrol_at", None)
        enrolled_from = data.pop("enrolled_from", None) or date.today()
        org = getattr(request.user, "organisation", None)
        if enrol_at is None and org is not None and org.kind == OrganisationKind.SCHOOL:
            enrol_at = org.establishment
        with transaction.atomic():
            learner = learner_services.learner_create(actor=request.user, **data)
            if enrol_at is not None:
                learner_services.enrolment_start(actor=request.user, learner=learner,
                                                 establishment=enrol_at,
                                                 start_date=enrolled_from,
                                                 status=EnrolmentStatus.SINGLE)
            in_scope(Learner, learner.pk, request.user)
        out = s.LearnerSerializer(learner).data
        response = detail(request, learner, out, status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{learner.pk}/"
        return response

    @extend_schema(parameters=[IF_MATCH], request=s.LearnerSerializer,
                   responses={200: s.LearnerSerializer, **PATCH_ERRORS})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        learner = self.get_object()
        version = learner.version if if_match(request, etag_of(learner)) else None
        ser = s.LearnerSerializer(learner, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        updated = learner_services.learner_update(actor=request.user, learner=learner,
                                                  version=version, **ser.validated_data)
        return detail(request, updated, s.LearnerSerializer(updated).data)


# --- Enrolments and exclusions ----------------------------------------------------------------

@extend_schema(tags=["learners"], responses={200: s.EnrolmentSerializer, **READ_ERRORS})
class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Learners' places on school rolls (single, dual main, dual subsidiary)."""

    queryset = Enrolment.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.EnrolmentSerializer
    filterset_class = filters.EnrolmentFilter
    ordering_fields = ["start_date", "end_date"]
    ordering = ["learner_id", "start_date", "id"]

    def get_queryset(self) -> QuerySet[Enrolment]:
        return Enrolment.objects.for_user(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)


class ExclusionFinalSerializer(serializers.Serializer):  # type: ignore[type-arg]
    final_on = serializers.DateField()


@extend_schema(tags=["learners"])
class ExclusionViewSet(mixins.ListModelMixin, ApiViewSet):
    """Suspensions and permanent exclusions (not shown to providers)."""

    queryset = Exclusion.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.ExclusionSerializer
    filterset_class = filters.ExclusionFilter
    ordering_fields = ["first_day"]
    ordering = ["-first_day", "id"]

    def get_queryset(self) -> QuerySet[Exclusion]:
        return Exclusion.objects.for_user(self.request.user)

    @extend_schema(responses={200: s.ExclusionSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    @extend_schema(parameters=[IDEMPOTENCY_KEY],
                   responses={201: s.ExclusionSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        exclusion = learner_services.exclusion_record(actor=request.user, **ser.validated_data)
        response = detail(request, exclusion, self.get_serializer(exclusion).data,
                          status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{exclusion.pk}/"
        return response

    def _changeable(self, pk: Any) -> Exclusion:
        self.get_object()  # 404 when not even visible
        return Exclusion.objects.for_user(self.request.user, CHANGE).get(pk=pk)

    @extend_schema(request=ExclusionFinalSerializer,
                   responses={200: s.ExclusionSerializer, **PATCH_ERRORS})
    @action(detail=True, methods=["post"])
    def final(self, request: Request, pk: Any = None) -> Response:
        """A permanent exclusion becomes final: the learner leaves the school's roll."""
        exclusion = self._changeable(pk)
        if_match(request, etag_of(exclusion, self.get_serializer(exclusion).data))
        ser = ExclusionFinalSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        done = learner_services.exclusion_make_final(actor=request.user, exclusion=exclusion,
                                                     final_on=ser.validated_data["final_on"])
        return detail(request, done, self.get_serializer(done).data)

    @extend_schema(request=None, responses={200: s.ExclusionSerializer, **PATCH_ERRORS})
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: Any = None) -> Response:
        """The governing board overturns a pending permanent exclusion."""
        exclusion = self._changeable(pk)
        if_match(request, etag_of(exclusion, self.get_serializer(exclusion).data))
        done = learner_services.exclusion_reinstate(actor=request.user, exclusion=exclusion)
        return detail(request, done, self.get_serializer(done).data)


# --- Placements ------------------------------------------------------------------------------

FIXED_ONCE_COMMISSIONED = ("learner", "provider", "commissioner_kind", "reason", "start_date",
                           "exclusion")
END_FIELDS = ("end_date", "end_reason", "destination")


def _commissioner(user: Any, kind: str | None) -> dict[str, Any]:
    """The commissioning body is the user's own organisation."""
    org = getattr(user, "organisation", None)
    if org is None:
        raise ValidationError({"commissioner": "Only a member of an LA, school or post-16 "
                                               "provider can commission a placement."})
    own = {OrganisationKind.LOCAL_AUTHORITY: CommissionerKind.LOCAL_AUTHORITY,
           OrganisationKind.SCHOOL: CommissionerKind.SCHOOL,
           OrganisationKind.POST16_PROVIDER: CommissionerKind.POST16_PROVIDER}.get(org.kind)
    if own is None or (kind and kind != own):
        raise ValidationError({"commissioner": f"Your organisation commissions as "
                                               f"{own or 'nobody'}, not {kind}."})
    if own == CommissionerKind.LOCAL_AUTHORITY:
        return {"commissioner_kind": own, "commissioning_la": org.la}
    return {"commissioner_kind": own, "commissioning_establishment": org.establishment}


@extend_schema(tags=["placements"])
class PlacementViewSet(mixins.ListModelMixin, ApiViewSet):
    """Placements with what the rules decided (responsible body, roll, registration at the
    provider, the home school's code, the day full-time provision is due)."""

    queryset = Placement.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.PlacementSerializer
    filterset_class = filters.PlacementFilter
    ordering_fields = ["start_date", "planned_end_date", "end_date", "provision_due_by",
                       "status"]
    ordering = ["-start_date", "id"]

    def get_queryset(self) -> QuerySet[Placement]:
        return Placement.objects.for_user(self.request.user).select_related("commissioning_la")

    @extend_schema(responses={200: s.PlacementSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    @extend_schema(parameters=[IDEMPOTENCY_KEY],
                   responses={201: s.PlacementSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        for name in END_FIELDS:
            if data.pop(name, None):
                raise ValidationError({name: "Set when the placement ends (PATCH status "
                                             "ended)."})
        data.update(_commissioner(request.user, data.pop("commissioner_kind", None)))
        data.setdefault("status", Status.REFERRED)
        with transaction.atomic():
            placement = placement_services.placement_commission(actor=request.user, **data)
            in_scope(Placement, placement.pk, request.user)
        response = detail(request, placement, self.get_serializer(placement).data,
                          status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{placement.pk}/"
        return response

    @extend_schema(parameters=[IF_MATCH], responses={200: s.PlacementSerializer,
                                                     **PATCH_ERRORS})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        placement = self.get_object()
        version = placement.version if if_match(request, etag_of(placement)) else None
        ser = self.get_serializer(placement, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        if data.pop("override_reason", None):
            raise ValidationError({"override_reason": "Given only when commissioning."})
        fixed = {k: "Fixed once commissioned: cancel this placement and commission another."
                 for k in FIXED_ONCE_COMMISSIONED if k in data and data[k] != getattr(placement, k)}
        if fixed:
            raise ValidationError(fixed)
        for k in FIXED_ONCE_COMMISSIONED:
            data.pop(k, None)
        new_status = data.pop("status", None)
        ending = {k: data.pop(k) for k in END_FIELDS if k in data}
        with transaction.atomic():
            updated = placement_services.placement_update(actor=request.user,
                                                          placement=placement,
                                                          version=version, **data)
            if new_status and new_status != updated.status:
                updated = self._move(request.user, updated, new_status, ending)
            elif ending:
                raise ValidationError({"status": "To end a placement set status to ended with "
                                                 "end_date, end_reason and destination."})
        return detail(request, updated, self.get_serializer(updated).data)

    @staticmethod
    def _move(actor: Any, placement: Placement, to: str, ending: dict[str, Any]) -> Placement:
        moves: dict[str, Callable[..., Placement]] = {
            Status.AGREED: placement_services.placement_agree,
            Status.ACTIVE: placement_services.placement_start,
            Status.CANCELLED: placement_services.placement_cancel,
        }
        if to in moves:
            return moves[to](actor=actor, placement=placement)
        if to == Status.ENDED:
            missing = {k: "Needed to end the placement." for k in END_FIELDS if not ending.get(k)}
            if missing:
                raise ValidationError(missing)
            return placement_services.placement_end(actor=actor, placement=placement, **ending)
        raise ValidationError({"status": f"A placement cannot go back to {to}."})


# --- Webhooks --------------------------------------------------------------------------------

@extend_schema(tags=["webhooks"])
class WebhookViewSet(mixins.ListModelMixin, ApiViewSet):
    """Your organisation's webhook subscriptions. Deliveries are signed (X-APTrack-Signature)
    and carry ids only."""

    queryset = WebhookSubscription.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.WebhookSubscriptionSerializer
    write_roles = None  # any role may subscribe its organisation (payloads hold ids only)
    ordering = ["id"]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        user = self.request.user
        if user.organisation_id:
            return WebhookSubscription.objects.filter(owner__organisation=user.organisation_id)
        return WebhookSubscription.objects.filter(owner=user)

    @extend_schema(responses={200: s.WebhookSubscriptionSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    @extend_schema(parameters=[IDEMPOTENCY_KEY], request=s.WebhookSubscriptionSerializer,
                   responses={201: s.WebhookSubscriptionCreatedSerializer, **WRITE_ERRORS})
    def create(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        sub = api_services.webhook_subscribe(actor=request.user, url=ser.validated_data["url"],
                                             events=ser.validated_data["events"])
        response = detail(request, sub, s.WebhookSubscriptionCreatedSerializer(sub).data,
                          status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{sub.pk}/"
        return response

    @extend_schema(parameters=[IF_MATCH], responses={200: s.WebhookSubscriptionSerializer,
                                                     **PATCH_ERRORS})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        with transaction.atomic():
            sub = self.get_queryset().select_for_update().get(pk=pk) if str(pk).isdigit() \
                else None
            if sub is None:
                raise exceptions.NotFound()
            if_match(request, etag_of(sub, self.get_serializer(sub).data))
            ser = self.get_serializer(sub, data=request.data, partial=True)
            ser.is_valid(raise_exception=True)
            api_services.webhook_update(actor=request.user, subscription=sub,
                                        **ser.validated_data)
        return detail(request, sub, self.get_serializer(sub).data)

    @extend_schema(responses={204: None, **errors_for(401, 403, 404, 429)})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        api_services.webhook_unsubscribe(actor=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: s.WebhookDeliverySerializer(many=True), **READ_ERRORS})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: Any = None) -> Response:
        """Every delivery of this subscription, newest last, with its status and attempts."""
        sub = self.get_object()
        page = self.paginate_queryset(WebhookDelivery.objects.filter(subscription=sub)
                                      .order_by("id"))
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)
