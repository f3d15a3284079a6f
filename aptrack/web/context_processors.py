"""Template context every page needs."""

from typing import Any

from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, Any]:
    """The service name shown in the header and page titles."""
    return {"service_name": "AP Track"}
