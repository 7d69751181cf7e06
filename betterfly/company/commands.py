"""Operator commands: `flask --app wsgi gus lookup NIP`."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup
from wtforms.validators import ValidationError

from ..integrations.gus import GusEntity, GusUnavailable
from ..orders.fields import normalise_nip
from .lookup import gus_client, lookup_company

gus_group = AppGroup("gus", help="The GUS REGON database (BIR 1.1).")


def register_gus_commands(app: Flask) -> None:
    app.cli.add_command(gus_group)


@gus_group.command("lookup")
@click.argument("nip")
@click.option(
    "--service",
    is_flag=True,
    help="Go through the page's lookup instead: cache, breaker, white list.",
)
def lookup(nip: str, service: bool) -> None:
    """Print what GUS answers for NIP, every row, and the one the page uses."""
    try:
        nip = normalise_nip(nip)
    except ValidationError as error:
        raise click.BadParameter(str(error), param_hint="NIP") from error

    if service:
        _print_service_lookup(nip)
        return

    client = gus_client()
    if client is None:
        raise click.ClickException("GUS is not configured: set GUS_API_URL and key.")
    click.echo(f"GUS service: {client.url}")
    started = time.monotonic()
    try:
        search = client.search_nip(nip)
    except GusUnavailable as failure:
        raise click.ClickException(f"GUS unavailable: {failure.reason}") from failure
    finally:
        elapsed = time.monotonic() - started
        click.echo(f"{client.requests_sent} request(s) in {elapsed:.2f} s")

    click.echo(f"Data as of: {search.data_date or 'unknown'}")
    if not search.entities:
        click.echo("Not found.")
        return
    for entity in search.entities:
        chosen = "*" if entity is search.main else " "
        click.echo(f"{chosen} {_describe(entity)}")


def _describe(entity: GusEntity) -> str:
    number = entity.building_number or ""
    if entity.unit_number:
        number += f" lok. {entity.unit_number}"
    ended = f", activity ended {entity.activity_ended_on}" if entity.has_ended else ""
    return (
        f"{entity.kind:<2} silo {entity.silo} REGON {entity.regon}: {entity.name}; "
        f"{entity.street or ''} {number}, {entity.postal_code or ''} "
        f"{entity.city or ''}{ended}"
    )


def _print_service_lookup(nip: str) -> None:
    result = lookup_company(nip)
    click.echo(f"Outcome: {result.outcome}{' (cached)' if result.from_cache else ''}")
    if result.reason:
        click.echo(f"GUS: {result.reason}")
    company = result.company
    if company is not None:
        click.echo(f"Source: {company.source}, as of {company.as_of}")
        click.echo(f"Name: {company.name}")
        click.echo(f"REGON: {company.regon or '-'}")
        click.echo(
            f"Address: {company.street or ''} {company.building_number or ''}"
            f"{'/' + company.unit_number if company.unit_number else ''}, "
            f"{company.postal_code or ''} {company.city or ''}"
        )
        if company.has_ended:
            click.echo(f"Activity ended: {company.activity_ended_on}")
