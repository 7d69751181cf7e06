"""Reconciliation through a real RQ worker on Redis, as production runs it."""

import requests
from sqlalchemy import select

from betterfly.models import OrderStatus
from betterfly.payments.models import Licence, P24Payment


def test_lost_notification_is_recovered_by_the_scheduled_rq_job(
    rq_worker, live_server, app, place_plus, db
):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    order = place_plus("p24")
    payment = db.session.scalar(select(P24Payment))
    assert [job.func_name for job in rq_worker.scheduled] == [
        "betterfly.payments.przelewy24.reconcile_payment"
    ]

    paid = requests.post(
        f"{live_server.url}/sandbox/p24/trnRequest/{payment.token}/pay",
        data={"notification": "lose"},
        allow_redirects=False,
        timeout=10,
    )
    assert paid.status_code == 303
    rq_worker.run_scheduled()

    db.session.expire_all()
    assert db.session.get(P24Payment, payment.id).state == "paid"
    assert db.session.scalar(select(Licence)).source == "p24"
    assert db.session.get(type(order), order.id).status in {
        OrderStatus.LICENCE_ACTIVE,
        OrderStatus.INVITATION_SENT,
    }
    assert rq_worker.failed == []
