"""An order's status and its timeline: every change is written as an event."""

from __future__ import annotations

import logging

from flask import g, has_request_context

from ..extensions import db
from ..models import Order, OrderEvent, OrderStatus

log = logging.getLogger("betterfly.orders")

STATUS_LABELS = {
    OrderStatus.PLACED: "Przyjęte",
    OrderStatus.AWAITING_PAYMENT: "Oczekuje na płatność",
    OrderStatus.PAYMENT_FAILED: "Płatność nieudana",
    OrderStatus.LICENCE_ACTIVE: "Licencja aktywna",
    OrderStatus.INVITATION_SENT: "Zaproszenie wysłane",
    OrderStatus.ACTIVATED: "Konto aktywowane",
    OrderStatus.ERROR: "Błąd",
}

SYSTEM = "system"
ROLE_LABELS = {"office": "biuro", "support": "wsparcie Betterfly"}


def current_actor() -> str:
    """Who is acting: the signed-in user's name and role, or the system."""
    user = g.get("user") if has_request_context() else None
    if user is None:
        return SYSTEM
    return f"{user.name} ({ROLE_LABELS.get(user.role, user.role)})"


def record(
    order: Order,
    kind: str,
    message: str,
    *,
    details: dict | None = None,
    actor: str | None = None,
) -> OrderEvent:
    """Add a timeline event to the session; the caller commits."""
    event = OrderEvent(
        order_id=order.id,
        kind=kind,
        message=message,
        details=details,
        actor=actor or current_actor(),
    )
    db.session.add(event)
    return event


def set_status(
    order: Order,
    status: OrderStatus,
    message: str,
    *,
    kind: str = "status",
    details: dict | None = None,
    actor: str | None = None,
    status_detail: str | None = None,
) -> None:
    """Move the order to a status and write why; the caller commits."""
    previous = order.status
    order.status = status
    order.status_detail = status_detail
    record(
        order,
        kind,
        message,
        details={"from": previous, "to": str(status), **(details or {})},
        actor=actor,
    )
    log.info("order %s: status %s -> %s", order.id, previous, status)
