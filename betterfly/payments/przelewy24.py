"""Paying for a licence through Przelewy24: register, confirm, reconcile.

A payment is marked paid only after `transaction/verify` succeeded (or P24
reports the transaction as already verified). Only one process verifies a
payment at a time: it first claims the payment (state VERIFYING) with the
office row locked, so a notification, the reconciliation job and a replay
racing each other send one verification between them.
"""

from __future__ import annotations

import enum
import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..integrations.p24 import (
    P24Error,
    TransactionStatus,
    notification_is_well_formed,
    notification_sign_matches,
)
from ..jobs import enqueue
from ..models import Order, OrderStatus, PaymentMethod, utcnow
from ..orders import timeline
from ..web import format_money
from .errors import PaymentRefused
from .fulfilment import invite_or_mark
from .models import OPEN_PAYMENT_STATES, P24Payment, PaymentState
from .services import current_licence, issue_paid_licence, lock_office
from .settings import notification_source_allowed, p24_client, p24_settings

log = logging.getLogger("betterfly.payments")

TIME_LIMIT_MINUTES = 15
DEADLINE_MARGIN = timedelta(minutes=15)
RECONCILE_DELAYS_MINUTES = (2, 5, 10, 15, 30, 60)
STALE_VERIFICATION = timedelta(minutes=2)
RETURN_CHECK_SECONDS = 15

REGISTER_FAILED = (
    "Nie udało się rozpocząć płatności w Przelewy24. Spróbuj zapłacić ponownie "
    "albo wybierz inny sposób płatności."
)
EXPIRED = (
    "Płatność Przelewy24 nie wpłynęła w wyznaczonym czasie. Zapłać ponownie "
    "albo wybierz inny sposób płatności."
)


class Claim(enum.StrEnum):
    CLAIMED = "claimed"
    ALREADY_PAID = "already_paid"
    BUSY = "busy"
    CONFLICT = "conflict"


def payment_by_session(session_id: str) -> P24Payment | None:
    return db.session.scalar(
        select(P24Payment).where(P24Payment.session_id == session_id)
    )


def order_payments(order_id: int) -> list[P24Payment]:
    return db.session.scalars(
        select(P24Payment)
        .where(P24Payment.order_id == order_id)
        .order_by(P24Payment.id.desc())
    ).all()


# --- Registering an attempt -----------------------------------------------------


def start_payment(order_id: int) -> P24Payment:
    """Write a new attempt, register it with Przelewy24 and store its token.

    A failed registration is written on the order (PAYMENT_FAILED), not raised.
    """
    order = db.session.get(Order, order_id)
    payment = _new_attempt(order)
    db.session.commit()

    try:
        token = p24_client().register(
            session_id=payment.session_id,
            amount=payment.amount_grosze,
            currency=payment.currency,
            description=f"Betterfly eFaktury Plus, licencja roczna, zam. {order.id}",
            email=_payer_email(order),
            url_return=_public_url(f"/payments/p24/return/{payment.session_id}"),
            url_status=_public_url("/payments/p24/notify"),
            time_limit=TIME_LIMIT_MINUTES,
        )
    except P24Error as error:
        _registration_failed(order, payment, error)
        return payment

    _registered(order, payment, token)
    _schedule_reconcile(payment.id, 0)
    return payment


def _new_attempt(order: Order) -> P24Payment:
    for earlier in order_payments(order.id):
        if earlier.state == PaymentState.REGISTERED:
            earlier.state = PaymentState.CANCELLED

    payment = P24Payment(
        office_id=order.office_id,
        order_id=order.id,
        session_id=f"bf{order.id}-{uuid.uuid4().hex}",
        amount_grosze=order.price_grosze,
        currency="PLN",
        state=PaymentState.NEW,
    )
    db.session.add(payment)
    db.session.flush()
    timeline.record(
        order,
        "p24_payment_created",
        f"Przygotowano płatność Przelewy24 na {format_money(payment.amount_grosze)}.",
        details={"payment_id": payment.id, "session_id": payment.session_id},
    )
    return payment


def _registration_failed(order: Order, payment: P24Payment, error: P24Error) -> None:
    payment.state = PaymentState.REGISTER_FAILED
    payment.last_error = str(error)
    timeline.set_status(
        order,
        OrderStatus.PAYMENT_FAILED,
        REGISTER_FAILED,
        kind="p24_register_failed",
        details={
            "payment_id": payment.id,
            "error": str(error),
            "http_status": error.status_code,
        },
        status_detail=REGISTER_FAILED,
    )
    db.session.commit()
    log.warning(
        "order %s: p24 payment %s registration failed: %s", order.id, payment.id, error
    )


