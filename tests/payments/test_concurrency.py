"""Many orders at the same moment: the pool and the wallet are never overdrawn.

Each thread has its own app context, so its own session and connection, and
places its order through the ordering service, as concurrent requests do.
"""

import threading

from sqlalchemy import func, select

from betterfly.extensions import db as _db
from betterfly.models import Office, Order, User
from betterfly.orders.services import OrderRejected, place_order
from betterfly.payments.models import Licence, WalletEntry
from betterfly.payments.services import wallet_balance

CONCURRENT_ORDERS = 30
PRICE = 19900


def place_all_at_once(app, office_id: int, user_id: int, requests) -> dict:
    start = threading.Barrier(len(requests))
    outcome = {"placed": 0, "refused": 0, "errors": []}
    lock = threading.Lock()

    def place(request):
        with app.app_context():
            start.wait()
            office = _db.session.get(Office, office_id)
            user = _db.session.get(User, user_id)
            try:
                place_order(office, user, request)
                result = "placed"
            except OrderRejected:
                result = "refused"
            except Exception as error:  # noqa: BLE001 - reported by the test
                with lock:
                    outcome["errors"].append(repr(error))
                return
            finally:
                _db.session.remove()
            with lock:
                outcome[result] += 1

    threads = [threading.Thread(target=place, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def test_thirty_orders_at_once_take_exactly_the_pool_of_ten(
    app, db, demo_office, office_user, order_request, jobs
):
    requests = [order_request("pool") for _ in range(CONCURRENT_ORDERS)]

    outcome = place_all_at_once(app, demo_office.id, office_user.id, requests)

    assert outcome["errors"] == []
    assert (outcome["placed"], outcome["refused"]) == (10, 20)
    issued = db.session.scalar(
        select(func.count(Licence.id)).where(
            Licence.source == "pool", Licence.state == "active"
        )
    )
    assert issued == 10
    assert db.session.scalar(select(func.count(Order.id))) == 10


def test_thirty_orders_at_once_never_overdraw_the_wallet(
    app, db, demo_office, office_user, order_request, fund_wallet, jobs
):
    fund_wallet(demo_office, 7 * PRICE + PRICE // 2)
    requests = [order_request("wallet") for _ in range(CONCURRENT_ORDERS)]

    outcome = place_all_at_once(app, demo_office.id, office_user.id, requests)

    assert outcome["errors"] == []
    assert (outcome["placed"], outcome["refused"]) == (7, 23)
    assert wallet_balance(demo_office.id) == PRICE // 2
    paid = db.session.scalar(
        select(func.count(WalletEntry.id)).where(WalletEntry.kind == "licence_paid")
    )
    assert paid == 7
