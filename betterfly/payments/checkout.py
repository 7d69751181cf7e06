"""How the ordering page and order placement use the payment methods of Plus.

The ordering flow calls only these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Office, Order


class PaymentRefused(Exception):
    """The chosen way to pay cannot be used; the message is shown at the field."""

    def __init__(self, message: str, field: str = "payment_method"):
        super().__init__(message)
        self.message = message
        self.field = field


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
    return PaymentOptions(
        price_grosze=0,
        pool_available=False,
        pool_left=None,
        pool_size=None,
        pool_reason="Płatności za Betterfly eFaktury Plus nie są jeszcze dostępne.",
        wallet_available=False,
        wallet_balance_grosze=None,
        wallet_reason="Płatności za Betterfly eFaktury Plus nie są jeszcze dostępne.",
        p24_available=False,
    )


def hold_for_order(order: Order, method: str) -> None:
    """Reserve what pays for the order, inside the caller's transaction."""
    raise PaymentRefused(
        "Betterfly eFaktury Plus nie może być jeszcze zamówiony.", field="program"
    )


def after_order_committed(order_id: int) -> None:
    """Carry on once the order and its hold are committed."""
