"""Property-based tests from the OpenAPI document (schemathesis): the document the live app
serves at /api/v1/schema/ drives requests into the real Django app (WSGI, real database, real
bearer tokens of the test world's users). For every operation, GET and writes alike: no answer is
a server error (5xx), every status code, content type, header and body is the one the document
describes.

Bounded: a few examples per operation (``APTRACK_SCHEMATHESIS_EXAMPLES``, default 8), no
deadline per example, and no Hypothesis example database, so a run is the same on every machine.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

EXAMPLES = int(os.environ.get("APTRACK_SCHEMATHESIS_EXAMPLES", "8"))
# The same examples on every run (CI cannot flake); APTRACK_SCHEMATHESIS_RANDOM=1 explores anew.
DERANDOMIZE = os.environ.get("APTRACK_SCHEMATHESIS_RANDOM", "") != "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
# The roles the operations are run as: an LA officer (the widest scope, every write of an LA), a
# school DSL (a commissioner's writes) and a provider's staff (the narrowest scope).
ROLES = ["la_officer", "school_dsl", "provider_staff"]


class InTestTransaction:
    """Django's WSGI app for calls inside a test's transaction: like django.test.Client, it
    keeps Django from closing the test's database connection at the start and end of each
    request (``close_old_connections``), and it reads the answer before the test goes on."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.answers: Counter[tuple[str, int]] = Counter()  # (method, status): how many

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        def started(status: str, headers: Any, *args: Any) -> Any:
            self.answers[environ["REQUEST_METHOD"], int(status.split()[0])] += 1
            return start_response(status, headers, *args)

        try:
            response = self.handler(environ, started)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    """Hypothesis examples of one operation in one mode, each sent and checked."""
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                         derandomize=DERANDOMIZE,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def examples(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    examples()


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_to_its_document(api: Any, settings: Any, role: str) -> None:
    """Every operation of the served document, as each role, with data that fits the document
    (positive) and data that does not (negative: it must be refused with a 4xx)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.APTRACK_API = {**settings.APTRACK_API, "RATE_PER_TOKEN": "1000000/minute"}
    app = InTestTransaction()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a part of the document that cannot be used
            failures.append(f"{result.err()}")
            continue
        operation = result.ok()
        if operation.path.endswith("/schema/"):
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, headers)
            except (Exception, BaseExceptionGroup) as exc:  # every operation is reported
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
    assert operations >= 40
    print(role, sorted(app.answers.items()))  # noqa: T201 - shown with pytest -s
    # the examples reached records and made some, not only refusals
    assert app.answers["GET", 200] >= operations and app.answers["POST", 201] >= 1
