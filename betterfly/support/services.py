"""What support sees across offices, and the replay of a failed step.

Every replay goes through the same idempotent step the system itself runs,
so replaying never charges a wallet twice, never takes a second pool licence
and never verifies the same payment twice; each replay is written to the
order's timeline with who did it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, select

from ..extensions import db
from ..mail.delivery import DeliveryFailed, deliver_message
from ..models import Office, Order, OrderEvent, OrderStatus, OutboxMessage, utcnow
from ..orders import timeline
from ..payments.models import P24Payment, PaymentState

log = logging.getLogger("betterfly.support")

MAIL_STUCK_AFTER = timedelta(minutes=10)
VERIFY_STUCK_AFTER = timedelta(minutes=5)
PAYMENT_PENDING_AFTER = timedelta(hours=2)
NOTIFICATION_LOOKBACK = timedelta(days=30)

FAILURE_EVENTS = ("p24_verify_failed", "licence_failed", "invitation_failed")

PROBLEMS = {
    "mail_unsent": "E-mail niewysłany",
    "register_failed": "Rejestracja płatności nieudana",
    "not_verified": "Płatność potwierdzona, niezweryfikowana",
    "payment_pending": "Płatność oczekuje od godzin",
    "notification_refused": "Odrzucone powiadomienie",
    "order_error": "Błąd zamówienia",
}


class ReplayRefused(Exception):
    """The step cannot be replayed now; the message says why."""


@dataclass
class StuckOrder:
    order: Order
    office: Office
    problems: set[str] = field(default_factory=set)


def stuck_orders(problem: str | None = None, query: str = "") -> list[StuckOrder]:
    """Orders with at least one problem, newest first, optionally filtered."""
    found: dict[int, set[str]] = {}
    for kind, order_ids in _problem_order_ids().items():
        if problem and kind != problem:
            continue
        for order_id in order_ids:
            found.setdefault(order_id, set()).add(kind)
    if not found:
        return []

    rows = db.session.execute(
        select(Order, Office)
        .join(Office, Office.id == Order.office_id)
        .where(Order.id.in_(found))
        .order_by(Order.created_at.desc(), Order.id.desc())
    ).all()
    result = [StuckOrder(order, office, found[order.id]) for order, office in rows]
    return [item for item in result if _matches(item, query)]


def _problem_order_ids() -> dict[str, set[int]]:
    now = utcnow()
    return {
        "mail_unsent": _ids(
            select(OutboxMessage.order_id).where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.order_id.is_not(None),
                or_(
                    OutboxMessage.attempts > 0,
                    OutboxMessage.created_at < now - MAIL_STUCK_AFTER,
                ),
            )
        ),
        "register_failed": _ids(
            select(P24Payment.order_id)
            .join(Order, Order.id == P24Payment.order_id)
            .where(
                P24Payment.state == PaymentState.REGISTER_FAILED,
                Order.status.in_([OrderStatus.ERROR, OrderStatus.PAYMENT_FAILED]),
            )
        ),
        "not_verified": _ids(
            select(P24Payment.order_id).where(
                P24Payment.state == PaymentState.VERIFYING,
                P24Payment.verifying_since < now - VERIFY_STUCK_AFTER,
            )
        ),
        "payment_pending": _ids(
            select(P24Payment.order_id).where(
                P24Payment.state == PaymentState.REGISTERED,
                P24Payment.registered_at < now - PAYMENT_PENDING_AFTER,
            )
        ),
        "notification_refused": _ids(
            select(OrderEvent.order_id).where(
                OrderEvent.kind == "p24_notification_refused",
                OrderEvent.created_at > now - NOTIFICATION_LOOKBACK,
            )
        ),
        "order_error": _ids(
            select(Order.id).where(
                or_(
                    Order.status == OrderStatus.ERROR,
                    Order.id.in_(
                        select(OrderEvent.order_id).where(
                            OrderEvent.kind.in_(FAILURE_EVENTS),
                            OrderEvent.created_at > now - NOTIFICATION_LOOKBACK,
                        )
                    ),
                )
            )
        ),
    }


def _ids(query) -> set[int]:
    return set(db.session.scalars(query).all())


def _matches(item: StuckOrder, query: str) -> bool:
    text = query.strip().lower()
    if not text:
        return True
    haystack = " ".join(
        [
            item.office.name,
            item.office.portal_id,
            item.order.client.name,
            item.order.client.nip,
            str(item.order.id),
        ]
    ).lower()
    return text in haystack


def order_for_support(order_id: int) -> Order | None:
    return db.session.get(Order, order_id)


def order_messages(order: Order) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.order_id == order.id)
        .order_by(OutboxMessage.id)
    ).all()


def order_payments(order: Order) -> list[P24Payment]:
    return db.session.scalars(
        select(P24Payment)
        .where(P24Payment.order_id == order.id)
        .order_by(P24Payment.id)
    ).all()


def replay_mail(order: Order, message_id: int) -> None:
    """Send a waiting e-mail now; a message already sent is not sent again."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.order_id != order.id:
        raise ReplayRefused("Ta wiadomość nie należy do zamówienia.")
    if message.sent_at is not None:
        raise ReplayRefused("Ta wiadomość została już wysłana.")

    _record_replay(
        order,
        "replay_mail",
        "Wsparcie ponowiło wysyłkę e-maila.",
        {"outbox_id": message_id},
    )
    message.next_attempt_at = None
    db.session.commit()
    try:
        deliver_message(message_id)
    except DeliveryFailed as error:
        raise ReplayRefused(
            "Serwer pocztowy nadal nie przyjmuje wiadomości; spróbujemy ponownie "
            "automatycznie."
        ) from error


