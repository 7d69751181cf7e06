"""Placing an order: the client and the order in one transaction, exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..activation.services import invite_client
from ..extensions import db
from ..mail.delivery import schedule_delivery
from ..models import (
    Advisor,
    Branch,
    Client,
    Office,
    Order,
    OrderStatus,
    Program,
    User,
)
from ..payments.checkout import PaymentRefused, after_order_committed, hold_for_order
from . import timeline

log = logging.getLogger("betterfly.orders")


@dataclass(frozen=True)
class CompanyDetails:
    nip: str
    name: str
    regon: str | None
    street: str | None
    building_number: str | None
    unit_number: str | None
    postal_code: str | None
    city: str
    source: str


@dataclass(frozen=True)
class OrderRequest:
    request_key: str
    phone: str
    company: CompanyDetails
    branch_id: int
    advisor_id: int
    program: str
    payment_method: str | None
    email: str
    first_name: str
    last_name: str


class OrderRejected(Exception):
    """The order cannot be placed as asked; the message belongs at `field`."""

    def __init__(self, field: str, message: str, client: Client | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.client = client


def active_branches(office: Office) -> list[Branch]:
    return db.session.scalars(
        select(Branch)
        .where(Branch.office_id == office.id, Branch.is_active.is_(True))
        .order_by(Branch.name)
    ).all()


def active_advisors(office: Office, branch_id: int | None) -> list[Advisor]:
    if not branch_id:
        return []
    return db.session.scalars(
        select(Advisor)
        .join(Branch)
        .where(
            Advisor.office_id == office.id,
            Advisor.branch_id == branch_id,
            Advisor.is_active.is_(True),
            Branch.is_active.is_(True),
        )
        .order_by(Advisor.last_name, Advisor.first_name)
    ).all()


def find_client_by_nip(office: Office, nip: str) -> Client | None:
    return db.session.scalar(
        select(Client).where(Client.office_id == office.id, Client.nip == nip)
    )


def latest_order_of(client: Client | None) -> Order | None:
    if client is None:
        return None
    return db.session.scalar(
        select(Order)
        .where(Order.client_id == client.id, Order.office_id == client.office_id)
        .order_by(Order.id.desc())
    )


def find_order_by_key(office: Office, request_key: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(
            Order.office_id == office.id, Order.request_key == request_key
        )
    )


def place_order(office: Office, user: User, request: OrderRequest) -> Order:
    """Create the client and the order; the same request key gives the same order.

    Raises OrderRejected when the advisor, the client or the payment does not
    allow the order; nothing is saved then.
    """
    existing = find_order_by_key(office, request.request_key)
    if existing is not None:
        return existing

    advisor = _checked_advisor(office, request.branch_id, request.advisor_id)
    _refuse_known_client(office, request.company.nip)

    try:
        order = _create(office, user, advisor, request)
        message = _hold_or_invite(order, request)
        db.session.commit()
    except PaymentRefused as refusal:
        db.session.rollback()
        raise OrderRejected(refusal.field, refusal.message) from refusal
    except IntegrityError:
        db.session.rollback()
        return _winner_of_race(office, request)

    log.info(
        "order %s placed by user %s for client %s (%s)",
        order.id,
        user.id,
        order.client_id,
        order.program,
    )
    _carry_on(order, message)
    return order


def _checked_advisor(office: Office, branch_id: int, advisor_id: int) -> Advisor:
    advisor = db.session.get(Advisor, advisor_id) if advisor_id else None
    if advisor is None or advisor.office_id != office.id:
        raise OrderRejected("advisor", "Wybierz opiekuna z listy.")
    if advisor.branch_id != branch_id:
        raise OrderRejected("advisor", "Ten opiekun nie pracuje w wybranym oddziale.")
    if not advisor.is_active or not advisor.branch.is_active:
        raise OrderRejected("advisor", "Ten opiekun nie obsługuje już Klientów.")
    return advisor


def _refuse_known_client(office: Office, nip: str) -> None:
    client = find_client_by_nip(office, nip)
    if client is not None:
        raise OrderRejected(
            "nip", "Twoje biuro ma już Klienta z tym NIP-em.", client=client
        )


def _create(office: Office, user: User, advisor: Advisor, request: OrderRequest):
    company = request.company
    client = Client(
        office_id=office.id,
        nip=company.nip,
        regon=company.regon,
        name=company.name,
        street=company.street,
        building_number=company.building_number,
        unit_number=company.unit_number,
        postal_code=company.postal_code,
        city=company.city,
        data_source=company.source,
        phone=request.phone,
        email=request.email,
        first_name=request.first_name,
        last_name=request.last_name,
        advisor_id=advisor.id,
    )
    db.session.add(client)
    db.session.flush()

    order = Order(
        office_id=office.id,
        client_id=client.id,
        advisor_id=advisor.id,
        placed_by_id=user.id,
        request_key=request.request_key,
        program=request.program,
        payment_method=request.payment_method,
        status=OrderStatus.PLACED,
    )
    db.session.add(order)
    db.session.flush()
    timeline.record(
        order,
        "placed",
        "Zamówienie złożone.",
        details={
            "program": request.program,
            "payment_method": request.payment_method,
            "company_source": company.source,
        },
    )
    return order


def _hold_or_invite(order: Order, request: OrderRequest):
    if request.program == Program.PLUS:
        hold_for_order(order, request.payment_method)
        return None
    return invite_client(order)


def _carry_on(order: Order, message) -> None:
    if message is not None:
        schedule_delivery(message.id)
    if order.program == Program.PLUS:
        after_order_committed(order.id)


def _winner_of_race(office: Office, request: OrderRequest) -> Order:
    """Another submission committed first: the same key means the same order."""
    order = find_order_by_key(office, request.request_key)
    if order is not None:
        return order
    _refuse_known_client(office, request.company.nip)
    raise OrderRejected("nip", "Nie udało się zapisać zamówienia. Spróbuj ponownie.")
