"""The periodic sweep settles payments whose scheduled checks were lost."""

from datetime import timedelta

from betterfly.maintenance import settle_overdue_payments
from betterfly.models import OrderStatus, utcnow

from .test_p24_flow import latest_payment, pay


def test_sweep_confirms_a_paid_payment_whose_checks_were_lost(
    p24_order, live_server, db
):
    payment = latest_payment(db, p24_order)
    pay(live_server, payment, notification="lose")
    payment = latest_payment(db, p24_order)
    payment.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    settle_overdue_payments()

    assert latest_payment(db, p24_order).state == "paid"


def test_sweep_expires_an_abandoned_payment(p24_order, db):
    payment = latest_payment(db, p24_order)
    payment.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    settle_overdue_payments()

    assert latest_payment(db, p24_order).state == "expired"
    db.session.refresh(p24_order)
    assert p24_order.status == OrderStatus.PAYMENT_FAILED