def replay_payment_check(order: Order, payment_id: int) -> None:
    """Ask Przelewy24 about a payment now; a paid one is verified only once."""
    from ..payments.przelewy24 import check_payment

    payment = db.session.get(P24Payment, payment_id)
    if payment is None or payment.order_id != order.id:
        raise ReplayRefused("Ta płatność nie należy do zamówienia.")
    if payment.state not in (PaymentState.REGISTERED, PaymentState.VERIFYING):
        raise ReplayRefused("Ta płatność nie czeka na potwierdzenie.")

    _record_replay(
        order,
        "replay_payment_check",
        "Wsparcie sprawdziło stan płatności w Przelewy24.",
        {"payment_id": payment_id},
    )
    db.session.commit()
    try:
        check_payment(payment_id)
    except Exception as error:  # noqa: BLE001 - shown to support, logged with trace
        log.exception("support: payment check of %s failed", payment_id)
        raise ReplayRefused(f"Przelewy24 nie odpowiedziało: {error}") from error


def replay_registration(order: Order) -> None:
    """Register a new payment attempt, with a new sessionId, for an unpaid order."""
    from ..payments.checkout import PaymentRefused
    from ..payments.przelewy24 import pay_again

    _record_replay(
        order,
        "replay_registration",
        "Wsparcie ponowiło rejestrację płatności Przelewy24.",
        {},
    )
    db.session.commit()
    try:
        pay_again(order)
    except PaymentRefused as refusal:
        raise ReplayRefused(refusal.message) from refusal


def replay_invitation(order: Order) -> None:
    """Prepare and send the client's invitation if it was never prepared."""
    from ..payments.fulfilment import invite_or_mark
    from ..payments.services import current_licence

    if order.program == "plus" and current_licence(order.id) is None:
        raise ReplayRefused("Zamówienie nie ma aktywnej licencji.")
    _record_replay(
        order, "replay_invitation", "Wsparcie ponowiło przygotowanie zaproszenia.", {}
    )
    db.session.commit()
    invite_or_mark(order.id)


def _record_replay(order: Order, kind: str, message: str, details: dict) -> None:
    timeline.record(order, kind, message, details=details)
    log.info("support: %s on order %s", kind, order.id)
