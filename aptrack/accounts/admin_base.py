"""Admin classes scoped to the administrator's organisation, with audited saves."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import audit


class ScopedReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Personal data in the admin: only rows in the user's scope, and read-only (changes go
    through the services and their pages, where the rules and the audit trail apply)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model.objects.for_user(request.user)  # type: ignore[attr-defined,no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every save and delete made in the admin is written to the audit trail."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action=f"{obj._meta.model_name}.admin_save", obj=obj,
                     changes=audit.diff(before, audit.snapshot(obj)))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
        super().delete_model(request, obj)
