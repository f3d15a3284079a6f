"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for e-mail tests."""

from __future__ import annotations

import contextlib
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)


class _Handler:
    def __init__(self) -> None:
        self.inbox: Inbox | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        if self.inbox is not None:
            self.inbox.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SMTPServer:
    """Started once per test session; ``capture()`` collects the messages of one test."""

    def __init__(self) -> None:
        self.hostname = "127.0.0.1"
        self.port = _free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname=self.hostname, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @contextlib.contextmanager
    def capture(self) -> Iterator[Inbox]:
        inbox = Inbox()
        self.handler.inbox = inbox
        try:
            yield inbox
        finally:
            self.handler.inbox = None
