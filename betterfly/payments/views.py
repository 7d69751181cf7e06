"""Office pages for paying for licences, and the Przelewy24 endpoints.

`bp` is behind the launched session. `p24_bp` is reached without one: the
notification comes from Przelewy24, and the payer returns in the top-level
window, where the session cookie set inside the portal's iframe is not sent.
Its pages are found by the attempt's unguessable sessionId and show no
personal data.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from ..auth.session import require_login
from ..extensions import csrf, db, htmx
from ..models import Order, Program
from .checkout import PaymentRefused, payment_options, switch_method
from .models import OPEN_PAYMENT_STATES, PaymentState
from .przelewy24 import (
    handle_notification,
    order_payments,
    pay_again,
    payment_by_session,
    schedule_return_check,
)
from .services import current_licence, wallet_balance, wallet_entries
from .settings import configure_payments

bp = Blueprint("payments", __name__, url_prefix="/payments")
bp.before_request(require_login)

p24_bp = Blueprint("p24", __name__, url_prefix="/payments/p24")

PAYMENT_STATE_LABELS = {
    PaymentState.NEW: "Przygotowana",
    PaymentState.REGISTERED: "Czeka na wpłatę",
    PaymentState.REGISTER_FAILED: "Nie udało się jej rozpocząć",
    PaymentState.VERIFYING: "Potwierdzanie wpłaty",
    PaymentState.PAID: "Zapłacona",
    PaymentState.EXPIRED: "Wygasła bez wpłaty",
    PaymentState.CANCELLED: "Zastąpiona",
}


@bp.record_once
def _configure(state) -> None:
    configure_payments(state.app)


@bp.app_context_processor
def _panel_helpers() -> dict:
    return {
        "payment_panel_for": panel_context,
        "payment_state_labels": PAYMENT_STATE_LABELS,
    }


def panel_context(order: Order) -> dict:
    """What the payment panel of an order's page shows."""
    payments = order_payments(order.id)
    licence = current_licence(order.id)
    busy = any(p.state in (PaymentState.PAID, PaymentState.VERIFYING) for p in payments)
    latest = payments[0] if payments else None
    return {
        "licence": licence,
        "payments": payments,
        "latest": latest,
        "awaiting": latest is not None and latest.state in OPEN_PAYMENT_STATES,
        "can_change": licence is None and not busy,
        "options": payment_options(g.office) if licence is None else None,
    }


# --- Office pages ---------------------------------------------------------------


@bp.get("/wallet")
def wallet():
    office = g.office
    return render_template(
        "payments/wallet.html",
        balance=wallet_balance(office.id),
        price=current_app.config["PLUS_PRICE_GROSZE"],
        entries=wallet_entries(office.id),
    )


@bp.get("/orders/<int:order_id>/panel")
def panel(order_id: int):
    """The payment panel alone, refreshed by htmx while a payment is open."""
    return render_template("orders/_payment_panel.html", order=_office_order(order_id))


@bp.post("/orders/<int:order_id>/pay-again")
def retry_p24(order_id: int):
    order = _office_order(order_id)
    try:
        payment = pay_again(order)
    except PaymentRefused as refusal:
        flash(refusal.message, "error")
        return _back_to(order)

    if payment.state == PaymentState.REGISTERED:
        flash("Płatność jest gotowa. Kliknij „Zapłać przez Przelewy24”.", "success")
    return _back_to(order)


@bp.post("/orders/<int:order_id>/switch")
def switch(order_id: int):
    order = _office_order(order_id)
    try:
        switch_method(order, request.form.get("payment_method", ""))
    except PaymentRefused as refusal:
        flash(refusal.message, "error")
        return _back_to(order)

    flash("Zmieniono sposób płatności.", "success")
    return _back_to(order)


def _office_order(order_id: int) -> Order:
    order = db.session.scalar(
        select(Order).where(
            Order.id == order_id,
            Order.office_id == g.office.id,
            Order.program == Program.PLUS,
        )
    )
    if order is None:
        abort(404)
    return order


def _back_to(order: Order):
    return redirect(url_for("orders.detail", order_id=order.id), code=303)


# --- Przelewy24 endpoints -------------------------------------------------------


@p24_bp.post("/notify")
@csrf.exempt
def notify():
    """urlStatus: Przelewy24's notification of a successful payment (JSON)."""
    payload = request.get_json(silent=True)
    status = handle_notification(payload, request.remote_addr)
    return (
        ("OK" if status == 200 else "REFUSED"),
        status,
        {"Content-Type": "text/plain"},
    )


@p24_bp.route("/return/<session_id>", methods=["GET", "POST"])
@csrf.exempt
def payer_returned(session_id: str):
    """urlReturn: the payer is back; a POST from the payment page is redirected."""
    payment = payment_by_session(session_id) or abort(404)
    if request.method == "POST":
        return redirect(url_for(".payer_returned", session_id=session_id), code=303)

    schedule_return_check(payment)
    return render_template("payments/return.html", **_return_context(session_id))


@p24_bp.get("/return/<session_id>/status")
def return_status(session_id: str):
    context = _return_context(session_id)
    if htmx:
        return render_template("payments/_return_status.html", **context)
    return render_template("payments/return.html", **context)


def _return_context(session_id: str) -> dict:
    payment = payment_by_session(session_id) or abort(404)
    licence = current_licence(payment.order_id)
    issued_here = licence is not None and licence.state == "active"
    return {
        "payment": payment,
        "licence": licence if issued_here else None,
        "pending": payment.state in OPEN_PAYMENT_STATES and not issued_here,
        # Paying from the portal, the payer returns to a top-level window that
        # does not carry the iframe's session: the order is then in the portal.
        "signed_in": session.get("office_id") == payment.office_id,
    }
