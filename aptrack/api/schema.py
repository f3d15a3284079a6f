"""OpenAPI description of the bearer-token authentication (loaded by the app's ready())."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "aptrack.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer",
                "description": "A token from `aptrack issue_token USERNAME` or the account page "
                               "(/account/tokens/)."}


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
