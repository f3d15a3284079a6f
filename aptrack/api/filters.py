"""Filters on the fields users search by: UPN, URN, dates, status, reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters as df
from django.db.models import Q

from aptrack.directory.models import Establishment, Site
from aptrack.learners.models import Enrolment, Exclusion, Learner
from aptrack.placements.models import Placement


class LearnerFilter(df.FilterSet):
    upn = df.CharFilter(method="filter_upn", help_text="Exact UPN (either case).")
    family_name = df.CharFilter(lookup_expr="icontains")
    home_la = df.CharFilter(field_name="home_la__code", help_text="3-digit LA code.")

    class Meta:
        model = Learner
        fields = ["upn", "family_name", "date_of_birth", "home_la", "looked_after",
                  "sen_provision"]

    def filter_upn(self, qs: Any, name: str, value: str) -> Any:
        return qs.filter(upn=value.strip().upper())


class EstablishmentFilter(df.FilterSet):
    la_code = df.CharFilter(field_name="la__code")
    name = df.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Establishment
        fields = ["urn", "ukprn", "kind", "la_code", "status", "name"]


class SiteFilter(df.FilterSet):
    class Meta:
        model = Site
        fields = ["establishment", "postcode"]


class EnrolmentFilter(df.FilterSet):
    current = df.BooleanFilter(method="filter_current",
                               help_text="On roll today (true) or not (false).")
    upn = df.CharFilter(field_name="learner__upn")

    class Meta:
        model = Enrolment
        fields = ["learner", "establishment", "status", "current", "upn"]

    def filter_current(self, qs: Any, name: str, value: bool) -> Any:
        today = date.today()
        on = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        return qs.filter(on) if value else qs.exclude(on)


class ExclusionFilter(df.FilterSet):
    first_day_from = df.DateFilter(field_name="first_day", lookup_expr="gte")
    first_day_to = df.DateFilter(field_name="first_day", lookup_expr="lte")
    upn = df.CharFilter(field_name="learner__upn")

    class Meta:
        model = Exclusion
        fields = ["learner", "school", "category", "status", "upn"]


class PlacementFilter(df.FilterSet):
    start_from = df.DateFilter(field_name="start_date", lookup_expr="gte")
    start_to = df.DateFilter(field_name="start_date", lookup_expr="lte")
    provision_due_by_to = df.DateFilter(field_name="provision_due_by", lookup_expr="lte")
    upn = df.CharFilter(field_name="learner__upn")
    provider_urn = df.CharFilter(field_name="provider__urn")

    class Meta:
        model = Placement
        fields = ["learner", "provider", "status", "reason", "tier", "upn", "provider_urn"]
