"""Authentication backends: the sign-in lockout (django-axes) in front of Django's own."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuse sign-in while the username or address is locked out (5 failures, 30 minutes).

    Authentication without a request (the command line, Django's test client ``login``) comes
    from no network address and is not counted; every web sign-in passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
