"""Licences, the Premium Package pool and the partner wallet.

Every change of a pool count or a wallet balance happens with the office's row
locked (SELECT ... FOR UPDATE on PostgreSQL; on SQLite a write that takes the
database's single write lock), so concurrent orders are counted one at a time.
Functions here add to the session; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Office, Order, OrderStatus, utcnow
from ..orders import timeline
from ..web import format_date, format_money
from .errors import PaymentRefused
from .models import (
    Licence,
    LicenceSource,
    LicenceState,
    WalletEntry,
    WalletEntryKind,
)

log = logging.getLogger("betterfly.payments")

NO_PREMIUM = "Biuro nie ma aktywnego Pakietu Premium, więc nie ma puli licencji."
NOT_PARTNER = "Portfel jest dostępny tylko dla biur w Programie Partnerskim."


class LicenceError(RuntimeError):
    """A licence cannot move the way it was asked to (a state the code forbids)."""


@dataclass(frozen=True)
class PackageYear:
    start: date
    end: date


@dataclass(frozen=True)
class PoolState:
    size: int
    used: int
    year: PackageYear

    @property
    def left(self) -> int:
        return max(self.size - self.used, 0)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def licence_end(start: date) -> date:
    """The last day of a licence issued on `start`: twelve months, inclusive."""
    return add_years(start, 1) - timedelta(days=1)


def today() -> date:
    return date.today()


def lock_office(office_id: int) -> Office:
    """Lock the office row for the rest of the transaction and return it fresh."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write takes the database's write lock and
        # holds it to commit, which serialises every writer after this point.
        db.session.execute(
            update(Office).where(Office.id == office_id).values(id=Office.id),
            execution_options={"synchronize_session": False},
        )
    # FOR NO KEY UPDATE: the order's own rows already hold a key-share lock on
    # the office (their foreign keys); a plain FOR UPDATE would deadlock on it.
    return db.session.scalars(
        select(Office)
        .where(Office.id == office_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


# --- Premium Package pool -------------------------------------------------------


def package_year(office: Office, day: date) -> PackageYear | None:
    """The package year containing `day`, or None without an active package."""
    if not office.has_active_premium(day):
        return None
    years = day.year - office.premium_from.year
    start = add_years(office.premium_from, years)
    if start > day:
        start = add_years(office.premium_from, years - 1)
    end = min(add_years(start, 1) - timedelta(days=1), office.premium_to)
    return PackageYear(start, end)


def pool_state(office: Office) -> PoolState | None:
    year = package_year(office, today())
    if year is None:
        return None
    used = db.session.scalar(
        select(func.count(Licence.id)).where(
            Licence.office_id == office.id,
            Licence.source == LicenceSource.POOL,
            Licence.pool_year_start == year.start,
            Licence.state != LicenceState.RELEASED,
        )
    )
    return PoolState(current_app.config["PREMIUM_POOL_SIZE"], used, year)


def pool_refusal(state: PoolState | None) -> str | None:
    if state is None:
        return NO_PREMIUM
    if state.left <= 0:
        return (
            f"Pula {state.size} licencji z Pakietu Premium na rok pakietu "
            f"{format_date(state.year.start)}–{format_date(state.year.end)} "
            "została wykorzystana."
        )
    return None


def grant_premium(office: Office, start: date, end: date) -> None:
    """Give the office a Premium Package for these days; the caller commits."""
    if end < start:
        raise ValueError("the package must end on or after its start")
    office.premium_from = start
    office.premium_to = end
    log.info("office %s: premium package %s..%s", office.id, start, end)


# --- Partner wallet -------------------------------------------------------------


def wallet_balance(office_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(WalletEntry.amount_grosze), 0)).where(
            WalletEntry.office_id == office_id
        )
    )


def wallet_entries(office_id: int, limit: int = 200) -> list[WalletEntry]:
    return db.session.scalars(
        select(WalletEntry)
        .where(WalletEntry.office_id == office_id)
        .order_by(WalletEntry.id.desc())
        .limit(limit)
    ).all()


def wallet_refusal(office: Office, balance: int, price: int) -> str | None:
    if not office.is_partner:
        return NOT_PARTNER
    if balance < price:
        return (
            f"Za mało środków w portfelu: saldo {format_money(balance)}, "
            f"cena licencji {format_money(price)}."
        )
    return None


def credit_wallet(
    office: Office,
    amount_grosze: int,
    note: str,
    *,
    kind: WalletEntryKind = WalletEntryKind.COMMISSION,
    actor: str = "operator",
) -> WalletEntry:
    """Add a commission (or a correction) to the wallet; the caller commits.

    A negative correction may not take the balance below zero.
    """
    if kind == WalletEntryKind.COMMISSION and amount_grosze <= 0:
        raise ValueError("a commission must be a positive amount")
    lock_office(office.id)
    if wallet_balance(office.id) + amount_grosze < 0:
        raise ValueError("the correction would take the balance below zero")
    entry = WalletEntry(
        office_id=office.id,
        kind=kind,
        amount_grosze=amount_grosze,
        note=note,
        actor=actor,
    )
    db.session.add(entry)
    log.info("office %s: wallet %s %s grosze", office.id, kind, amount_grosze)
    return entry


# --- Holding, issuing and releasing a licence ----------------------------------


