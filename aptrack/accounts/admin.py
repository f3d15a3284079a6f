from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .admin_base import AuditedAdmin
from .models import AuditEvent, Organisation, User


def admin_la(request: HttpRequest) -> Any:
    """The LA an administrator manages; None (and so nothing) without an LA organisation."""
    org = getattr(request.user, "organisation", None)
    return org.la if org is not None and org.la_id else None


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "la", "establishment"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        la = admin_la(request)
        if la is None:
            return qs.none()
        return qs.filter(la=la) | qs.filter(establishment__la=la)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Organisation", {"fields": ["organisation", "role"]})]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """LA administrators manage the users of their LA and of its schools and providers."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        la = admin_la(request)
        if la is None:
            return qs.none()
        return qs.filter(organisation__la=la) | qs.filter(organisation__establishment__la=la)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["at", "username", "action", "object_type", "object_id", "learner_id"]
    list_filter = ["action"]
    search_fields = ["username", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
