from flask import Blueprint, render_template, request

from ..extensions import db
from ..mail.delivery import schedule_delivery
from ..models import Office
from .services import (
    LinkState,
    RenewalLimited,
    activate,
    check_link,
    renew_link,
)

bp = Blueprint("activation", __name__, url_prefix="/activate")


@bp.get("/<token>")
def show(token: str):
    """Whom the client is being connected to, and the confirmation."""
    check = check_link(token)
    return _page(token, check, status=200 if check.invitation else 404)


@bp.post("/<token>")
def confirm(token: str):
    if request.form.get("accept_terms") != "yes":
        check = check_link(token)
        return _page(
            token,
            check,
            status=422,
            terms_error="Zaakceptuj regulamin, aby aktywować konto.",
        )

    check = activate(token)
    if check.state == LinkState.VALID:
        return render_template("activation/done.html", invitation=check.invitation)
    return _page(token, check, status=409 if check.invitation else 404)


@bp.post("/<token>/renew")
def renew(token: str):
    """Send a fresh link to the address the invitation went to."""
    try:
        message = renew_link(token)
    except RenewalLimited:
        return _page(
            token,
            check_link(token),
            status=429,
            renew_error="Wysłaliśmy już kilka nowych linków. Sprawdź skrzynkę "
            "(także folder spam) albo spróbuj ponownie za godzinę.",
        )
    if message is None:
        return _page(token, check_link(token), status=409)
    schedule_delivery(message.id)
    return render_template("activation/renewed.html", recipient=message.recipient)


def _page(token: str, check, status: int, **context):
    invitation = check.invitation
    office = db.session.get(Office, invitation.order.office_id) if invitation else None
    return (
        render_template(
            "activation/show.html",
            token=token,
            state=check.state,
            invitation=invitation,
            office=office,
            **context,
        ),
        status,
    )
