"""Operator commands: `flask --app wsgi <command>`."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import select

from .auth.launch import make_launch_token
from .company.commands import register_gus_commands
from .extensions import db
from .models import Advisor, Branch, Office, Role
from .payments.commands import register_payment_commands
from .worker import register_worker_command

DEMO_OFFICE = "demo"
DEMO_OFFICE_NAME = "Biuro Rachunkowe Demo"
DEMO_TEAM = {
    "Kraków — Stare Miasto": [
        "Agnieszka Wójcik",
        "Tomasz Kamiński",
        "Joanna Lewandowska",
    ],
    "Warszawa — Mokotów": ["Marek Zieliński", "Katarzyna Szymańska"],
    "Gdańsk — Wrzeszcz": [
        "Paweł Dąbrowski",
        "Magdalena Kozłowska",
        "Michał Jankowski",
        "Aleksandra Mazur",
    ],
}
DEMO_WALLET_CREDIT_GROSZE = 150_000


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(launch_link)
    app.cli.add_command(outbox_group)
    register_worker_command(app)
    register_payment_commands(app)
    register_gus_commands(app)


@click.command("seed-demo")
@click.option(
    "--lifetime",
    default=300,
    show_default=True,
    help="Seconds the printed launch link stays valid.",
)
def seed_demo(lifetime: int) -> None:
    """Create the demo office (idempotently) and print a launch link."""
    lifetime = _accepted_lifetime(lifetime)
    office = _demo_office()
    _demo_team(office)
    _demo_payments(office)
    db.session.commit()

    click.echo(f"Demo office ready: {office.name} (portal id {office.portal_id}).")
    click.echo(_launch_url(DEMO_OFFICE, DEMO_OFFICE_NAME, Role.OFFICE, lifetime))


@click.command("launch-link")
@click.option("--office", "office_id", default=DEMO_OFFICE, show_default=True)
@click.option(
    "--role",
    type=click.Choice([Role.OFFICE, Role.SUPPORT]),
    default=Role.OFFICE,
    show_default=True,
)
@click.option("--lifetime", default=300, show_default=True)
def launch_link(office_id: str, role: str, lifetime: int) -> None:
    """Print a fresh single-use launch link, signed as the portal signs it."""
    lifetime = _accepted_lifetime(lifetime)
    office = db.session.scalar(select(Office).where(Office.portal_id == office_id))
    name = office.name if office else office_id
    click.echo(_launch_url(office_id, name, role, lifetime))


@click.group("outbox")
def outbox_group() -> None:
    """The e-mail outbox."""


@outbox_group.command("send-pending")
def send_pending() -> None:
    """Send every e-mail that is due now."""
    from .mail.delivery import deliver_pending

    click.echo(f"Sent {deliver_pending()} message(s).")


def _accepted_lifetime(lifetime: int) -> int:
    """A link the server would refuse is of no use: keep it within the accepted age."""
    accepted = current_app.config["LAUNCH_TOKEN_MAX_AGE_SECONDS"]
    if lifetime > accepted:
        click.echo(
            f"Launch links are accepted for at most {accepted} s "
            "(LAUNCH_TOKEN_MAX_AGE_SECONDS); this one lives that long.",
            err=True,
        )
        return accepted
    return lifetime


def _demo_office() -> Office:
    office = db.session.scalar(select(Office).where(Office.portal_id == DEMO_OFFICE))
    if office is None:
        office = Office(portal_id=DEMO_OFFICE, name=DEMO_OFFICE_NAME)
        db.session.add(office)
        db.session.flush()
    return office


def _demo_team(office: Office) -> None:
    for branch_name, people in DEMO_TEAM.items():
        branch = db.session.scalar(
            select(Branch).where(
                Branch.office_id == office.id, Branch.name == branch_name
            )
        )
        if branch is None:
            branch = Branch(office_id=office.id, name=branch_name)
            db.session.add(branch)
            db.session.flush()
        known = {advisor.full_name for advisor in branch.advisors}
        for full_name in people:
            if full_name in known:
                continue
            first, last = full_name.split(" ", 1)
            db.session.add(
                Advisor(
                    office_id=office.id,
                    branch_id=branch.id,
                    first_name=first,
                    last_name=last,
                )
            )


def _demo_payments(office: Office) -> None:
    """An active Premium Package and a partner wallet with commission, once."""
    from .payments.services import credit_wallet, grant_premium, wallet_entries

    today = date.today()
    if not office.has_active_premium(today):
        start = today - timedelta(days=60)
        grant_premium(office, start, start + timedelta(days=364))
    office.is_partner = True
    db.session.flush()
    if not wallet_entries(office.id, limit=1):
        credit_wallet(
            office,
            DEMO_WALLET_CREDIT_GROSZE,
            "Prowizja z Programu Partnerskiego (dane demonstracyjne)",
            actor="seed-demo",
        )


def _launch_url(office: str, office_name: str, role: str, lifetime: int) -> str:
    token = make_launch_token(
        current_app.config["LAUNCH_SECRET"],
        office=office,
        office_name=office_name,
        sub=f"{office}-{role}",
        name="Anna Kowalska" if role == Role.OFFICE else "Piotr Support",
        email=f"{role}@{office}.example",
        role=role,
        lifetime_seconds=lifetime,
    )
    return f"{current_app.config['PUBLIC_BASE_URL']}/launch?token={token}"
