from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..auth.session import require_login, support_only
from . import services

bp = Blueprint("support", __name__, url_prefix="/support")
bp.before_request(require_login)


@bp.get("/")
@support_only
def index():
    problem = request.args.get("problem") or None
    if problem not in services.PROBLEMS:
        problem = None
    query = request.args.get("q", "")
    return render_template(
        "support/index.html",
        items=services.stuck_orders(problem, query),
        problems=services.PROBLEMS,
        problem=problem,
        query=query,
    )


@bp.get("/orders/<int:order_id>")
@support_only
def order(order_id: int):
    found = _order(order_id)
    return render_template(
        "support/order.html",
        order=found,
        messages=services.order_messages(found),
        payments=services.order_payments(found),
    )


@bp.post("/orders/<int:order_id>/replay/<step>")
@support_only
def replay(order_id: int, step: str):
    """Replay one failed step; the timeline says who did it."""
    found = _order(order_id)
    target = request.form.get("target", type=int)
    actions = {
        "mail": lambda: services.replay_mail(found, target),
        "payment-check": lambda: services.replay_payment_check(found, target),
        "registration": lambda: services.replay_registration(found),
        "invitation": lambda: services.replay_invitation(found),
    }
    if step not in actions:
        abort(404)

    try:
        actions[step]()
    except services.ReplayRefused as refusal:
        flash(str(refusal), "error")
    else:
        flash("Krok został ponowiony. Wynik widać w historii zamówienia.", "success")
    return redirect(url_for("support.order", order_id=found.id), code=303)


def _order(order_id: int):
    return services.order_for_support(order_id) or abort(404)
