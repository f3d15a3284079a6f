from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from aptrack.accounts.admin_base import AuditedAdmin

from .models import Closure, Establishment, LocalAuthority, SchoolCalendar, Site, Term


class LaScopedAdmin(AuditedAdmin):
    """LA administrators manage their own LA's part of the directory."""

    la_path = "la"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        org = request.user.organisation
        return qs.filter(**{self.la_path: org.la}) if org and org.la_id else qs.none()


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(LaScopedAdmin):
    la_path = "pk"
    list_display = ["code", "name"]


class SiteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Site
    extra = 0


@admin.register(Establishment)
class EstablishmentAdmin(LaScopedAdmin):
    list_display = ["name", "kind", "urn", "ukprn", "phase", "places", "status"]
    list_filter = ["kind", "phase", "status"]
    search_fields = ["name", "urn", "ukprn"]
    inlines = [SiteInline]


class TermInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Term
    extra = 0


class ClosureInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Closure
    extra = 0


@admin.register(SchoolCalendar)
class SchoolCalendarAdmin(LaScopedAdmin):
    list_display = ["name", "la", "establishment"]
    inlines = [TermInline, ClosureInline]
