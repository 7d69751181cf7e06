from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from wtforms.validators import ValidationError

from ..activation.services import live_invitation, resend_invitation
from ..auth.session import require_login
from ..company.lookup import lookup_company
from ..company.prefill import apply_lookup
from ..extensions import db, htmx
from ..mail.delivery import schedule_delivery
from ..models import Order, Program
from ..payments.checkout import payment_options
from . import services
from .forms import OrderForm

bp = Blueprint("orders", __name__, url_prefix="/orders")
bp.before_request(require_login)


@bp.get("/new")
def new():
    form = OrderForm(formdata=None, program=Program.FREE.value)
    form.ensure_request_key()
    return _render_form(form)


@bp.post("/new")
def create():
    """Place the order, or re-render what was typed with a message at each field."""
    form = OrderForm()
    form.ensure_request_key()
    action = request.form.get("action", "place")

    if action == "show_advisors":
        return _render_form(form)
    if action == "lookup_company":
        return _render_form(form, company_lookup=_lookup_for(form))

    _fill_choices(form)
    if not form.validate():
        return _render_form(form, status=422)
    try:
        order = services.place_order(g.office, g.user, _order_request(form))
    except services.OrderRejected as rejection:
        getattr(form, rejection.field).errors.append(rejection.message)
        return _render_form(
            form,
            status=422,
            known_client=rejection.client,
            known_client_order=services.latest_order_of(rejection.client),
        )

    flash(_placed_message(order), "success")
    return _redirect(url_for("orders.detail", order_id=order.id))


@bp.get("/advisors")
def advisors():
    """The advisor field for the chosen branch, swapped in by htmx."""
    form = OrderForm(formdata=None, branch=request.args.get("branch", ""))
    _fill_choices(form)
    return render_template("orders/_advisors.html", form=form)


@bp.get("/<int:order_id>")
def detail(order_id: int):
    order = _office_order(order_id)
    return render_template(
        "orders/detail.html",
        order=order,
        invitation=live_invitation(order),
    )


@bp.post("/<int:order_id>/resend-invitation")
def resend(order_id: int):
    order = _office_order(order_id)
    if order.client.activated_at is not None:
        flash("Klient już aktywował konto — nowy link nie jest potrzebny.", "info")
        return redirect(url_for("orders.detail", order_id=order.id), code=303)

    message = resend_invitation(order)
    db.session.commit()
    schedule_delivery(message.id)
    flash(
        "Wysłaliśmy Klientowi nowy link aktywacyjny. Poprzedni przestał działać.",
        "success",
    )
    return redirect(url_for("orders.detail", order_id=order.id), code=303)


def _placed_message(order: Order) -> str:
    if order.program == Program.PLUS and order.status == "awaiting_payment":
        return "Zamówienie zapisane. Opłać licencję, aby Klient dostał zaproszenie."
    return "Zamówienie przyjęte. Klient dostanie e-mail z linkiem do aktywacji konta."


def _office_order(order_id: int) -> Order:
    order = db.session.scalar(
        select(Order).where(Order.id == order_id, Order.office_id == g.office.id)
    )
    if order is None:
        abort(404)
    return order


def _fill_choices(form: OrderForm) -> None:
    branches = services.active_branches(g.office)
    form.branch.choices = [("", "— wybierz oddział —")] + [
        (str(branch.id), branch.name) for branch in branches
    ]
    branch_id = _int_or_none(form.branch.data)
    if branch_id not in {branch.id for branch in branches}:
        branch_id = None
    advisors = services.active_advisors(g.office, branch_id)
    placeholder = "— wybierz opiekuna —" if advisors else "— najpierw wybierz oddział —"
    form.advisor.choices = [("", placeholder)] + [
        (str(advisor.id), advisor.full_name) for advisor in advisors
    ]


def _render_form(form: OrderForm, status: int = 200, **context):
    _fill_choices(form)
    template = "orders/_form.html" if htmx and status == 422 else "orders/new.html"
    return (
        render_template(
            template,
            form=form,
            options=payment_options(g.office),
            **context,
        ),
        status,
    )


def _lookup_for(form: OrderForm):
    try:
        form.validate_nip(form.nip)
    except ValidationError as error:
        form.nip.errors = [str(error)]
        return None
    result = lookup_company(form.nip.data)
    apply_lookup(form, result)
    return result


def _order_request(form: OrderForm) -> services.OrderRequest:
    company = services.CompanyDetails(
        nip=form.nip.data,
        name=form.company_name.data,
        regon=form.regon.data,
        street=form.street.data or None,
        building_number=form.building_number.data,
        unit_number=form.unit_number.data or None,
        postal_code=form.postal_code.data,
        city=form.city.data,
        source=form.company_source.data or "manual",
    )
    return services.OrderRequest(
        request_key=form.request_key.data,
        phone=form.phone.data,
        company=company,
        branch_id=int(form.branch.data),
        advisor_id=_int_or_none(form.advisor.data) or 0,
        program=form.program.data,
        payment_method=form.payment_method.data,
        email=form.email.data,
        first_name=form.first_name.data,
        last_name=form.last_name.data,
    )


def _redirect(location: str):
    """POST, then 303; htmx is told to navigate the whole page instead."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
