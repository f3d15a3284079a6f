"""The API permission matrix: every endpoint x role x in/out of scope.

No token: 401. Read-only token or a role that lacks the action: 403. A record outside the
user's scope: 404 (never 403). In scope with the right role: 2xx. Writes and learner reads are
audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from aptrack.accounts.models import AuditEvent
from aptrack.api import services as api_services

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

ROLES = ["la_officer", "other_la_officer", "school_dsl", "other_school_dsl", "provider_staff",
         "other_provider_staff"]
WRITERS = {"la_officer", "other_la_officer", "school_dsl", "other_school_dsl"}
SEES_MINE = {"la_officer", "school_dsl", "provider_staff"}
SEES_MINE_EXCLUSION = {"la_officer", "school_dsl"}
SEES_MINE_SCHOOL_ENROLMENT = {"la_officer", "school_dsl"}


@dataclass
class Case:
    """One endpoint: how to call it, which roles see the record, and whether it writes."""

    name: str
    method: str
    path: Callable[[Any], str]
    sees: set[str] | None  # None: every role (the shared directory, or a list)
    writes: bool = False
    body: Callable[[Any, str], Any] | None = None
    ok: int = 200
    codes: dict[str, int] | None = None  # the whole row, where the rule is the endpoint's own


def _learner_body(api: Any, role: str) -> dict[str, Any]:
    la = api.world.other_la.code if role == "other_la_officer" else api.world.la.code
    return {"given_name": "New", "family_name": "Pupil", "date_of_birth": "2013-05-01",
            "sex": "M", "home_la": la}


def _placement_body(api: Any, role: str) -> dict[str, Any]:
    return {"learner": api.mine.pk, "provider": api.world.ap.pk, "reason": "preventative",
            "tier": 1, "start_date": "2026-01-05", "hours_per_week": 10}


def _exclusion_body(api: Any, role: str) -> dict[str, Any]:
    return {"learner": api.mine.pk, "school": api.world.school.pk, "category": "FIXD",
            "first_day": "2026-01-12", "school_days": 1, "reason_1": "DA"}


CASES = [
    Case("learner list", "get", lambda a: "/api/v1/learners/", None),
    Case("learner detail", "get", lambda a: f"/api/v1/learners/{a.mine.pk}/", SEES_MINE),
    Case("learner update", "patch", lambda a: f"/api/v1/learners/{a.mine.pk}/", SEES_MINE,
         writes=True, body=lambda a, r: {"looked_after": True}),
    Case("learner create", "post", lambda a: "/api/v1/learners/", None, writes=True,
         body=_learner_body, ok=201),
    Case("establishment list", "get", lambda a: "/api/v1/establishments/", None),
    Case("establishment detail", "get",
         lambda a: f"/api/v1/establishments/{a.world.pru.pk}/", None),
    Case("site list", "get", lambda a: "/api/v1/sites/", None),
    Case("enrolment list", "get", lambda a: "/api/v1/enrolments/", None),
    Case("enrolment detail", "get",
         lambda a: f"/api/v1/enrolments/{a.mine.enrolments.get(establishment=a.world.school).pk}/",
         SEES_MINE_SCHOOL_ENROLMENT),
    Case("enrolment at provider", "get",
         lambda a: f"/api/v1/enrolments/{a.mine.enrolments.get(establishment=a.world.pru).pk}/",
         SEES_MINE),
    Case("exclusion list", "get", lambda a: "/api/v1/exclusions/", None),
    Case("exclusion detail", "get", lambda a: f"/api/v1/exclusions/{a.mine_exclusion.pk}/",
         SEES_MINE_EXCLUSION),
    Case("exclusion create", "post", lambda a: "/api/v1/exclusions/", None, writes=True,
         body=_exclusion_body, ok=201),
    Case("placement list", "get", lambda a: "/api/v1/placements/", None),
    Case("placement detail", "get", lambda a: f"/api/v1/placements/{a.mine_placement.pk}/",
         SEES_MINE),
    Case("placement update", "patch", lambda a: f"/api/v1/placements/{a.mine_placement.pk}/",
         SEES_MINE, writes=True, body=lambda a, r: {"tier": 3}),
    Case("placement create", "post", lambda a: "/api/v1/placements/", None, writes=True,
         body=_placement_body, ok=201),
    Case("webhook list", "get", lambda a: "/api/v1/webhooks/", None),
    Case("webhook create", "post", lambda a: "/api/v1/webhooks/", None, writes=True,
         body=lambda a, r: {"url": "https://example.invalid/h", "events": ["placement.ended"]},
         ok=201, codes=dict.fromkeys(ROLES, 201)),
    Case("learner attendance", "get", lambda a: f"/api/v1/learners/{a.mine.pk}/attendance/",
         SEES_MINE),
    Case("mark list", "get", lambda a: "/api/v1/attendance/marks/", None),
    Case("mark record", "post", lambda a: "/api/v1/attendance/marks/", None, writes=True,
         body=lambda a, r: [{"learner": a.mine.pk, "setting": a.world.pru.pk,
                             "date": "2025-10-07", "session": "AM", "code": "/"}],
         # the setting's own staff keep its register; others get a per-item error
         codes={"la_officer": 403, "other_la_officer": 403, "school_dsl": 400,
                "other_school_dsl": 400, "provider_staff": 200, "other_provider_staff": 400}),
    # placement quality (aptrack.quality.api, on this router): a body naming a placement out
    # of scope is 404 there, as if the placement did not exist
    Case("provider check list", "get", lambda a: "/api/v1/quality/provider-checks/", None),
    Case("provider check create", "post", lambda a: "/api/v1/quality/provider-checks/", None,
         writes=True, ok=201,
         body=lambda a, r: {"provider": a.world.ap.pk, "kind": "dsl", "outcome": "met",
                            "checked_on": "2026-01-05"}),
    Case("review list", "get", lambda a: "/api/v1/quality/reviews/", None),
    Case("review detail", "get", lambda a: f"/api/v1/quality/reviews/{a.mine_review.pk}/",
         SEES_MINE),
    Case("liaison list", "get", lambda a: "/api/v1/quality/liaison/", None),
    Case("liaison detail", "get", lambda a: f"/api/v1/quality/liaison/{a.mine_liaison.pk}/",
         SEES_MINE),
    Case("liaison create", "post", lambda a: "/api/v1/quality/liaison/", None, writes=True,
         body=lambda a, r: {"placement": a.mine_placement.pk, "kind": "call",
                            "occurred_on": "2025-10-10", "with_whom": "Parent",
                            "summary": "Spoke about the timetable."},
         # every role records liaison about placements it may see
         codes={r: 201 if r in SEES_MINE else 404 for r in ROLES}),
    Case("alert list", "get", lambda a: "/api/v1/attendance/alerts/", None),
    Case("alert detail", "get", lambda a: f"/api/v1/attendance/alerts/{a.mine_alert.pk}/",
         SEES_MINE),
    Case("alert acknowledge", "post",
         lambda a: f"/api/v1/attendance/alerts/{a.mine_alert.pk}/acknowledge/", SEES_MINE,
         writes=True, body=lambda a, r: {"outcome": "contact_made"}),
]
BODY_REFERS_TO_MINE = {"placement create", "exclusion create"}


def _call(api: Any, case: Case, who: str | None, *, read_only: bool = False) -> Any:
    client = api.client(who, read_only=read_only)
    body = case.body(api, who or "") if case.body else None
    return getattr(client, case.method)(case.path(api), body, format="json")


def test_no_token_is_401_everywhere(api: Any) -> None:
    for case in CASES:
        response = _call(api, case, None)
        assert response.status_code == 401, case.name
        assert response["WWW-Authenticate"].startswith("Bearer"), case.name
        assert "detail" in response.json(), case.name


@pytest.mark.parametrize("header", ["Bearer apt_0123456789abcdef_wrong", "Bearer nonsense",
                                    "Bearer", "Bearer a b"])
def test_a_bad_token_is_401(api: Any, header: str) -> None:
    client = api.client(None)
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/learners/").status_code == 401


def _expected(case: Case, role: str) -> int:
    if case.codes is not None:
        return case.codes[role]
    if case.writes and role not in WRITERS:
        return 403
    if case.sees is not None and role not in case.sees:
        return 404
    if case.name in BODY_REFERS_TO_MINE and role not in SEES_MINE:
        return 400  # a body naming a record out of scope: "does not exist"
    return case.ok


def _each_role(api: Any, case: Case, check: Callable[[str, Any], str | None],
               **kwargs: Any) -> None:
    """Call the endpoint as every role, each in a savepoint rolled back afterwards (so one
    role's write does not change the next role's world); report every mismatch at once."""
    problems = []
    for role in ROLES:
        with transaction.atomic():
            problem = check(role, _call(api, case, role, **kwargs))
            transaction.set_rollback(True)
        if problem:
            problems.append(f"{role}: {problem}")
    assert not problems, problems


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matrix(api: Any, case: Case) -> None:
    def check(role: str, response: Any) -> str | None:
        expected = _expected(case, role)
        if response.status_code != expected:
            return f"{response.status_code} not {expected}: {response.content[:300]!r}"
        if (expected == 400 and case.codes is None
                and "does not exist" not in str(response.json()["errors"])):
            return f"400 for another reason: {response.content[:300]!r}"
        return None

    _each_role(api, case, check)


@pytest.mark.parametrize("case", [c for c in CASES if c.writes], ids=lambda c: c.name)
def test_read_only_token_cannot_write(api: Any, case: Case) -> None:
    def check(role: str, response: Any) -> str | None:
        writes = AuditEvent.objects.exclude(action="access.denied").count()
        if response.status_code != 403:
            return f"{response.status_code} not 403"
        if response.json()["detail"] not in {"This token is read-only.",
                                              "Your role cannot make this change."}:
            return response.json()["detail"]
        return None if writes == before else "something was written"

    before = AuditEvent.objects.exclude(action="access.denied").count()
    _each_role(api, case, check, read_only=True)


def test_read_only_token_can_read(api: Any) -> None:
    for case in CASES:
        if case.method == "get":
            assert _call(api, case, "la_officer", read_only=True).status_code == 200, case.name


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_the_role_may_see(api: Any, role: str) -> None:
    client = api.client(role)
    learners = {r["id"] for r in client.get("/api/v1/learners/").json()["results"]}
    placements = {r["id"] for r in client.get("/api/v1/placements/").json()["results"]}
    exclusions = {r["id"] for r in client.get("/api/v1/exclusions/").json()["results"]}
    assert (api.mine.pk in learners) == (role in SEES_MINE)
    assert (api.theirs.pk in learners) == (role in {"la_officer", "other_school_dsl",
                                                   "other_provider_staff"})
    assert (api.mine_placement.pk in placements) == (role in SEES_MINE)
    assert (api.mine_exclusion.pk in exclusions) == (role in SEES_MINE_EXCLUSION)


@pytest.mark.parametrize("role", ROLES)
def test_webhook_subscriptions_belong_to_the_organisation(api: Any, role: str,
                                                          settings: Any) -> None:
    settings.APTRACK_API = {**settings.APTRACK_API, "WEBHOOK_ALLOW_HTTP": True}
    owner = api.world.users["la_officer"]
    sub = api_services.webhook_subscribe(actor=owner, url="https://example.invalid/hook",
                                         events=["placement.started"])
    client = api.client(role)
    expected = 200 if role == "la_officer" else 404
    assert client.get(f"/api/v1/webhooks/{sub.pk}/").status_code == expected
    assert client.get(f"/api/v1/webhooks/{sub.pk}/deliveries/").status_code == expected
    response = client.delete(f"/api/v1/webhooks/{sub.pk}/")
    assert response.status_code == (204 if role == "la_officer" else 404)


def test_reading_a_learner_is_audited_and_so_is_a_denied_read(api: Any) -> None:
    school = api.world.users["school_dsl"]
    api.client("school_dsl").get(f"/api/v1/learners/{api.mine.pk}/")
    api.client("school_dsl").get(f"/api/v1/learners/{api.theirs.pk}/")
    seen = AuditEvent.objects.get(user=school, action="learner.view")
    assert (seen.learner_id, seen.changes) == (api.mine.pk, {"via": "api"})
    denied = AuditEvent.objects.get(user=school, action="access.denied", object_type="learner")
    assert denied.object_id == str(api.theirs.pk) and denied.learner_id is None


def test_writes_are_audited_through_the_services(api: Any) -> None:
    client = api.client("school_dsl")
    assert client.patch(f"/api/v1/learners/{api.mine.pk}/", {"looked_after": True},
                        format="json").status_code == 200
    event = AuditEvent.objects.get(action="learner.update")
    assert event.changes == {"looked_after": [False, True]}
    assert event.user == api.world.users["school_dsl"]


def test_a_school_cannot_commission_as_the_la(api: Any) -> None:
    body = {**_placement_body(api, "school_dsl"), "commissioner": "local_authority"}
    response = api.client("school_dsl").post("/api/v1/placements/", body, format="json")
    assert response.status_code == 400
    assert "commissioner" in response.json()["errors"]


def test_created_learner_outside_scope_is_not_saved(api: Any) -> None:
    """An LA officer cannot create a learner who lives elsewhere and is on no roll it keeps."""
    body = _learner_body(api, "other_la_officer")  # home LA 333, not the officer's
    response = api.client("la_officer").post("/api/v1/learners/", body, format="json")
    assert response.status_code == 400
    assert "outside your scope" in str(response.json()["errors"])
    assert not api.world.other_la.resident_learners.exists()
