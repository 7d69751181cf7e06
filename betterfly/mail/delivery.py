"""The outbox: e-mails wait in the database until a server accepts them.

A message is claimed for a short lease before it is sent, so two workers
running the same job do not both send it; it is marked sent only after the
SMTP server accepted it.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..activation.services import on_invitation_delivered
from ..extensions import db
from ..jobs import enqueue
from ..models import OutboxMessage, utcnow
from . import smtp

log = logging.getLogger("betterfly.mail")

CLAIM_SECONDS = 120
ACTIVATION_LINK = re.compile(r"/activate/[A-Za-z0-9_-]+")
REDACTED_LINK = "/activate/[link usunięty po wysłaniu]"
BACKOFF_SECONDS = [30, 120, 600, 1800, 3600]


class DeliveryFailed(RuntimeError):
    """The SMTP server did not take the message; the job should be retried."""


def schedule_delivery(message_id: int) -> None:
    """Queue the sending of a committed message; if the queue is down, it waits."""
    try:
        enqueue(deliver_message, message_id)
    except Exception:  # noqa: BLE001 - the outbox row keeps the work; a sweep sends it
        log.warning(
            "outbox %s: could not queue delivery, it stays pending",
            message_id,
            exc_info=True,
        )


def deliver_message(message_id: int) -> None:
    """Job: send one outbox message once."""
    if not _claim(message_id):
        log.info("outbox %s: already sent or being sent", message_id)
        return

    message = db.session.get(OutboxMessage, message_id)
    try:
        transport = _send(message)
    except Exception as error:
        _record_failure(message, error)
        raise DeliveryFailed(f"outbox {message_id}: {error}") from error

    _record_success(message, transport)


def deliver_pending(limit: int = 100) -> int:
    """Send every message that is due; used by the periodic sweep and operators."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None))
        .where(
            or_(
                OutboxMessage.next_attempt_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message_id in due:
        try:
            deliver_message(message_id)
            sent += 1
        except DeliveryFailed:
            log.warning("outbox %s: delivery failed, will retry", message_id)
    return sent


def _claim(message_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .where(OutboxMessage.sent_at.is_(None))
        .where(
            or_(
                OutboxMessage.claimed_until.is_(None),
                OutboxMessage.claimed_until < now,
            )
        )
        .values(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            attempts=OutboxMessage.attempts + 1,
        )
    ).rowcount
    db.session.commit()
    return claimed == 1


def _send(message: OutboxMessage) -> str:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return "local"

    settings = smtp.SmtpSettings(
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
        use_tls=config["MAIL_USE_TLS"],
    )
    email = smtp.build_message(
        sender=config["MAIL_DEFAULT_SENDER"],
        recipient=message.recipient,
        subject=message.subject,
        text_body=message.text_body,
        html_body=message.html_body,
    )
    smtp.send(settings, email)
    return "smtp"


def _record_success(message: OutboxMessage, transport: str) -> None:
    message.sent_at = utcnow()
    message.transport = transport
    if transport == "smtp":
        _forget_activation_links(message)
    message.claimed_until = None
    message.last_error = None
    on_invitation_delivered(message)
    db.session.commit()
    log.info(
        "outbox %s: sent via %s (order %s)", message.id, transport, message.order_id
    )


def _forget_activation_links(message: OutboxMessage) -> None:
    """Once the server took the e-mail, keep no usable activation link in it.

    Only hashes of activation tokens are stored; the outbox holds a link only
    while it waits to be sent. (The sandbox's local outbox keeps it, since the
    outbox page is where the demo's client finds the link.)
    """
    message.text_body = ACTIVATION_LINK.sub(REDACTED_LINK, message.text_body)
    message.html_body = ACTIVATION_LINK.sub(REDACTED_LINK, message.html_body)


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    db.session.rollback()
    message = db.session.get(OutboxMessage, message.id)
    delay = BACKOFF_SECONDS[min(message.attempts, len(BACKOFF_SECONDS)) - 1]
    message.claimed_until = None
    message.last_error = f"{error.__class__.__name__}: {error}"[:1000]
    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    log.warning(
        "outbox %s: attempt %s failed (%s), next in %ss (order %s)",
        message.id,
        message.attempts,
        error.__class__.__name__,
        delay,
        message.order_id,
    )
