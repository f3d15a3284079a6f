"""Webhooks, delivered to a real HTTP server on loopback: signed, ids only, retried with
backoff, recorded with their status; only to subscribers who may see the record."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from aptrack.api import webhooks
from aptrack.api.models import WebhookDelivery
from aptrack.learners import services as learner_services
from aptrack.placements import services as placement_services

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]


class Receiver:
    """A loopback HTTP server that records each POST and answers with the next status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": self.headers, "body": body,
                                          "path": self.path})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.received]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.APTRACK_API = {**settings.APTRACK_API, "WEBHOOK_ALLOW_HTTP": True,
                            "WEBHOOK_ALLOW_PRIVATE": True,
                            "WEBHOOK_SETTLE_SECONDS": 0, "WEBHOOK_BACKOFF_SECONDS": 60,
                            "WEBHOOK_MAX_ATTEMPTS": 3, "WEBHOOK_TIMEOUT_SECONDS": 5}
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _subscribe(api: Any, who: str, url: str, events: list[str]) -> dict[str, Any]:
    response = api.client(who).post("/api/v1/webhooks/", {"url": url, "events": events},
                                    format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _commission_and_start(api: Any, learner: Any, who: str, provider: Any = None) -> int:
    client = api.client(who)
    made = client.post("/api/v1/placements/", {
        "learner": learner.pk, "provider": (provider or api.world.ap).pk, "reason": "preventative",
        "tier": 1, "start_date": "2026-01-05", "hours_per_week": 10}, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    started = client.patch(f"/api/v1/placements/{pk}/", {"status": "active"}, format="json")
    assert started.status_code == 200, started.content
    return pk


def test_deliveries_are_signed_and_carry_ids_only(api: Any, receiver: Receiver) -> None:
    sub = _subscribe(api, "la_officer", receiver.url,
                     ["placement.commissioned", "placement.started"])
    pk = _commission_and_start(api, api.mine, "school_dsl")
    result = webhooks.deliver_due()
    assert (result.queued, result.delivered) == (2, 2)
    assert [p["event"] for p in receiver.payloads()] == ["placement.commissioned",
                                                         "placement.started"]
    for got in receiver.received:
        body, headers = got["body"], got["headers"]
        t, v1 = (part.split("=", 1)[1] for part in headers["X-APTrack-Signature"].split(","))
        expected = hmac.new(sub["secret"].encode(), f"{t}.".encode() + body,
                            hashlib.sha256).hexdigest()
        assert hmac.compare_digest(v1, expected)
        assert webhooks.verify(sub["secret"], headers["X-APTrack-Signature"], body)
        assert not webhooks.verify("another-secret", headers["X-APTrack-Signature"], body)
        payload = json.loads(body)
        assert payload["data"] == {"placement": pk, "learner": api.mine.pk}
        assert set(payload) == {"event", "occurred_at", "data"}
        for personal in (api.mine.given_name, api.mine.family_name, api.mine.upn, "2012-01-01"):
            assert personal.encode() not in body
        assert headers["X-APTrack-Event"] == payload["event"]
    deliveries = WebhookDelivery.objects.order_by("pk")
    assert [(d.status, d.attempts, d.last_status_code) for d in deliveries] == [
        ("delivered", 1, 200), ("delivered", 1, 200)]
    assert webhooks.deliver_due().queued == 0  # each event once
    listed = api.client("la_officer").get(f"/api/v1/webhooks/{sub['id']}/deliveries/").json()
    assert [d["status"] for d in listed["results"]] == ["delivered", "delivered"]
    assert "secret" not in api.client("la_officer").get(f"/api/v1/webhooks/{sub['id']}/").json()


def test_failed_deliveries_are_retried_with_backoff_then_given_up(api: Any,
                                                                   receiver: Receiver) -> None:
    _subscribe(api, "la_officer", receiver.url, ["placement.started"])
    _commission_and_start(api, api.mine, "la_officer")
    receiver.statuses = [500, 503]
    t0 = timezone.now()
    assert webhooks.deliver_due(t0).retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == t0 + timedelta(seconds=60)
    assert webhooks.deliver_due(t0 + timedelta(seconds=59)).retrying == 0  # not yet due
    assert webhooks.deliver_due(t0 + timedelta(seconds=60)).retrying == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 503)
    assert delivery.next_attempt_at == t0 + timedelta(seconds=60 + 120)  # doubled
    assert webhooks.deliver_due(t0 + timedelta(seconds=180)).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len(receiver.received) == 3
    assert len({r["headers"]["X-APTrack-Delivery"] for r in receiver.received}) == 1


def test_an_unreachable_receiver_fails_after_the_last_attempt(api: Any,
                                                              receiver: Receiver) -> None:
    _subscribe(api, "la_officer", receiver.url, ["placement.started"])
    receiver.server.shutdown()
    receiver.server.server_close()
    _commission_and_start(api, api.mine, "la_officer")
    t = timezone.now()
    for step in range(3):
        webhooks.deliver_due(t + timedelta(seconds=60 * 2 ** step * 2))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_status_code is None and delivery.last_error


def test_subscribers_hear_only_of_records_they_may_see(api: Any, receiver: Receiver) -> None:
    _subscribe(api, "school_dsl", receiver.url, ["placement.started"])
    _subscribe(api, "other_school_dsl", receiver.url + "/other", ["placement.started"])
    _commission_and_start(api, api.theirs, "other_school_dsl", provider=api.world.pru)
    webhooks.deliver_due()
    assert [r["path"] for r in receiver.received] == ["/hook/other"]


def test_provision_due_is_raised_once(api: Any, receiver: Receiver) -> None:
    _subscribe(api, "la_officer", receiver.url, ["provision.due"])
    exclusion = learner_services.exclusion_record(
        actor=None, learner=api.mine, school=api.world.school, category="PERM",
        first_day=date(2025, 11, 10), reason_1="BU")
    placement = api.world.commission(api.mine, provider=api.world.ap,
                                     commissioner="local_authority",
                                     reason="permanent_exclusion", exclusion=exclusion,
                                     start=date(2025, 11, 17))
    assert placement.provision_due_by == date(2025, 11, 17)
    out = io.StringIO()
    call_command("deliver_webhooks", stdout=out)
    assert "delivered 1" in out.getvalue()
    assert receiver.payloads()[0]["data"] == {"placement": placement.pk,
                                              "learner": api.mine.pk,
                                              "provision_due_by": "2025-11-17"}
    webhooks.deliver_due()
    assert len(receiver.received) == 1


def test_paused_subscriptions_and_ended_placements(api: Any, receiver: Receiver) -> None:
    sub = _subscribe(api, "la_officer", receiver.url, ["placement.ended"])
    placement_services.placement_end(actor=None, placement=api.mine_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    assert webhooks.deliver_due().delivered == 1
    assert receiver.payloads()[0]["event"] == "placement.ended"
    api.client("la_officer").patch(f"/api/v1/webhooks/{sub['id']}/", {"active": False},
                                   format="json")
    placement_services.placement_end(actor=None, placement=api.theirs_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    assert webhooks.deliver_due().queued == 0


def test_subscription_addresses_and_events_are_checked(api: Any, settings: Any) -> None:
    client = api.client("la_officer")
    plain = client.post("/api/v1/webhooks/", {"url": "http://example.invalid/h",
                                              "events": ["placement.started"]}, format="json")
    assert plain.status_code == 400 and "https" in str(plain.json()["errors"]["url"])
    unknown = client.post("/api/v1/webhooks/", {"url": "https://example.invalid/h",
                                                "events": ["learner.renamed"]}, format="json")
    assert unknown.status_code == 400 and "events" in unknown.json()["errors"]


def test_review_overdue_is_raised_once(api: Any, receiver: Receiver) -> None:
    _subscribe(api, "la_officer", receiver.url, ["review.overdue"])
    _subscribe(api, "other_la_officer", receiver.url + "/other", ["review.overdue"])
    assert webhooks.deliver_due().delivered == 1
    assert receiver.received[0]["path"] == "/hook"
    assert receiver.payloads()[0]["data"] == {
        "placement": api.mine_placement.pk, "learner": api.mine.pk,
        "review": api.mine_review.pk, "review_due": "2025-12-12"}
    assert webhooks.deliver_due().queued == 0
