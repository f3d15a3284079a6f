"""Attendance through the API: record marks (all or nothing), list marks and alerts,
acknowledge alerts, and a learner's summary. Calls aptrack.attendance's service and selectors."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters as df
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aptrack.accounts.scopes import PROVIDER_ROLES, SCHOOL_ROLES
from aptrack.attendance import selectors as attendance_selectors
from aptrack.attendance import services as attendance_services
from aptrack.attendance.models import Alert, AttendanceMark
from aptrack.directory.models import Establishment

from . import serializers as s
from .base import idempotent
from .errors import ItemErrors, RequestTooLarge
from .views import IDEMPOTENCY_KEY, READ_ERRORS, ApiViewSet, detail, errors_for


class MarkFilter(df.FilterSet):
    date_from = df.DateFilter(field_name="date", lookup_expr="gte")
    date_to = df.DateFilter(field_name="date", lookup_expr="lte")
    upn = df.CharFilter(field_name="learner__upn")

    class Meta:
        model = AttendanceMark
        fields = ["learner", "setting", "session", "code", "category", "needs_review", "upn",
                  "date_from", "date_to"]


class AlertFilter(df.FilterSet):
    open = df.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull",
                            help_text="Not yet acknowledged (true) or acknowledged (false).")
    date_from = df.DateFilter(field_name="date", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["kind", "learner", "setting", "open", "date_from"]


@extend_schema(tags=["attendance"])
class MarkViewSet(mixins.ListModelMixin, ApiViewSet):
    """Register marks of learners in your scope (providers: their own setting's)."""

    queryset = AttendanceMark.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.AttendanceMarkSerializer
    filterset_class = MarkFilter
    ordering_fields = ["date", "recorded_at"]
    ordering = ["date", "session", "learner_id", "id"]
    write_roles = SCHOOL_ROLES | PROVIDER_ROLES  # the register is kept by the setting's staff

    def get_queryset(self) -> Any:
        return attendance_selectors.mark_list(actor=self.request.user)

    @extend_schema(responses={200: s.AttendanceMarkSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], request=s.MarkInSerializer(many=True),
        responses={200: s.MarksRecordedSerializer,
                   400: OpenApiResponse(s.MarksInvalidSerializer,
                                        description="Nothing was recorded: one error per bad "
                                                    "item (index, field, reason)."),
                   **errors_for(401, 403, 409, 413, 422, 429)})
    def create(self, request: Request) -> Response:
        """Record marks all or nothing. A changed code for an existing mark is an amendment
        (give ``reason``); sending the same marks again changes nothing."""
        return idempotent(request, lambda: self._record(request))

    def _record(self, request: Request) -> Response:
        marks = request.data
        if not isinstance(marks, list):  # answered in the documented shape (MarksInvalid)
            raise ItemErrors([], "Send a JSON list of marks: [{\"learner\", \"setting\", "
                                 "\"date\", \"session\", \"code\"}, ...].")
        most = settings.APTRACK_API["MAX_MARKS_PER_REQUEST"]
        if len(marks) > most:
            raise RequestTooLarge(f"{len(marks)} marks in one request; the most is {most}.")
        if not marks:
            raise ItemErrors([], "The list of marks is empty.")
        try:
            result = attendance_services.attendance_marks_record(actor=request.user, marks=marks,
                                                                 source="api")
        except attendance_services.MarksInvalid as exc:
            raise ItemErrors(exc.errors, f"{len(exc.errors)} problem(s) with the marks: "
                                         "nothing was recorded.") from None
        return Response(result.as_dict(), status=status.HTTP_200_OK)


@extend_schema(tags=["attendance"])
class AlertViewSet(mixins.ListModelMixin, ApiViewSet):
    """Absence and unmarked-register alerts for the home school and the commissioner."""

    queryset = Alert.objects.none()  # for the schema; reads: get_queryset
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["date", "raised_at"]
    ordering = ["-date", "-session", "id"]

    def get_queryset(self) -> Any:
        return attendance_selectors.alert_list(actor=self.request.user)

    @extend_schema(responses={200: s.AlertSerializer, **READ_ERRORS})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        obj = self.get_object()
        return detail(request, obj, self.get_serializer(obj).data)

    @extend_schema(request=s.AlertAcknowledgeSerializer,
                   responses={200: s.AlertSerializer, **errors_for(400, 401, 403, 404, 429)})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        """Record what was done about the alert."""
        self.get_object()
        ser = s.AlertAcknowledgeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        alert = attendance_services.alert_acknowledge(actor=request.user, alert_id=int(pk),
                                                      **ser.validated_data)
        return detail(request, alert, self.get_serializer(alert).data)


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: ["Give a date as yyyy-mm-dd."]}) from None


def learner_attendance(view: Any, request: Request, pk: Any) -> Response:
    """The learner's attendance summary (INTERFACES.md); the read is audited."""
    learner = view.audited_learner(pk, "learner.attendance_view")
    start, end = _date(request, "from"), _date(request, "to")
    setting = None
    if request.query_params.get("setting"):
        setting = Establishment.objects.for_user(request.user).filter(
            pk=request.query_params["setting"]).first() if request.query_params[
            "setting"].isdigit() else None
        if setting is None:
            raise exceptions.ValidationError({"setting": ["No such setting."]})
    summary = attendance_selectors.attendance_summary(actor=request.user, learner=learner,
                                                      start=start, end=end, setting=setting)
    return Response(summary.as_dict())
