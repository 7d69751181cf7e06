"""How the ordering page and order placement use the payment methods of Plus.

The ordering flow calls only these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..extensions import db
from ..models import Office, Order, PaymentMethod
from .errors import PaymentRefused
from .settings import p24_settings

__all__ = [
    "PaymentOptions",
    "PaymentRefused",
    "after_order_committed",
    "hold_for_order",
    "payment_options",
]

CHOOSE_METHOD = "Wybierz sposób płatności za licencję."
P24_UNAVAILABLE = "Płatności przez Przelewy24 są teraz niedostępne."


@dataclass(frozen=True)
class PaymentOptions:
    """What the payment block shows: which methods can be used, and why not."""

    price_grosze: int
    pool_available: bool
    pool_left: int | None
    pool_size: int | None
    pool_reason: str | None
    wallet_available: bool
    wallet_balance_grosze: int | None
    wallet_reason: str | None
    p24_available: bool


def payment_options(office: Office) -> PaymentOptions:
    from .services import pool_refusal, pool_state, wallet_balance, wallet_refusal

    price = current_app.config["PLUS_PRICE_GROSZE"]
    pool = pool_state(office)
    pool_reason = pool_refusal(pool)
    balance = wallet_balance(office.id) if office.is_partner else None
    wallet_reason = wallet_refusal(office, balance or 0, price)
    return PaymentOptions(
        price_grosze=price,
        pool_available=pool_reason is None,
        pool_left=pool.left if pool else None,
        pool_size=pool.size if pool else None,
        pool_reason=pool_reason,
        wallet_available=wallet_reason is None,
        wallet_balance_grosze=balance,
        wallet_reason=wallet_reason,
        p24_available=p24_settings() is not None,
    )


def hold_for_order(order: Order, method: str | None) -> None:
    """Reserve what pays for the order, inside the caller's transaction.

    Sets the order's price and method. Raises PaymentRefused when the method
    cannot pay for it now; the caller then rolls everything back.
    """
    from .services import hold_pool_licence, hold_wallet_amount

    price = current_app.config["PLUS_PRICE_GROSZE"]
    db.session.flush()
    if method == PaymentMethod.POOL:
        order.price_grosze = 0
        hold_pool_licence(order)
    elif method == PaymentMethod.WALLET:
        order.price_grosze = price
        hold_wallet_amount(order, price)
    elif method == PaymentMethod.P24:
        if p24_settings() is None:
            raise PaymentRefused(P24_UNAVAILABLE)
        order.price_grosze = price
    else:
        raise PaymentRefused(CHOOSE_METHOD)
    order.payment_method = method
    db.session.flush()


def after_order_committed(order_id: int) -> None:
    """Carry on once the order and its hold are committed.

    Pool and wallet: issue the licence and invite the client. Przelewy24:
    register the payment so the office can send the payer to it. Failures are
    written on the order, not raised.
    """
    from .fulfilment import issue_and_invite
    from .przelewy24 import start_payment

    order = db.session.get(Order, order_id)
    if order.payment_method == PaymentMethod.P24:
        start_payment(order_id)
    else:
        issue_and_invite(order_id)


def switch_method(order: Order, method: str) -> None:
    """Pay an unpaid order from the pool or the wallet instead, and issue it.

    Raises PaymentRefused (nothing changed) when the order already has a
    licence, a payment is being confirmed, or the method cannot pay now.
    """
    from ..orders import timeline
    from .fulfilment import issue_and_invite
    from .models import PaymentState
    from .przelewy24 import ensure_payment_can_change, order_payments
    from .services import lock_office

    if method not in (PaymentMethod.POOL, PaymentMethod.WALLET):
        raise PaymentRefused(CHOOSE_METHOD)
    try:
        lock_office(order.office_id)
        ensure_payment_can_change(order)
        for payment in order_payments(order.id):
            if payment.state == PaymentState.REGISTERED:
                payment.state = PaymentState.CANCELLED
        hold_for_order(order, method)
        timeline.record(
            order,
            "payment_method_changed",
            "Zmieniono sposób płatności na: "
            + ("licencja z Pakietu Premium." if method == "pool" else "portfel."),
            details={"payment_method": method},
        )
        db.session.commit()
    except PaymentRefused:
        db.session.rollback()
        raise
    issue_and_invite(order.id)
