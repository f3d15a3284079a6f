"""Who may do what through the API: signed in (401), token allows writes and role allows the
action (403). Which records is decided by the scopes (out of scope: 404)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from aptrack.accounts.scopes import WRITER_ROLES

from .models import ApiToken


class RoleAndTokenPermission(permissions.BasePermission):
    """Reads need any signed-in user; writes need a token that is not read-only and a role in
    the view's ``write_roles`` (default: the roles that may change records, scopes.WRITER_ROLES;
    ``None`` means every role)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            raise exceptions.NotAuthenticated()
        if request.method in permissions.SAFE_METHODS:
            return True
        if isinstance(request.auth, ApiToken) and request.auth.read_only:
            raise exceptions.PermissionDenied("This token is read-only.")
        roles = getattr(view, "write_roles", WRITER_ROLES)
        if roles is None or user.is_superuser or user.role in roles:
            return True
        raise exceptions.PermissionDenied("Your role cannot make this change.")
