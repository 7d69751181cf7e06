from flask import Blueprint, g, render_template
from sqlalchemy import select

from ..auth.session import require_login
from ..extensions import db
from ..models import Order

bp = Blueprint("dashboard", __name__)
bp.before_request(require_login)


@bp.get("/")
def index():
    orders = db.session.scalars(
        select(Order)
        .where(Order.office_id == g.office.id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(20)
    ).all()
    return render_template("dashboard/index.html", orders=orders)
