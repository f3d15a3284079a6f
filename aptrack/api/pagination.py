"""Pagination as INTERFACES.md says: ``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Pages of ``PAGE_SIZE`` items; ``?page_size=`` up to ``MAX_PAGE_SIZE`` (400 above it)."""

    page_size_query_param = "page_size"

    def get_page_size(self, request: Any) -> int:
        limits = settings.APTRACK_API
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(limits["PAGE_SIZE"])
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError({"page_size": ["Give a whole number."]}) from None
        if not 1 <= size <= limits["MAX_PAGE_SIZE"]:
            raise exceptions.ValidationError(
                {"page_size": [f"Give a page size from 1 to {limits['MAX_PAGE_SIZE']}."]})
        return size

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["count", "next", "previous", "results"]
        return result
