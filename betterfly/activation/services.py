"""Inviting a client to activate their account, and the activation itself."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import (
    Invitation,
    Office,
    Order,
    OrderStatus,
    OutboxMessage,
    utcnow,
)
from ..orders import timeline

log = logging.getLogger("betterfly.activation")

INVITATION_PREFIX = "invitation:"
# A public page sends these links: a few an hour, so it cannot flood an inbox.
RENEWALS_PER_HOUR = 3


class RenewalLimited(Exception):
    """Fresh links were sent too often for this order in the last hour."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_invitation(order: Order) -> Invitation | None:
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.order_id == order.id, Invitation.replaced_at.is_(None))
        .order_by(Invitation.id.desc())
    )


def invite_client(order: Order) -> OutboxMessage:
    """Add the invitation and its e-mail to the session, once per order.

    The caller commits, then calls `schedule_delivery(message.id)`.
    """
    invitation = live_invitation(order)
    if invitation is not None:
        return _message_for(invitation)
    return _issue_invitation(order, reason="Zaproszenie przygotowane do wysłania.")


def resend_invitation(order: Order) -> OutboxMessage:
    """Replace the live link with a new one and send it; the old link stops working."""
    current = live_invitation(order)
    if current is not None:
        current.replaced_at = utcnow()
    return _issue_invitation(
        order, reason="Wysłano nowy link aktywacyjny; poprzedni przestał działać."
    )


def _issue_invitation(order: Order, reason: str) -> OutboxMessage:
    token = secrets.token_urlsafe(32)
    valid_days = current_app.config["INVITATION_VALID_DAYS"]
    invitation = Invitation(
        order_id=order.id,
        client_id=order.client_id,
        token_hash=hash_token(token),
        expires_at=utcnow() + timedelta(days=valid_days),
    )
    db.session.add(invitation)
    db.session.flush()

    message = _render_message(order, invitation, token, valid_days)
    db.session.add(message)
    timeline.record(
        order,
        "invitation_prepared",
        reason,
        details={
            "invitation_id": invitation.id,
            "expires_at": str(invitation.expires_at),
        },
    )
    db.session.flush()
    return message


def _render_message(
    order: Order, invitation: Invitation, token: str, valid_days: int
) -> OutboxMessage:
    base_url = current_app.config["PUBLIC_BASE_URL"]
    context = {
        "order": order,
        "client": order.client,
        "office": db.session.get(Office, order.office_id),
        "link": f"{base_url}/activate/{token}",
        "valid_days": valid_days,
        "expires_at": invitation.expires_at,
    }
    return OutboxMessage(
        dedupe_key=f"{INVITATION_PREFIX}{invitation.id}",
        order_id=order.id,
        recipient=order.client.email,
        subject=f"{context['office'].name} zaprasza Cię do Betterfly",
        text_body=render_template("mail/invitation.txt", **context),
        html_body=render_template("mail/invitation.html", **context),
    )


def _message_for(invitation: Invitation) -> OutboxMessage:
    return db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"{INVITATION_PREFIX}{invitation.id}"
        )
    )


def on_invitation_delivered(message: OutboxMessage) -> None:
    """When an invitation e-mail went out, the order says so (once)."""
    if not message.dedupe_key.startswith(INVITATION_PREFIX) or not message.order_id:
        return
    order = db.session.get(Order, message.order_id)
    if order.status in {OrderStatus.ACTIVATED, OrderStatus.INVITATION_SENT}:
        timeline.record(
            order,
            "invitation_sent",
            "Wysłano e-mail z zaproszeniem.",
            details={"outbox_id": message.id},
            actor=timeline.SYSTEM,
        )
        return
    timeline.set_status(
        order,
        OrderStatus.INVITATION_SENT,
        "Wysłano e-mail z zaproszeniem do aktywacji konta.",
        kind="invitation_sent",
        details={"outbox_id": message.id, "transport": message.transport},
        actor=timeline.SYSTEM,
    )


class LinkState:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LinkCheck:
    state: str
    invitation: Invitation | None


def check_link(token: str) -> LinkCheck:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        return LinkCheck(LinkState.UNKNOWN, None)
    if invitation.used_at is not None or invitation.client.activated_at is not None:
        return LinkCheck(LinkState.USED, invitation)
    if invitation.replaced_at is not None:
        return LinkCheck(LinkState.REPLACED, invitation)
    if invitation.expires_at <= utcnow():
        return LinkCheck(LinkState.EXPIRED, invitation)
    return LinkCheck(LinkState.VALID, invitation)


def activate(token: str) -> LinkCheck:
    """Use the link once: the client's account becomes active."""
    check = check_link(token)
    if check.state != LinkState.VALID:
        return check

    invitation = db.session.scalar(
        select(Invitation)
        .where(Invitation.id == check.invitation.id, Invitation.used_at.is_(None))
        .with_for_update()
    )
    if invitation is None:
        return LinkCheck(LinkState.USED, check.invitation)

    now = utcnow()
    invitation.used_at = now
    invitation.client.activated_at = now
    timeline.set_status(
        invitation.order,
        OrderStatus.ACTIVATED,
        "Klient aktywował konto Betterfly.",
        kind="activated",
        details={"invitation_id": invitation.id},
        actor="Klient",
    )
    db.session.commit()
    log.info(
        "order %s: client %s activated the account",
        invitation.order_id,
        invitation.client_id,
    )
    return LinkCheck(LinkState.VALID, invitation)


def renew_link(token: str) -> OutboxMessage | None:
    """Send a fresh link for an expired or replaced one, to the same address."""
    check = check_link(token)
    if check.state not in {LinkState.EXPIRED, LinkState.REPLACED}:
        return None
    store = current_app.extensions["betterfly.store"]
    renewals = store.incr(f"activation:renew:{check.invitation.order_id}", 3600)
    if renewals > RENEWALS_PER_HOUR:
        raise RenewalLimited()
    message = resend_invitation(check.invitation.order)
    db.session.commit()
    return message
