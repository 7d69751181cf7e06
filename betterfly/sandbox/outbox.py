from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage

bp = Blueprint("outbox", __name__, url_prefix="/dev/outbox")


@bp.get("/")
def index():
    messages = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    ).all()
    return render_template("sandbox/outbox.html", messages=messages)


@bp.get("/<int:message_id>")
def show(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("sandbox/outbox_message.html", message=message)


@bp.get("/<int:message_id>/html")
def html_body(message_id: int):
    """The HTML part alone, as a mail client would render it.

    E-mail HTML needs inline styles; the page is shown in a sandboxed frame
    and may run nothing, so only inline styles are allowed here.
    """
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return (
        message.html_body,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "frame-ancestors 'self'",
        },
    )
