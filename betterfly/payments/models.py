"""Licences, the partner wallet ledger and Przelewy24 payment attempts.

Money is integer grosze. A licence is first held (taken from the pool or paid
for from the wallet, not yet issued), then issued (active) or released.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Order, UTCDateTime, utcnow


class LicenceSource(enum.StrEnum):
    POOL = "pool"
    WALLET = "wallet"
    P24 = "p24"


class LicenceState(enum.StrEnum):
    HELD = "held"
    ACTIVE = "active"
    RELEASED = "released"


SOURCE_LABELS = {
    LicenceSource.POOL: "Pakiet Premium",
    LicenceSource.WALLET: "Portfel (Program Partnerski)",
    LicenceSource.P24: "Przelewy24",
}


class Licence(db.Model):
    """An annual Betterfly eFaktury Plus licence for one order's client."""

    __tablename__ = "licences"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=LicenceState.HELD)
    price_grosze: Mapped[int] = mapped_column(Integer, default=0)
    # The first day of the package year whose pool this licence was taken from.
    pool_year_start: Mapped[date | None] = mapped_column(Date, index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("p24_payments.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


class WalletEntryKind(enum.StrEnum):
    COMMISSION = "commission"
    LICENCE_PAID = "licence_paid"
    HOLD = "hold"
    RELEASE = "release"
    CORRECTION = "correction"


WALLET_KIND_LABELS = {
    WalletEntryKind.COMMISSION: "Prowizja",
    WalletEntryKind.LICENCE_PAID: "Zapłata za licencję",
    WalletEntryKind.HOLD: "Blokada środków",
    WalletEntryKind.RELEASE: "Zwolnienie blokady",
    WalletEntryKind.CORRECTION: "Korekta",
}


class WalletEntry(db.Model):
    """One movement on an office's partner wallet; the balance is their sum."""

    __tablename__ = "wallet_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_grosze: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return WALLET_KIND_LABELS.get(self.kind, self.kind)


class PaymentState(enum.StrEnum):
    NEW = "new"
    REGISTERED = "registered"
    REGISTER_FAILED = "register_failed"
    VERIFYING = "verifying"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


OPEN_PAYMENT_STATES = (PaymentState.REGISTERED, PaymentState.VERIFYING)


class P24Payment(db.Model):
    """One attempt to pay for an order through Przelewy24, with its own sessionId."""

    __tablename__ = "p24_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    session_id: Mapped[str] = mapped_column(String(100), unique=True)
    amount_grosze: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    state: Mapped[str] = mapped_column(String(20), default=PaymentState.NEW)
    token: Mapped[str | None] = mapped_column(String(100))
    payment_url: Mapped[str | None] = mapped_column(String(500))
    p24_order_id: Mapped[int | None] = mapped_column(BigInteger)
    method_id: Mapped[int | None] = mapped_column(Integer)
    statement: Mapped[str | None] = mapped_column(String(255))
    checks: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verifying_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
