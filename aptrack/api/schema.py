"""OpenAPI description of the bearer-token authentication (loaded by the app's ready())."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "aptrack.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A token from `aptrack issue_token USERNAME` or the account page "
                               "(/account/tokens/)."}


class ApiAutoSchema(AutoSchema):
    """Every operation documents the error answers the API's shared machinery can give it, so
    that a client (and schemathesis) meets no undocumented status: 401 and 429 always; on reads
    404 for a record or a page that is not there and 400 for bad query parameters; on writes
    400, 403, 404 and 413 (the body-size limit); 412 where If-Match is taken; 409 and 422 where
    Idempotency-Key is. What a view documents itself is kept."""

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if not operation or not operation.get("security"):
            return operation
        from .views import ERRORS

        params = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        codes = {401, 429}
        if self.method == "GET":
            if ("query", "page") in params or any(where == "path" for where, _ in params):
                codes.add(404)
            if any(where == "query" for where, _ in params):
                codes.add(400)
        else:
            codes |= {400, 403, 404, 413}
        if ("header", "If-Match") in params:
            codes.add(412)
        if ("header", "Idempotency-Key") in params:
            codes |= {409, 422}
        responses = operation["responses"]
        for code in codes:
            responses.setdefault(str(code), {"description": ERRORS[code].description})
        operation["responses"] = dict(sorted(responses.items()))
        return operation


# Integer limits that Django derives from the database backend (SQLite: 64-bit for every
# integer column; PostgreSQL: by column type). They are storage facts, not API rules, and would
# make the document depend on the database it was generated with.
_BACKEND_MAXIMA = {32767, 2147483647, 9223372036854775807}
_BACKEND_MINIMA = {-32768, -2147483648, -9223372036854775808}


def drop_database_integer_bounds(result: Any, generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular postprocessing hook: the same document on SQLite and PostgreSQL."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("maximum") in _BACKEND_MAXIMA:
                del node["maximum"]
                if node.get("format") == "int64":
                    del node["format"]
            if node.get("minimum") in _BACKEND_MINIMA:
                del node["minimum"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
