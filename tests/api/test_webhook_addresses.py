"""Webhooks go only to public addresses (server-side request forgery): private, loopback,
link-local and other non-public addresses, and host names resolving to them or to nothing, are
refused when subscribing, when changing the address and again before every delivery, which then
connects to the addresses checked. Real resolver, real loopback servers, no mocks; nothing here
reaches outside the machine."""

from __future__ import annotations

import importlib
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from aptrack.api import addresses, webhooks
from aptrack.api.addresses import PRIVATE, Refused, Target
from aptrack.api.models import WebhookDelivery, WebhookSubscription
from aptrack.placements import services as placement_services
from tests.api.test_webhooks import Receiver

PUBLIC_V4 = "93.184.216.34"  # a public address, only ever checked here, never connected to

REFUSED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback, not only .1",
    "10.1.2.3": "private 10/8",
    "172.16.0.1": "private 172.16/12",
    "172.31.255.254": "private 172.16/12, its end",
    "192.168.1.1": "private 192.168/16",
    "169.254.169.254": "link-local: the cloud metadata service",
    "0.0.0.0": "unspecified (reaches the machine itself)",  # noqa: S104 - refused, not bound
    "100.64.0.1": "shared address space 100.64/10 (carrier-grade NAT)",
    "100.127.255.254": "shared address space, its end",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "192.0.2.1": "documentation (TEST-NET-1)",
    "198.18.0.1": "benchmarking",
    "[::1]": "IPv6 loopback",
    "[::]": "IPv6 unspecified",
    "[fe80::1]": "IPv6 link-local",
    "[fc00::1]": "IPv6 unique local fc00::/7",
    "[fd12:3456:789a::1]": "IPv6 unique local fd00::/8",
    "[ff02::1]": "IPv6 multicast",
    "[2001:db8::1]": "IPv6 documentation",
    "[::ffff:127.0.0.1]": "IPv4-mapped loopback",
    "[::ffff:169.254.169.254]": "IPv4-mapped metadata service",
    "[::ffff:10.0.0.1]": "IPv4-mapped private",
    "[64:ff9b::7f00:1]": "NAT64 of 127.0.0.1 (the prefix itself is public)",
    "[64:ff9b::a9fe:a9fe]": "NAT64 of 169.254.169.254",
    "[2002:7f00:1::1]": "6to4 of 127.0.0.1 (the prefix itself is public)",
    "[2002:c0a8:101::1]": "6to4 of 192.168.1.1",
    "2130706433": "127.0.0.1 written as one number (the resolver reads it as loopback)",
    "0x7f.1": "127.0.0.1 in hexadecimal shorthand",
    "127.1": "127.0.0.1 in shorthand",
}


@pytest.fixture
def strict(settings: Any) -> Any:
    """Production's rule: private addresses refused (http allowed, to reach the loopback
    receivers)."""
    settings.APTRACK_API = {**settings.APTRACK_API, "WEBHOOK_ALLOW_HTTP": True,
                            "WEBHOOK_ALLOW_PRIVATE": False, "WEBHOOK_SETTLE_SECONDS": 0,
                            "WEBHOOK_TIMEOUT_SECONDS": 5}
    return settings


def _allow_private(settings: Any, allow: bool) -> None:
    settings.APTRACK_API = {**settings.APTRACK_API, "WEBHOOK_ALLOW_PRIVATE": allow}