def hold_pool_licence(order: Order) -> Licence:
    """Take one licence from this package year's pool for the order, or refuse."""
    office = lock_office(order.office_id)
    state = pool_state(office)
    refusal = pool_refusal(state)
    if refusal:
        raise PaymentRefused(refusal)

    licence = Licence(
        office_id=office.id,
        order_id=order.id,
        client_id=order.client_id,
        source=LicenceSource.POOL,
        state=LicenceState.HELD,
        price_grosze=0,
        pool_year_start=state.year.start,
    )
    db.session.add(licence)
    timeline.record(
        order,
        "licence_held",
        "Zarezerwowano licencję z Pakietu Premium "
        f"(pozostało {state.left - 1} z {state.size}).",
        details={"source": "pool", "pool_year_start": str(state.year.start)},
    )
    return licence


def hold_wallet_amount(order: Order, price: int) -> Licence:
    """Block the licence price in the wallet for the order, or refuse."""
    office = lock_office(order.office_id)
    balance = wallet_balance(office.id)
    refusal = wallet_refusal(office, balance, price)
    if refusal:
        raise PaymentRefused(refusal)

    db.session.add(
        WalletEntry(
            office_id=office.id,
            kind=WalletEntryKind.HOLD,
            amount_grosze=-price,
            order_id=order.id,
            note=f"Zamówienie nr {order.id}",
            actor=timeline.current_actor(),
        )
    )
    licence = Licence(
        office_id=office.id,
        order_id=order.id,
        client_id=order.client_id,
        source=LicenceSource.WALLET,
        state=LicenceState.HELD,
        price_grosze=price,
    )
    db.session.add(licence)
    timeline.record(
        order,
        "licence_held",
        f"Zablokowano {format_money(price)} w portfelu na licencję.",
        details={"source": "wallet", "balance_before": balance, "price": price},
    )
    return licence


def current_licence(order_id: int) -> Licence | None:
    """The order's held or active licence, if any."""
    return db.session.scalars(
        select(Licence)
        .where(Licence.order_id == order_id, Licence.state != LicenceState.RELEASED)
        .order_by(Licence.id.desc())
    ).first()


def issue_held_licence(order_id: int) -> Licence:
    """Capture the hold: the licence becomes active for twelve months.

    Running it again for an already issued licence changes nothing.
    """
    order = db.session.get(Order, order_id)
    lock_office(order.office_id)
    licence = current_licence(order_id)
    if licence is None:
        raise LicenceError(f"order {order_id} has no held licence to issue")
    if licence.state == LicenceState.ACTIVE:
        return licence

    if licence.source == LicenceSource.WALLET:
        _capture_wallet_hold(order, licence)
    _activate(order, licence)
    return licence


def issue_paid_licence(order: Order, payment_id: int, price: int) -> Licence:
    """A licence paid through Przelewy24; the office row must already be locked."""
    licence = current_licence(order.id)
    if licence is not None and licence.payment_id == payment_id:
        return licence
    if licence is not None:
        raise LicenceError(f"order {order.id} already has licence {licence.id}")

    licence = Licence(
        office_id=order.office_id,
        order_id=order.id,
        client_id=order.client_id,
        source=LicenceSource.P24,
        price_grosze=price,
        payment_id=payment_id,
    )
    db.session.add(licence)
    _activate(order, licence)
    return licence


def release_hold(order_id: int, reason: str) -> Licence | None:
    """Give back what was held for the order; nothing happens if nothing is held."""
    order = db.session.get(Order, order_id)
    lock_office(order.office_id)
    licence = current_licence(order_id)
    if licence is None or licence.state != LicenceState.HELD:
        return None

    licence.state = LicenceState.RELEASED
    licence.released_at = utcnow()
    if licence.source == LicenceSource.WALLET:
        db.session.add(
            WalletEntry(
                office_id=order.office_id,
                kind=WalletEntryKind.RELEASE,
                amount_grosze=licence.price_grosze,
                order_id=order.id,
                note=f"Zamówienie nr {order.id}: {reason}",
                actor=timeline.SYSTEM,
            )
        )
    what = (
        "licencję z Pakietu Premium"
        if licence.source == LicenceSource.POOL
        else f"{format_money(licence.price_grosze)} w portfelu"
    )
    timeline.record(
        order,
        "licence_released",
        f"Zwolniono rezerwację: {what}. Powód: {reason}",
        details={"licence_id": licence.id, "source": licence.source},
    )
    log.info("order %s: released held licence %s", order.id, licence.id)
    return licence


def _capture_wallet_hold(order: Order, licence: Licence) -> None:
    """The hold turns into the payment: a release and a charge of the same amount."""
    for kind, amount in (
        (WalletEntryKind.RELEASE, licence.price_grosze),
        (WalletEntryKind.LICENCE_PAID, -licence.price_grosze),
    ):
        db.session.add(
            WalletEntry(
                office_id=order.office_id,
                kind=kind,
                amount_grosze=amount,
                order_id=order.id,
                note=f"Zamówienie nr {order.id}",
                actor=timeline.SYSTEM,
            )
        )


def _activate(order: Order, licence: Licence) -> None:
    start = today()
    licence.state = LicenceState.ACTIVE
    licence.starts_on = start
    licence.ends_on = licence_end(start)
    licence.activated_at = utcnow()
    db.session.flush()
    timeline.set_status(
        order,
        OrderStatus.LICENCE_ACTIVE,
        f"Licencja Betterfly eFaktury Plus aktywna od {format_date(start)} "
        f"do {format_date(licence.ends_on)} (źródło: {licence.source_label}).",
        kind="licence_issued",
        details={"licence_id": licence.id, "source": licence.source},
    )
    log.info(
        "order %s: licence %s issued from %s", order.id, licence.id, licence.source
    )