def _registered(order: Order, payment: P24Payment, token: str) -> None:
    now = utcnow()
    payment.token = token
    payment.payment_url = p24_client().payment_url(token)
    payment.state = PaymentState.REGISTERED
    payment.registered_at = now
    payment.deadline_at = now + timedelta(minutes=TIME_LIMIT_MINUTES) + DEADLINE_MARGIN
    timeline.set_status(
        order,
        OrderStatus.AWAITING_PAYMENT,
        "Płatność zarejestrowana w Przelewy24; czekamy na wpłatę.",
        kind="p24_registered",
        details={"payment_id": payment.id, "session_id": payment.session_id},
    )
    db.session.commit()
    log.info("order %s: p24 payment %s registered", order.id, payment.id)


def _payer_email(order: Order) -> str:
    """The office pays, so P24 gets the ordering user's address (at most 50)."""
    for address in (order.placed_by and order.placed_by.email, order.client.email):
        if address and len(address) <= 50:
            return address
    return order.client.email[:50]


def _public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


# --- The notification -----------------------------------------------------------


def handle_notification(payload, remote_addr: str | None) -> int:
    """Check a notification and confirm its payment; return the HTTP status.

    200: paid (now or before) or being verified; 400: forged or mismatched,
    nothing done; 403: source address not allowed; 503: verification failed
    for now, so Przelewy24 sends the notification again later.
    """
    if not notification_source_allowed(remote_addr):
        log.warning(
            "p24 notification from %s refused: address not allowed", remote_addr
        )
        return 403
    refusal, payment = _check_notification(payload)
    if refusal:
        _refuse(payment, payload, refusal)
        return 400

    try:
        claim = confirm_payment(payment.id, payload["orderId"], via="notification")
    except P24Error:
        return 503
    return 400 if claim == Claim.CONFLICT else 200


def _check_notification(payload) -> tuple[str | None, P24Payment | None]:
    if not notification_is_well_formed(payload):
        return "malformed", None
    settings = p24_settings()
    payment = payment_by_session(payload["sessionId"])
    if not notification_sign_matches(payload, settings.crc):
        return "sign", payment
    if payload["merchantId"] != settings.merchant_id:
        return "merchant", payment
    if payload["posId"] != settings.pos_id:
        return "pos", payment
    if payment is None:
        return "unknown_session", None
    if payload["currency"] != payment.currency:
        return "currency", payment
    if payload["amount"] != payment.amount_grosze:
        return "amount", payment
    if payload["originAmount"] != payment.amount_grosze:
        return "origin_amount", payment
    return None, payment


REFUSAL_TEXT = {
    "sign": "podpis się nie zgadza",
    "merchant": "inny identyfikator sprzedawcy",
    "pos": "inny identyfikator punktu płatności",
    "currency": "inna waluta",
    "amount": "inna kwota wpłaty",
    "origin_amount": "inna kwota zarejestrowana",
}


def _refuse(payment: P24Payment | None, payload, reason: str) -> None:
    safe = payload if isinstance(payload, dict) else {}
    summary = {
        key: safe.get(key)
        for key in (
            "merchantId",
            "posId",
            "sessionId",
            "amount",
            "originAmount",
            "currency",
            "orderId",
        )
    }
    log.warning(
        "p24 notification refused (%s) for payment %s: %s",
        reason,
        payment.id if payment else None,
        summary,
    )
    if payment is None:
        return
    timeline.record(
        payment.order,
        "p24_notification_refused",
        f"Odrzucono powiadomienie z Przelewy24: {REFUSAL_TEXT[reason]}. "
        "Nic nie zostało aktywowane.",
        details={"payment_id": payment.id, "reason": reason, "received": summary},
        actor=timeline.SYSTEM,
    )
    db.session.commit()


# --- Confirming a payment -------------------------------------------------------


def confirm_payment(
    payment_id: int, p24_order_id: int, *, via: str, already_verified: bool = False
) -> Claim:
    """Verify the payment once and issue its licence.

    Raises P24Error when Przelewy24 did not confirm it; the payment is then
    open again for the next notification or check.
    """
    claim = _claim(payment_id, p24_order_id, via)
    if claim != Claim.CLAIMED:
        return claim

    payment = db.session.get(P24Payment, payment_id)
    if not already_verified:
        _verify(payment)
    _mark_paid(payment_id, via)
    invite_or_mark(payment.order_id)
    return Claim.CLAIMED


