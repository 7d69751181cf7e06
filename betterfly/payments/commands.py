"""Operator commands for the wallet and the Premium Package.

flask --app wsgi wallet credit OFFICE 150,00 --note "Prowizja za marzec"
flask --app wsgi premium grant OFFICE --from 2026-01-01 --to 2026-12-31
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..models import Office
from ..web import format_money
from .models import WalletEntryKind
from .services import credit_wallet, grant_premium, wallet_balance


def register_payment_commands(app: Flask) -> None:
    app.cli.add_command(wallet_group)
    app.cli.add_command(premium_group)


def parse_zloty(text: str) -> int:
    """'150', '150,50' or '150.50' złoty as grosze."""
    try:
        amount = Decimal(text.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation as error:
        raise click.BadParameter(f"not an amount in złoty: {text!r}") from error
    if amount != amount.quantize(Decimal("0.01")):
        raise click.BadParameter("at most two decimal places")
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def _office(portal_id: str) -> Office:
    office = db.session.scalar(select(Office).where(Office.portal_id == portal_id))
    if office is None:
        raise click.ClickException(f"no office with portal id {portal_id!r}")
    return office


def _day(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD") from error


@click.group("wallet")
def wallet_group() -> None:
    """The partner wallet of an office."""


@wallet_group.command("credit")
@click.argument("office")
@click.argument("amount")
@click.option("--note", required=True, help="What the money is for, e.g. the month.")
@click.option(
    "--correction",
    is_flag=True,
    help="Book a correction (may be negative) instead of a commission.",
)
def credit(office: str, amount: str, note: str, correction: bool) -> None:
    """Credit AMOUNT złoty (e.g. 150,50) to OFFICE's wallet (its portal id)."""
    target = _office(office)
    grosze = parse_zloty(amount)
    kind = WalletEntryKind.CORRECTION if correction else WalletEntryKind.COMMISSION
    try:
        credit_wallet(target, grosze, note, kind=kind, actor="operator (CLI)")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(
        f"{target.portal_id}: {kind} {format_money(grosze)}; "
        f"balance {format_money(wallet_balance(target.id))}."
    )


@wallet_group.command("balance")
@click.argument("office")
def balance(office: str) -> None:
    """Print OFFICE's wallet balance."""
    target = _office(office)
    click.echo(format_money(wallet_balance(target.id)))


@click.group("premium")
def premium_group() -> None:
    """The Premium Package of an office."""


@premium_group.command("grant")
@click.argument("office")
@click.option("--from", "start", required=True, callback=_day, help="YYYY-MM-DD")
@click.option("--to", "end", required=True, callback=_day, help="YYYY-MM-DD")
def grant(office: str, start: date, end: date) -> None:
    """Give OFFICE (its portal id) a Premium Package from --from to --to."""
    target = _office(office)
    try:
        grant_premium(target, start, end)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{target.portal_id}: Premium Package {start} – {end}.")
