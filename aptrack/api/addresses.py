"""Where a webhook may be sent: the one check of a webhook address (server-side request forgery).

A subscriber chooses the address AP Track POSTs to, so without a check anyone who may subscribe
could make the server send requests into its own network: to itself (127.0.0.1, ::1), to
private ranges (10/8, 172.16/12, 192.168/16, fc00::/7), to the cloud metadata service
(169.254.169.254) and so on. The host name is resolved and the address refused when *any*
address it resolves to is not a public (globally routable) one, or when it does not resolve at
all: by ``check()`` when a subscription is made or changed (``services._check_url``) and by
``target()`` again before every delivery (``webhooks._post``), which then connects to the very
addresses that were checked, never resolving the name a second time: a name whose DNS answer
changes after subscribing ("DNS rebinding") cannot steer a delivery inside.

``APTRACK_API["WEBHOOK_ALLOW_PRIVATE"]`` (off by default; in production only for receivers on
the operator's own network, every subscriber trusted) turns the check off, for development and
tests: private and local addresses are let through, and a
subscription's host name is not looked up (a delivery still resolves it, and fails if it
cannot).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE = ("This address is on a private or local network; a webhook must go to a public "
           "address.")
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # a public IPv6 prefix carrying an IPv4 address


class Refused(ValueError):
    """A webhook address that may not be used; ``str()`` is the reason, in plain English."""


@dataclass(frozen=True)
class Target:
    """A checked webhook address: connect to ``addresses`` (in order), name ``host`` in the
    Host header and in TLS."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def is_public(address: IPAddress) -> bool:
    """Whether an IP address is globally routable: not private, loopback, link-local,
    multicast, reserved, unspecified or shared (100.64.0.0/10), also when an IPv4 address is
    carried inside an IPv6 one (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64
    ``64:ff9b::/96``)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False  # a zone index names a local interface
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)  # reaches the IPv4 address itself
        if address in NAT64:  # a NAT64 gateway reaches the IPv4 address it carries
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not is_public(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified)


def check_public(addresses: tuple[str, ...]) -> None:
    """Raise Refused unless every one of a host's addresses is public: a name with one private
    address among public ones could be steered to it."""
    for address in addresses:
        if not is_public(ipaddress.ip_address(address)):
            raise Refused(PRIVATE)


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every IP address ``host`` resolves to (a literal address is itself), without repeats.
    Raises Refused when it resolves to none."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"The host name {host} could not be found. Check the address.") from exc
    addresses = [str(info[4][0]) for info in found
                 if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if not addresses:
        raise Refused(f"The host name {host} could not be found. Check the address.")
    return tuple(dict.fromkeys(addresses))


def _parse(url: str) -> Target:
    """The parts of a webhook address a delivery needs (no addresses yet); raises Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("The address is not a valid web address (check the port number).") \
            from exc
    if parts.scheme != "https" and not (settings.APTRACK_API["WEBHOOK_ALLOW_HTTP"]
                                        and parts.scheme == "http"):
        raise Refused("A webhook address must start https://.")
    if parts.username or parts.password:
        raise Refused("Put no user name or password in the address.")
    if not parts.hostname:
        raise Refused("The address has no host name, like https://mis.example.org/hook.")
    return Target(scheme=parts.scheme, host=parts.hostname,
                  port=port or (443 if parts.scheme == "https" else 80),
                  path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                  addresses=())


def _allow_private() -> bool:
    return bool(settings.APTRACK_API.get("WEBHOOK_ALLOW_PRIVATE", False))


def check(url: str) -> None:
    """Refuse an address a subscription may not use; raises Refused with the reason. With
    WEBHOOK_ALLOW_PRIVATE on, the host is not looked up at all (a development receiver need
    not be running yet): only the form of the address is checked."""
    parsed = _parse(url)
    if not _allow_private():
        check_public(resolve(parsed.host, parsed.port))


def target(url: str) -> Target:
    """Check a webhook address and resolve its host, for a delivery to connect to the
    addresses checked; raises Refused with the reason."""
    parsed = _parse(url)
    found = resolve(parsed.host, parsed.port)
    if not _allow_private():
        check_public(found)
    return Target(scheme=parsed.scheme, host=parsed.host, port=parsed.port, path=parsed.path,
                  addresses=found)
