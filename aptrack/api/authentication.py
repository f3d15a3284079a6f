"""Bearer-token authentication: ``Authorization: Bearer <token>`` (RFC 6750)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Finds the token by its key id, compares the hash in constant time, refuses revoked and
    expired tokens and inactive users, and records when the token was last used."""

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Authorization: Bearer "
                                                  "<token>.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        key_id = ApiToken.parse_key_id(raw)
        token = (ApiToken.objects.select_related("user", "user__organisation")
                 .filter(key_id=key_id).first() if key_id else None)
        if token is None or not token.matches(raw):
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if not token.is_live:
            raise exceptions.AuthenticationFailed("The token has expired or been revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is not active.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
