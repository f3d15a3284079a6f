"""The schema: served at /api/v1/schema/, kept in docs/api/openapi.yaml (a test fails when they
differ), valid OpenAPI 3, and every answer of the API conforms to it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

DOC = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
REGENERATE = ("aptrack spectacular --urlconf aptrack.api.schema_urls "
              "--file docs/api/openapi.yaml --validate --fail-on-warn")


def test_served_schema_is_the_documented_one(client: Any) -> None:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    served = response.json()
    assert served == yaml.safe_load(DOC.read_text()), (
        f"docs/api/openapi.yaml is out of date: run `{REGENERATE}`")
    as_yaml = client.get("/api/v1/schema/?format=yaml")
    assert yaml.safe_load(as_yaml.content) == served


def test_schema_is_valid_openapi_and_describes_the_interfaces() -> None:
    doc = yaml.safe_load(DOC.read_text())
    validate_schema(doc)
    for path in ["/api/v1/learners/", "/api/v1/learners/{id}/", "/api/v1/establishments/",
                 "/api/v1/placements/", "/api/v1/placements/{id}/"]:
        assert path in doc["paths"], path
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    placement = doc["components"]["schemas"]["Placement"]["properties"]
    for name in ["learner", "provider", "commissioner", "reason", "tier", "status",
                 "start_date", "planned_end_date", "end_date", "hours_per_week", "responsible",
                 "remains_on_roll", "registration_at_provider", "home_school_code",
                 "provision_due_by"]:
        assert name in placement, name


def _jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "$ref" in out or "allOf" in out or "oneOf" in out:
            return {"anyOf": [{k: v for k, v in out.items()}, {"type": "null"}]}
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _response_schema(doc: dict[str, Any], path: str, method: str, code: int) -> dict[str, Any]:
    operation = doc["paths"][path][method]
    schema = operation["responses"][str(code)]["content"]["application/json"]["schema"]
    converted = _jsonschema(copy.deepcopy(schema))
    converted["components"] = _jsonschema(copy.deepcopy(doc["components"]))
    return converted


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    """OpenAPI 3.0 keeps draft-4 ``exclusiveMaximum`` (a boolean): validate as draft 4."""
    jsonschema.Draft4Validator(schema).validate(instance)


def _template(doc: dict[str, Any], url: str) -> str:
    for path in doc["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[0-9]+", path), url):
            return path
    raise AssertionError(f"{url} is not in the schema")


@pytest.mark.parametrize("role", ["la_officer", "school_dsl", "provider_staff",
                                  "other_provider_staff"])
def test_every_answer_conforms_to_the_schema(api: Any, role: str) -> None:
    """What schemathesis checks in CI, for each role: no 5xx, and bodies match the schema."""
    doc = yaml.safe_load(DOC.read_text())
    client = api.client(role)
    lists = [p for p in doc["paths"] if "{" not in p and "get" in doc["paths"][p]
             and not p.endswith("/schema/")]
    assert "/api/v1/quality/reviews/due/" in lists
    checked = 0
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        _validate(response.json(), _response_schema(doc, url, "get", 200))
        body = response.json()
        if isinstance(body, list):  # a list that is not paged (e.g. reviews due)
            continue
        for item in body["results"][:2]:
            detail_url = f"{url}{item['id']}/"
            got = client.get(detail_url)
            assert got.status_code == 200, detail_url
            _validate(got.json(), _response_schema(doc, _template(doc, detail_url), "get", 200))
            checked += 1
    assert checked >= 3
