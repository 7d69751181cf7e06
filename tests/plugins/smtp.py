"""A real SMTP server on 127.0.0.1 that keeps what it receives, or refuses it.

`smtp_server` points the app's MAIL_SERVER and MAIL_PORT at itself, so it
must come before `app`, `client` or `live_server` among a test's arguments.
"""

from __future__ import annotations

import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

ACCEPTED = "250 2.0.0 Message accepted"
TEMPORARY_REFUSAL = "451 4.3.0 Mail server temporarily unavailable"


class _Recorder:
    """The aiosmtpd handler: parses each message, unless told to refuse."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusal: str | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusal:
            return self.refusal
        raw = envelope.original_content or envelope.content
        self.messages.append(BytesParser(policy=policy.default).parsebytes(raw))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return ACCEPTED


class SmtpServer:
    """What a test sees of the server: its address, its mail, and its mood."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self._recorder = _Recorder()
        self._controller = Controller(self._recorder, hostname=host, port=port)
        self.running = False

    @property
    def messages(self) -> list[EmailMessage]:
        """Accepted messages, oldest first, parsed with the modern email policy."""
        return list(self._recorder.messages)

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        """(MAIL FROM, RCPT TO list) of each accepted message."""
        return list(self._recorder.envelopes)

    def refuse(self, reply: str = TEMPORARY_REFUSAL) -> None:
        """Answer every message with this SMTP reply instead of accepting it."""
        self._recorder.refusal = reply

    def accept(self) -> None:
        self._recorder.refusal = None

    def start(self) -> None:
        if not self.running:
            self._controller.start()
            self.running = True

    def stop(self) -> None:
        """Stop listening: connections are then refused, as with a server down."""
        if self.running:
            self._controller.stop()
            self.running = False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings, request):
    """An SMTP server the app sends to; `.messages` holds what it accepted."""
    server = SmtpServer("127.0.0.1", _free_port())
    server.start()
    settings.update(
        {
            "MAIL_SERVER": server.host,
            "MAIL_PORT": server.port,
            "MAIL_USE_TLS": False,
            "MAIL_USERNAME": None,
            "MAIL_PASSWORD": None,
        }
    )
    try:
        yield server
    finally:
        server.stop()