def _claim(payment_id: int, p24_order_id: int, via: str) -> Claim:
    payment = db.session.get(P24Payment, payment_id)
    lock_office(payment.office_id)
    db.session.refresh(payment)

    stale_before = utcnow() - STALE_VERIFICATION
    if payment.state == PaymentState.PAID:
        db.session.rollback()
        return Claim.ALREADY_PAID
    if payment.state == PaymentState.VERIFYING and payment.verifying_since > (
        stale_before
    ):
        db.session.rollback()
        return Claim.BUSY
    if payment.state in (PaymentState.NEW, PaymentState.REGISTER_FAILED):
        db.session.rollback()
        return Claim.CONFLICT

    licence = current_licence(payment.order_id)
    if licence is not None:
        _paid_twice(payment, licence, p24_order_id)
        return Claim.CONFLICT

    payment.state = PaymentState.VERIFYING
    payment.verifying_since = utcnow()
    payment.p24_order_id = p24_order_id
    timeline.record(
        payment.order,
        "p24_paid",
        "Przelewy24 zgłosiło wpłatę; potwierdzamy płatność.",
        details={"payment_id": payment.id, "p24_order_id": p24_order_id, "via": via},
        actor=timeline.SYSTEM,
    )
    db.session.commit()
    return Claim.CLAIMED


def _paid_twice(payment: P24Payment, licence, p24_order_id: int) -> None:
    """The payer paid an attempt although the order already has its licence."""
    timeline.record(
        payment.order,
        "p24_payment_not_needed",
        "Wpłynęła płatność Przelewy24, ale zamówienie ma już licencję "
        f"({licence.source_label}). Płatności nie potwierdzono, więc Przelewy24 "
        "nie rozliczy jej ze sprzedawcą.",
        details={
            "payment_id": payment.id,
            "p24_order_id": p24_order_id,
            "licence_id": licence.id,
        },
        actor=timeline.SYSTEM,
    )
    db.session.commit()
    log.warning(
        "order %s: p24 payment %s arrived for an order with licence %s",
        payment.order_id,
        payment.id,
        licence.id,
    )


def _verify(payment: P24Payment) -> None:
    client = p24_client()
    try:
        client.verify(
            session_id=payment.session_id,
            order_id=payment.p24_order_id,
            amount=payment.amount_grosze,
            currency=payment.currency,
        )
    except P24Error as error:
        if _verified_already(client, payment):
            return
        _reopen(payment, error)
        raise
    log.info("order %s: p24 payment %s verified", payment.order_id, payment.id)


def _verified_already(client, payment: P24Payment) -> bool:
    """A verify that failed may have followed one that succeeded and got lost."""
    try:
        status = client.transaction_status(payment.session_id)
    except P24Error:
        return False
    return status is not None and status.status == TransactionStatus.VERIFIED


def _reopen(payment: P24Payment, error: P24Error) -> None:
    payment.state = PaymentState.REGISTERED
    payment.verifying_since = None
    payment.last_error = str(error)
    timeline.record(
        payment.order,
        "p24_verify_failed",
        "Przelewy24 nie potwierdziło płatności przy weryfikacji; spróbujemy ponownie.",
        details={
            "payment_id": payment.id,
            "error": str(error),
            "http_status": error.status_code,
        },
        actor=timeline.SYSTEM,
    )
    db.session.commit()
    log.warning(
        "order %s: p24 payment %s verification failed: %s",
        payment.order_id,
        payment.id,
        error,
    )


def _mark_paid(payment_id: int, via: str) -> None:
    payment = db.session.get(P24Payment, payment_id)
    lock_office(payment.office_id)
    db.session.refresh(payment)

    payment.state = PaymentState.PAID
    payment.paid_at = utcnow()
    payment.verifying_since = None
    timeline.record(
        payment.order,
        "p24_verified",
        f"Płatność Przelewy24 potwierdzona ({format_money(payment.amount_grosze)}).",
        details={
            "payment_id": payment.id,
            "p24_order_id": payment.p24_order_id,
            "via": via,
        },
        actor=timeline.SYSTEM,
    )
    issue_paid_licence(payment.order, payment.id, payment.amount_grosze)
    db.session.commit()


# --- Asking Przelewy24 (reconciliation) -----------------------------------------


def reconcile_payment(payment_id: int, attempt: int = 0) -> None:
    """Job: ask Przelewy24 about an open payment, with back-off until its deadline.

    Errors from Przelewy24 are raised, so the queue retries the job.
    """
    payment = db.session.get(P24Payment, payment_id)
    if payment is None or payment.state not in OPEN_PAYMENT_STATES:
        log.info("p24 payment %s: nothing to reconcile", payment_id)
        return

    if check_payment(payment_id):
        return
    payment = db.session.get(P24Payment, payment_id)
    if payment.state == PaymentState.REGISTERED and utcnow() >= payment.deadline_at:
        expire_payment(payment_id)
        return
    _schedule_reconcile(payment_id, attempt + 1)


