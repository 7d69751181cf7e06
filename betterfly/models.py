"""The core records: offices and their people, clients, orders and their history.

Money is integer grosze. Timestamps are timezone-aware UTC, taken from a
callable at insert time.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """A timestamp that always comes back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Role(enum.StrEnum):
    OFFICE = "office"
    SUPPORT = "support"


class Office(db.Model):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    premium_from: Mapped[date | None] = mapped_column(Date)
    premium_to: Mapped[date | None] = mapped_column(Date)
    is_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branches: Mapped[list[Branch]] = relationship(
        back_populates="office", order_by="Branch.name"
    )

    def has_active_premium(self, today: date) -> bool:
        return bool(
            self.premium_from
            and self.premium_to
            and self.premium_from <= today <= self.premium_to
        )


class User(db.Model):
    """A portal user as last seen in a launch token."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("portal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICE)
    last_launch_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Office] = relationship()


class UsedLaunchToken(db.Model):
    """A launch token's `jti`, kept until the token expires, so it opens once."""

    __tablename__ = "used_launch_tokens"

    jti: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Branch(db.Model):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("office_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    office: Mapped[Office] = relationship(back_populates="branches")
    advisors: Mapped[list[Advisor]] = relationship(
        back_populates="branch", order_by="Advisor.last_name, Advisor.first_name"
    )


class Advisor(db.Model):
    """An employee of the office who looks after clients of one branch."""

    __tablename__ = "advisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(320))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    branch: Mapped[Branch] = relationship(back_populates="advisors")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Client(db.Model):
    """A business client of an office; one per office and NIP."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("office_id", "nip"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    nip: Mapped[str] = mapped_column(String(10))
    regon: Mapped[str | None] = mapped_column(String(14))
    name: Mapped[str] = mapped_column(String(500))
    street: Mapped[str | None] = mapped_column(String(200))
    building_number: Mapped[str | None] = mapped_column(String(20))
    unit_number: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    city: Mapped[str] = mapped_column(String(120))
    data_source: Mapped[str] = mapped_column(String(32), default="manual")
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    advisor: Mapped[Advisor | None] = relationship()

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Program(enum.StrEnum):
    FREE = "free"
    PLUS = "plus"


class PaymentMethod(enum.StrEnum):
    POOL = "pool"
    WALLET = "wallet"
    P24 = "p24"


class OrderStatus(enum.StrEnum):
    PLACED = "placed"
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_FAILED = "payment_failed"
    LICENCE_ACTIVE = "licence_active"
    INVITATION_SENT = "invitation_sent"
    ACTIVATED = "activated"
    ERROR = "error"


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("office_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    request_key: Mapped[str] = mapped_column(String(64))
    program: Mapped[str] = mapped_column(String(16))
    payment_method: Mapped[str | None] = mapped_column(String(16))
    price_grosze: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default=OrderStatus.PLACED)
    status_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    client: Mapped[Client] = relationship()
    advisor: Mapped[Advisor] = relationship()
    placed_by: Mapped[User | None] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id"
    )


class OrderEvent(db.Model):
    """One line of an order's timeline: who did what, when, with technical detail."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="events")


class Invitation(db.Model):
    """An activation link sent to a client; only the token's hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    client: Mapped[Client] = relationship()


class OutboxMessage(db.Model):
    """An e-mail to send. It is marked sent only once the SMTP server accepted it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    transport: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class KeyValue(db.Model):
    """Shared short-lived state (caches, sessions, counters) when there is no Redis."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