def test_private_addresses_are_refused_unless_the_environment_allows_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting is off unless APTRACK_API_WEBHOOK_ALLOW_PRIVATE turns it on (production
    never does)."""
    from aptrack.settings.parts import api

    try:
        monkeypatch.delenv("APTRACK_API_WEBHOOK_ALLOW_PRIVATE", raising=False)
        assert importlib.reload(api).APTRACK_API["WEBHOOK_ALLOW_PRIVATE"] is False
        monkeypatch.setenv("APTRACK_API_WEBHOOK_ALLOW_PRIVATE", "1")
        assert importlib.reload(api).APTRACK_API["WEBHOOK_ALLOW_PRIVATE"] is True
    finally:
        monkeypatch.undo()
        importlib.reload(api)


@pytest.mark.parametrize("host", list(REFUSED), ids=list(REFUSED.values()))
def test_each_kind_of_non_public_address_is_refused(strict: Any, host: str) -> None:
    """Every kind of non-public address, IPv4 and IPv6, written literally, is refused with the
    plain-English reason, when subscribing (check) and when delivering (target); with the
    development setting on, the same address passes both."""
    for url in (f"https://{host}/hook", f"http://{host}:8080/hook"):
        for when in (addresses.check, addresses.target):
            with pytest.raises(Refused) as refused:
                when(url)
            assert str(refused.value) == PRIVATE
    _allow_private(strict, True)
    addresses.check(f"https://{host}/hook")
    assert addresses.target(f"https://{host}/hook").addresses


@pytest.mark.parametrize("literal", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1::1",
                                     "64:ff9b::5db8:d822", "2002:5db8:d822::1",
                                     "::ffff:93.184.216.34", "100.63.255.255", "100.128.0.0"])
def test_public_addresses_pass_the_check(literal: str) -> None:
    """Public addresses are accepted, also public IPv4 ones carried in IPv6 (NAT64, 6to4,
    mapped) and those just outside the shared space 100.64/10."""
    assert addresses.is_public(ipaddress.ip_address(literal))


def test_one_private_address_among_public_ones_is_refused() -> None:
    """A name resolving to several addresses is refused if any one of them is not public,
    wherever it comes in the answer."""
    addresses.check_public((PUBLIC_V4, "8.8.8.8"))
    for mixed in ((PUBLIC_V4, "10.0.0.1"), ("::1", PUBLIC_V4), (PUBLIC_V4, "8.8.8.8", "fe80::1")):
        with pytest.raises(Refused):
            addresses.check_public(mixed)


def test_a_public_literal_address_passes_without_any_network(strict: Any) -> None:
    """The check of a literal public address resolves it to itself (no DNS query, nothing
    connected) and keeps what a delivery needs: host, default port, path with query."""
    target = addresses.target(f"https://{PUBLIC_V4}/hooks/ap?via=aptrack#part")
    assert target == Target(scheme="https", host=PUBLIC_V4, port=443,
                            path="/hooks/ap?via=aptrack", addresses=(PUBLIC_V4,))
    v6 = addresses.target("https://[2606:2800:220:1::1]:8443")
    assert (v6.host, v6.port, v6.path, v6.addresses) == (
        "2606:2800:220:1::1", 8443, "/", ("2606:2800:220:1::1",))


def test_a_name_resolving_to_loopback_is_refused(strict: Any) -> None:
    """It is the addresses a name resolves to that are checked, not the name: "localhost"
    (from the machine's own resolver) is refused, and accepted with the setting on."""
    for url in ("https://localhost/hook", "http://LocalHost:8000/hook"):
        for when in (addresses.check, addresses.target):
            with pytest.raises(Refused, match="private or local network"):
                when(url)
    _allow_private(strict, True)
    assert all(not addresses.is_public(ipaddress.ip_address(a))
               for a in addresses.target("https://localhost/hook").addresses)


def test_a_name_that_does_not_resolve_is_refused(strict: Any) -> None:
    """A host name that resolves to nothing (.invalid is reserved never to resolve) is refused,
    naming the host, as it cannot be shown to be public. With the development setting on, a
    subscription's name is not looked up, but a delivery still cannot go to it."""
    message = "The host name hooks.example.invalid could not be found. Check the address."
    for when in (addresses.check, addresses.target):
        with pytest.raises(Refused) as refused:
            when("https://hooks.example.invalid/h")
        assert str(refused.value) == message
    _allow_private(strict, True)
    addresses.check("https://hooks.example.invalid/h")
    with pytest.raises(Refused) as refused:
        addresses.target("https://hooks.example.invalid/h")
    assert str(refused.value) == message


@pytest.mark.parametrize("allow_private", [False, True])
def test_other_faults_of_the_address_are_named(strict: Any, allow_private: bool) -> None:
    """No host, a bad port, a user name and a scheme other than https are each refused with
    their own reason (the development setting changes none of these)."""
    _allow_private(strict, allow_private)
    faults = {"https:///hook": "no host name",
              f"https://{PUBLIC_V4}:99999/": "port number",
              f"https://user:pw@{PUBLIC_V4}/": "user name or password",
              f"ftp://{PUBLIC_V4}/": "must start https://"}
    for url, reason in faults.items():
        for when in (addresses.check, addresses.target):
            with pytest.raises(Refused, match=reason):
                when(url)


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_subscribing_to_a_private_address_is_refused_on_url(api: Any, strict: Any) -> None:
    """The API answers 400 with the reason on "url", for a literal address and for a name
    resolving to one, and no subscription is made; a public address is accepted."""
    client = api.client("la_officer")
    response = client.post("/api/v1/webhooks/", {
        "url": "https://169.254.169.254/latest/meta-data/", "events": ["placement.started"]},
        format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [PRIVATE]}
    by_name = client.post("/api/v1/webhooks/", {"url": "https://localhost:8000/h",
                                                "events": ["placement.started"]}, format="json")
    assert by_name.status_code == 400 and by_name.json()["errors"] == {"url": [PRIVATE]}
    assert not WebhookSubscription.objects.exists()
    made = client.post("/api/v1/webhooks/", {"url": f"https://{PUBLIC_V4}/h",
                                             "events": ["placement.started"]}, format="json")
    assert made.status_code == 201, made.content


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_changing_the_address_to_a_private_one_is_refused(api: Any, strict: Any) -> None:
    """A subscription to a public address cannot be moved to a private one: 400 on "url", and
    the stored address (and the audit trail) are unchanged."""
    from aptrack.accounts.models import AuditEvent

    client = api.client("la_officer")
    made = client.post("/api/v1/webhooks/", {"url": f"https://{PUBLIC_V4}/h",
                                             "events": ["placement.started"]}, format="json")
    assert made.status_code == 201, made.content
    url = f"/api/v1/webhooks/{made.json()['id']}/"
    for private in ("https://10.0.0.5/h", "https://[::ffff:127.0.0.1]/h",
                    "https://localhost:8000/h"):
        response = client.patch(url, {"url": private}, format="json")
        assert response.status_code == 400, private
        assert response.json()["errors"] == {"url": [PRIVATE]}
    assert WebhookSubscription.objects.get().url == f"https://{PUBLIC_V4}/h"
    assert not AuditEvent.objects.filter(action="webhook.update").exists()


@pytest.fixture
def receiver(strict: Any) -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_delivery_checks_the_address_again_and_records_why_it_did_not_send(
        api: Any, strict: Any, receiver: Receiver) -> None:
    """Allowed when subscribing (the setting on), a loopback receiver gets the first delivery;
    once private addresses are refused (as when a name's DNS answer changes to a private
    address after subscribing), the next delivery is not sent, the receiver gets nothing, and
    the delivery records why, to be retried later like any other failure."""
    _allow_private(strict, True)
    made = api.client("la_officer").post("/api/v1/webhooks/", {
        "url": receiver.url, "events": ["placement.ended"]}, format="json")
    assert made.status_code == 201, made.content
    placement_services.placement_end(actor=None, placement=api.mine_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    assert webhooks.deliver_due().delivered == 1
    assert len(receiver.received) == 1

    _allow_private(strict, False)
    placement_services.placement_end(actor=None, placement=api.theirs_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    result = webhooks.deliver_due()
    assert (result.queued, result.delivered, result.retrying) == (1, 0, 1)
    assert len(receiver.received) == 1  # nothing more arrived
    refused = WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING).get()
    assert (refused.attempts, refused.last_status_code) == (1, None)
    assert refused.last_error == f"Not sent. {PRIVATE}"
    listed = api.client("la_officer").get(
        f"/api/v1/webhooks/{made.json()['id']}/deliveries/").json()["results"]
    assert [d["last_error"] for d in listed] == ["", f"Not sent. {PRIVATE}"]


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_a_delivery_to_a_name_that_does_not_resolve_records_why(api: Any, strict: Any) -> None:
    """With the development setting on, a subscription's name is not looked up; its delivery
    still is, and when the name resolves to nothing the attempt fails and says so."""
    _allow_private(strict, True)
    made = api.client("la_officer").post("/api/v1/webhooks/", {
        "url": "https://hooks.example.invalid/h", "events": ["placement.ended"]}, format="json")
    assert made.status_code == 201, made.content
    placement_services.placement_end(actor=None, placement=api.mine_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    assert webhooks.deliver_due().retrying == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        1, None, "Not sent. The host name hooks.example.invalid could not be found. "
                 "Check the address.")


def test_a_delivery_connects_to_the_checked_address_and_never_resolves_again(
        receiver: Receiver) -> None:
    """The connection goes to the addresses that were checked: here the host name cannot
    resolve at all (.invalid), so any second lookup would fail; the POST arrives, with the
    host name (and port) in its Host header. A redirect is an answer, not followed."""
    port = receiver.server.server_address[1]
    target = Target(scheme="http", host="hooks.example.invalid", port=port, path="/hook?x=1",
                    addresses=("127.0.0.1",))
    assert webhooks.post_to(target, b"{}", {"Content-Type": "application/json"}, 5) == 200
    got = receiver.received[0]
    assert (got["path"], got["headers"]["Host"]) == ("/hook?x=1",
                                                     f"hooks.example.invalid:{port}")
    receiver.statuses = [302]
    assert webhooks.post_to(target, b"{}", {}, 5) == 302
    assert len(receiver.received) == 2


def test_a_delivery_tries_each_checked_address_in_turn(receiver: Receiver) -> None:
    """When the first checked address does not answer (nothing listens on ::1 here), the next
    one is tried, as the resolver's order would have it, still without resolving the name."""
    port = receiver.server.server_address[1]
    target = Target(scheme="http", host="hooks.example.invalid", port=port, path="/",
                    addresses=("::1", "127.0.0.1"))
    assert webhooks.post_to(target, b"{}", {}, 5) == 200
    assert len(receiver.received) == 1


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A loopback receiver behind TLS, with a certificate for the name "localhost" only (made
    by openssl, trusted through SSL_CERT_FILE), recording the server name each client asked
    for."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: the TLS delivery tests need it")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",  # noqa: S603
                    "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    r = Receiver()
    r.server.socket = context.wrap_socket(r.server.socket, server_side=True)
    r.thread.start()
    yield {"port": r.server.server_address[1], "names": names, "receiver": r}
    r.server.shutdown()
    r.server.server_close()


def test_tls_is_verified_against_the_host_name_not_the_address(
        tls_receiver: dict[str, Any]) -> None:
    """Over https the connection goes to the checked address (127.0.0.1) but the server name
    sent and the certificate checked are the URL's host name: a certificate for "localhost"
    is accepted for https://localhost, and refused when the URL names the address itself."""
    port, received = tls_receiver["port"], tls_receiver["receiver"].received
    by_name = Target(scheme="https", host="localhost", port=port, path="/hook",
                     addresses=("127.0.0.1",))
    assert webhooks.post_to(by_name, b"{}", {}, 5) == 200
    assert tls_receiver["names"] == ["localhost"]
    assert received[0]["headers"]["Host"] == f"localhost:{port}"
    by_address = Target(scheme="https", host="127.0.0.1", port=port, path="/hook",
                        addresses=("127.0.0.1",))
    with pytest.raises(ssl.SSLCertVerificationError, match="127.0.0.1"):
        webhooks.post_to(by_address, b"{}", {}, 5)
    assert len(received) == 1


@pytest.mark.django_db
@pytest.mark.urls("tests.api.urls")
def test_an_https_delivery_to_a_name_is_sent_by_the_delivery_run(
        api: Any, strict: Any, tls_receiver: dict[str, Any]) -> None:
    """End to end over TLS: subscribed to https://localhost:<port> (setting on), the delivery
    run resolves the name, connects to a checked address and verifies the certificate for
    "localhost"; with the setting off the same subscription is not sent."""
    _allow_private(strict, True)
    made = api.client("la_officer").post("/api/v1/webhooks/", {
        "url": f"https://localhost:{tls_receiver['port']}/hook", "events": ["placement.ended"]},
        format="json")
    assert made.status_code == 201, made.content
    placement_services.placement_end(actor=None, placement=api.mine_placement,
                                     end_date=date(2026, 2, 1), end_reason="objectives_met",
                                     destination="returned_home_school")
    assert webhooks.deliver_due().delivered == 1
    assert tls_receiver["names"] == ["localhost"]