def check_on_return(payment_id: int) -> None:
    """Job: the payer came back; ask at once rather than wait for the notification."""
    payment = db.session.get(P24Payment, payment_id)
    if payment is not None and payment.state in OPEN_PAYMENT_STATES:
        check_payment(payment_id)


def check_payment(payment_id: int) -> bool:
    """Ask Przelewy24 once; True when the payment needs no more checks."""
    payment = db.session.get(P24Payment, payment_id)
    status = p24_client().transaction_status(payment.session_id)
    payment.checks += 1
    db.session.commit()
    log.info(
        "order %s: p24 payment %s status %s",
        payment.order_id,
        payment.id,
        status.status if status else "unknown",
    )

    if status is None or status.status == TransactionStatus.NO_PAYMENT:
        return False
    if status.status == TransactionStatus.RETURNED:
        return True
    if status.amount != payment.amount_grosze or status.currency != payment.currency:
        _refuse(payment, status.raw | {"sessionId": payment.session_id}, "amount")
        return True

    claim = confirm_payment(
        payment.id,
        status.order_id,
        via="by_session_id",
        already_verified=status.status == TransactionStatus.VERIFIED,
    )
    return claim != Claim.BUSY


def expire_payment(payment_id: int) -> None:
    payment = db.session.get(P24Payment, payment_id)
    lock_office(payment.office_id)
    db.session.refresh(payment)
    if payment.state != PaymentState.REGISTERED:
        db.session.rollback()
        return

    payment.state = PaymentState.EXPIRED
    order = payment.order
    is_latest = order_payments(order.id)[0].id == payment.id
    if is_latest and current_licence(order.id) is None:
        timeline.set_status(
            order,
            OrderStatus.PAYMENT_FAILED,
            EXPIRED,
            kind="p24_expired",
            details={"payment_id": payment.id, "checks": payment.checks},
            actor=timeline.SYSTEM,
            status_detail=EXPIRED,
        )
    db.session.commit()
    log.info("order %s: p24 payment %s expired", order.id, payment.id)


def _schedule_reconcile(payment_id: int, attempt: int) -> None:
    delays = RECONCILE_DELAYS_MINUTES
    delay = timedelta(minutes=delays[min(attempt, len(delays) - 1)])
    try:
        store = current_app.extensions["betterfly.store"]
        if store.incr(f"p24:reconcile:{payment_id}:{attempt}", 86400) > 1:
            return
        enqueue(reconcile_payment, payment_id, attempt, delay=delay)
    except Exception:  # noqa: BLE001 - the payment row stays open for support
        log.warning(
            "p24 payment %s: could not schedule check %s",
            payment_id,
            attempt,
            exc_info=True,
        )


def schedule_return_check(payment: P24Payment) -> None:
    """Ask Przelewy24 soon after the payer returns, at most once in a while."""
    if payment.state not in OPEN_PAYMENT_STATES:
        return
    try:
        store = current_app.extensions["betterfly.store"]
        if store.incr(f"p24:return:{payment.id}", RETURN_CHECK_SECONDS) > 1:
            return
        enqueue(check_on_return, payment.id)
    except Exception:  # noqa: BLE001 - the scheduled checks still run
        log.warning(
            "p24 payment %s: could not schedule the return check",
            payment.id,
            exc_info=True,
        )


# --- Changing how an order is paid ----------------------------------------------


def ensure_payment_can_change(order: Order) -> None:
    """Refuse while the order has a licence or a payment being confirmed."""
    if current_licence(order.id) is not None:
        raise PaymentRefused("To zamówienie ma już licencję.")
    for payment in order_payments(order.id):
        if payment.state in (PaymentState.PAID, PaymentState.VERIFYING):
            raise PaymentRefused(
                "Płatność Przelewy24 jest właśnie potwierdzana. Odśwież stronę za "
                "chwilę."
            )


def pay_again(order: Order) -> P24Payment:
    """A new attempt, with a new sessionId, for an unpaid order."""
    lock_office(order.office_id)
    ensure_payment_can_change(order)
    if p24_settings() is None:
        raise PaymentRefused("Płatności przez Przelewy24 są teraz niedostępne.")

    order.payment_method = PaymentMethod.P24
    order.price_grosze = current_app.config["PLUS_PRICE_GROSZE"]
    timeline.record(order, "p24_pay_again", "Rozpoczęto ponowną płatność Przelewy24.")
    db.session.commit()
    return start_payment(order.id)
