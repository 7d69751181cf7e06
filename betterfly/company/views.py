"""The company part of the ordering page, refreshed by htmx as the NIP is typed."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, render_template, request
from wtforms.validators import ValidationError

from ..auth.session import require_login
from ..orders.fields import normalise_nip
from ..orders.forms import OrderForm
from ..orders.services import find_client_by_nip, latest_order_of
from .lookup import lookup_company
from .prefill import apply_lookup, current_marker

bp = Blueprint("company", __name__, url_prefix="/company")
bp.before_request(require_login)


@bp.get("/lookup")
def lookup():
    """The company fields filled for the NIP in the query.

    The query carries the company fields as they are on the page, so that
    what was typed by hand is kept. While the NIP is not a valid one yet the
    answer is 204: nothing to swap, nothing asked of GUS.
    """
    form = OrderForm(formdata=request.args, meta={"csrf": False})
    try:
        form.nip.data = normalise_nip(form.nip.data)
    except ValidationError:
        return "", 204

    result = lookup_company(form.nip.data)
    apply_lookup(form, result)
    return render_template("company/_lookup.html", form=form, company_lookup=result)


@bp.app_template_filter("iso_date")
def iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@bp.app_template_global()
def company_fill_marker(form) -> str:
    return current_marker(form)


@bp.app_template_global()
def company_known_client(nip: str | None):
    """This office's client with the NIP, and its latest order, if there is one."""
    office = g.get("office")
    try:
        nip = normalise_nip(nip or "")
    except ValidationError:
        return None, None
    client = find_client_by_nip(office, nip) if office is not None else None
    return client, latest_order_of(client)
