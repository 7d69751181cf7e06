"""After a licence is paid for: issue it and invite the client.

Each step commits on its own and can be run again: issuing an issued licence
and inviting an invited client change nothing.
"""

from __future__ import annotations

import logging

from ..extensions import db
from ..models import Order, OrderStatus
from ..orders import timeline
from .services import issue_held_licence, release_hold

log = logging.getLogger("betterfly.payments")

INVITATION_FAILED = (
    "Licencja jest aktywna, ale nie udało się przygotować zaproszenia dla Klienta. "
    "Wyślij zaproszenie ponownie z karty zamówienia lub zgłoś to do wsparcia."
)
ISSUE_FAILED = (
    "Nie udało się wydać licencji; rezerwacja została zwolniona i nic nie pobrano. "
    "Złóż zamówienie ponownie lub wybierz inny sposób płatności."
)


def send_invitation(order_id: int) -> None:
    """Invite the order's client once; raises when that cannot be done."""
    from ..activation.services import invite_client
    from ..mail.delivery import schedule_delivery

    order = db.session.get(Order, order_id)
    message = invite_client(order)
    db.session.commit()
    schedule_delivery(message.id)


def issue_and_invite(order_id: int) -> bool:
    """Capture the held licence, then invite the client; False if nothing was issued.

    This runs right after the order was committed, inside the office's request,
    so a failure is written on the order (and the hold given back) rather than
    raised: the order stays and support can replay the failed step.
    """
    try:
        issue_held_licence(order_id)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("order %s: issuing the held licence failed", order_id)
        _give_back_hold(order_id, error)
        return False

    invite_or_mark(order_id)
    return True


def invite_or_mark(order_id: int) -> None:
    """Invite the client; if that fails, the order says so and what to do."""
    try:
        send_invitation(order_id)
    except Exception as error:
        db.session.rollback()
        log.exception("order %s: preparing the invitation failed", order_id)
        order = db.session.get(Order, order_id)
        timeline.set_status(
            order,
            OrderStatus.ERROR,
            INVITATION_FAILED,
            kind="invitation_failed",
            details={"error": repr(error)},
            status_detail=INVITATION_FAILED,
        )
        db.session.commit()


def _give_back_hold(order_id: int, error: Exception) -> None:
    release_hold(order_id, "nie udało się wydać licencji.")
    order = db.session.get(Order, order_id)
    timeline.set_status(
        order,
        OrderStatus.ERROR,
        ISSUE_FAILED,
        kind="licence_failed",
        details={"error": repr(error)},
        status_detail=ISSUE_FAILED,
    )
    db.session.commit()
