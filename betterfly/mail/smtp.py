"""Sending one message over SMTP. Knows nothing of Flask or the database."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    timeout: float = 10.0


def build_message(
    *, sender: str, recipient: str, subject: str, text_body: str, html_body: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> "))
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand the message to the server; raises when it was not accepted."""
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
