"""Paying through Przelewy24, end to end against the sandbox over real HTTP.

The app registers with the emulator, the "payer" presses the emulator's
buttons, and the emulator's signed notification reaches the live server.
"""

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from betterfly.integrations.p24 import P24Client, P24Error, notification_sign
from betterfly.models import OrderEvent, OrderStatus, OutboxMessage, utcnow
from betterfly.payments.models import Licence, P24Payment
from betterfly.payments.settings import SANDBOX_API_KEY, SANDBOX_CRC

PRICE = 19900


def latest_payment(db, order) -> P24Payment:
    db.session.expire_all()
    return db.session.scalars(
        select(P24Payment)
        .where(P24Payment.order_id == order.id)
        .order_by(P24Payment.id.desc())
    ).first()


def pay(live_server, payment, notification="send") -> requests.Response:
    """The payer presses „Zapłać” on the sandbox payment page."""
    return requests.post(
        f"{live_server.url}/sandbox/p24/trnRequest/{payment.token}/pay",
        data={"notification": notification},
        allow_redirects=False,
        timeout=20,
    )


def notification_for(payment, **changes) -> dict:
    payload = {
        "merchantId": 100200,
        "posId": 100200,
        "sessionId": payment.session_id,
        "amount": payment.amount_grosze,
        "originAmount": payment.amount_grosze,
        "currency": "PLN",
        "orderId": payment.p24_order_id or 4295430336,
        "methodId": 25,
        "statement": "p24-A1B-2C3-D4E",
    }
    payload.update(changes)
    payload["sign"] = notification_sign(payload, SANDBOX_CRC)
    return payload


def notify(live_server, payload) -> requests.Response:
    return requests.post(
        f"{live_server.url}/payments/p24/notify", json=payload, timeout=20
    )


def events(db, order, kind) -> list[OrderEvent]:
    return db.session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == kind
        )
    ).all()


def licence_count(db) -> int:
    return db.session.scalar(select(func.count(Licence.id)))


@pytest.fixture
def verify_calls(monkeypatch):
    """Count `transaction/verify` calls made by any app in this process."""
    calls = []
    original = P24Client.verify

    def counting(self, **kwargs):
        calls.append(kwargs["session_id"])
        return original(self, **kwargs)

    monkeypatch.setattr(P24Client, "verify", counting)
    return calls


def test_p24_order_waits_for_payment_with_a_top_level_pay_button(
    p24_order, live_server, client, launch, db, jobs
):
    payment = latest_payment(db, p24_order)
    launch()

    page = client.get(f"/orders/{p24_order.id}").get_data(as_text=True)

    assert p24_order.status == OrderStatus.AWAITING_PAYMENT
    assert payment.state == "registered"
    assert payment.amount_grosze == PRICE
    assert payment.payment_url == (
        f"{live_server.url}/sandbox/p24/trnRequest/{payment.token}"
    )
    assert f'action="{payment.payment_url}" target="_top"' in page
    assert "Zapłać przez Przelewy24" in page
    assert [job[0].__name__ for job in jobs.delayed] == ["reconcile_payment"]


def test_csp_lets_forms_reach_the_payment_host(live_server):
    response = requests.get(live_server.url + "/healthz", timeout=10)

    policy = response.headers["Content-Security-Policy"]
    form_action = next(p for p in policy.split("; ") if p.startswith("form-action"))
    assert form_action == f"form-action 'self' {live_server.url}"


def test_csp_names_a_configured_payment_host(settings):
    from betterfly import create_app

    app = create_app({**settings, "P24_BASE_URL": "https://secure.przelewy24.pl/"})

    assert app.config["CSP_FORM_ACTION_EXTRA"] == ["https://secure.przelewy24.pl"]


def test_paying_issues_the_licence_once_verified_and_invites_the_client(
    p24_order, live_server, db, verify_calls
):
    payment = latest_payment(db, p24_order)

    response = pay(live_server, payment)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/payments/p24/return/{payment.session_id}"
    )
    payment = latest_payment(db, p24_order)
    assert payment.state == "paid"
    assert payment.p24_order_id > 2**32
    assert verify_calls == [payment.session_id]
    [licence] = db.session.scalars(select(Licence)).all()
    assert (licence.source, licence.state, licence.payment_id) == (
        "p24",
        "active",
        payment.id,
    )
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.order_id == p24_order.id)
    )
    returned = requests.get(response.headers["Location"], timeout=10).text
    assert "Płatność potwierdzona" in returned


def test_repeated_notification_changes_nothing(
    p24_order, live_server, db, verify_calls
):
    pay(live_server, latest_payment(db, p24_order))
    payment = latest_payment(db, p24_order)
    events_before = db.session.scalar(select(func.count(OrderEvent.id)))

    again = notify(live_server, notification_for(payment))

    assert again.status_code == 200
    assert verify_calls == [payment.session_id]
    assert licence_count(db) == 1
    assert db.session.scalar(select(func.count(OrderEvent.id))) == events_before


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": 100}, "inna kwota wpłaty"),
        ({"originAmount": 100}, "inna kwota zarejestrowana"),
        ({"currency": "EUR"}, "inna waluta"),
        ({"merchantId": 999}, "inny identyfikator sprzedawcy"),
        ({"posId": 999}, "inny identyfikator punktu płatności"),
    ],
)
def test_mismatched_notification_is_refused_and_activates_nothing(
    p24_order, live_server, db, verify_calls, changes, reason
):
    payment = latest_payment(db, p24_order)

    response = notify(live_server, notification_for(payment, **changes))

    assert response.status_code == 400
    assert verify_calls == []
    assert licence_count(db) == 0
    assert latest_payment(db, p24_order).state == "registered"
    [refusal] = events(db, p24_order, "p24_notification_refused")
    assert reason in refusal.message


def test_forged_notification_is_refused(p24_order, live_server, db, verify_calls):
    payment = latest_payment(db, p24_order)
    forged = notification_for(payment)
    forged["sign"] = notification_sign(
        {key: value for key, value in forged.items() if key != "sign"}, "guessed-crc"
    )

    response = notify(live_server, forged)

    assert response.status_code == 400
    assert verify_calls == []
    assert licence_count(db) == 0
    [refusal] = events(db, p24_order, "p24_notification_refused")
    assert "podpis się nie zgadza" in refusal.message


@pytest.mark.parametrize(
    "body",
    [
        {"sessionId": "bf1-unknown"},
        "not json",
    ],
)
def test_malformed_or_unknown_notification_is_refused(p24_order, live_server, db, body):
    if isinstance(body, dict):
        payment = latest_payment(db, p24_order)
        body = notification_for(payment, sessionId="bf1-unknown")
        response = notify(live_server, body)
    else:
        response = requests.post(
            f"{live_server.url}/payments/p24/notify", data=body, timeout=10
        )

    assert response.status_code == 400
    assert licence_count(db) == 0


def test_notification_from_an_address_outside_the_list_is_refused(
    p24_order, live_server, db
):
    live_server.app.config["P24_NOTIFY_ALLOWED_IPS"] = ["5.252.202.254"]
    payment = latest_payment(db, p24_order)

    refused = notify(live_server, notification_for(payment))
    live_server.app.config["P24_NOTIFY_ALLOWED_IPS"] = ["127.0.0.0/8", "::1"]
    pay(live_server, payment)

    assert refused.status_code == 403
    assert latest_payment(db, p24_order).state == "paid"


def test_lost_notification_is_recovered_by_the_reconciliation_job(
    p24_order, live_server, db, jobs, verify_calls
):
    payment = latest_payment(db, p24_order)
    pay(live_server, payment, notification="lose")
    assert latest_payment(db, p24_order).state == "registered"

    assert jobs.run_delayed("reconcile_payment") == 1

    payment = latest_payment(db, p24_order)
    assert payment.state == "paid"
    assert verify_calls == [payment.session_id]
    assert licence_count(db) == 1
    [confirmed] = events(db, p24_order, "p24_paid")
    assert confirmed.details["via"] == "by_session_id"


def test_returning_payer_gets_an_answer_although_the_notification_was_lost(
    p24_order, live_server, db
):
    payment = latest_payment(db, p24_order)
    response = pay(live_server, payment, notification="lose")

    page = requests.get(response.headers["Location"], timeout=10).text

    assert "Płatność potwierdzona" in page
    assert "Wróć do portalu iKsięgowość24" in page
    assert latest_payment(db, p24_order).state == "paid"


def test_returning_payer_waits_while_nothing_is_paid(p24_order, live_server, db):
    payment = latest_payment(db, p24_order)
    cancelled = requests.post(
        f"{live_server.url}/sandbox/p24/trnRequest/{payment.token}/cancel",
        allow_redirects=False,
        timeout=10,
    )

    page = requests.get(cancelled.headers["Location"], timeout=10).text

    assert "Czekamy na potwierdzenie płatności" in page
    assert 'hx-trigger="every 2s"' in page
    assert "Sprawdź ponownie" in page
    assert licence_count(db) == 0


def test_late_notification_finds_the_payment_still_open(
    p24_order, live_server, sandbox_p24, db
):
    payment = latest_payment(db, p24_order)
    pay(live_server, payment, notification="late")
    assert latest_payment(db, p24_order).state == "registered"

    assert sandbox_p24.run_delayed("send_notification") == 1

    assert latest_payment(db, p24_order).state == "paid"


def expire(db, order, jobs) -> P24Payment:
    payment = latest_payment(db, order)
    payment.deadline_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    jobs.run_delayed("reconcile_payment")
    return latest_payment(db, order)


def test_unpaid_payment_expires_and_can_be_paid_again(
    p24_order, live_server, client, launch, db, jobs
):
    first = expire(db, p24_order, jobs)
    assert first.state == "expired"
    db.session.refresh(p24_order)
    assert p24_order.status == OrderStatus.PAYMENT_FAILED
    launch()
    assert "nie wpłynęła w wyznaczonym czasie" in client.get(
        f"/orders/{p24_order.id}"
    ).get_data(as_text=True)

    response = client.post(f"/payments/orders/{p24_order.id}/pay-again")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/orders/{p24_order.id}"
    second = latest_payment(db, p24_order)
    assert second.session_id != first.session_id
    assert second.state == "registered"
    pay(live_server, second)
    assert latest_payment(db, p24_order).state == "paid"
    assert licence_count(db) == 1


def test_expired_payment_can_be_switched_to_the_pool(
    p24_order, live_server, client, launch, db, jobs, verify_calls
):
    first = expire(db, p24_order, jobs)
    launch()

    response = client.post(
        f"/payments/orders/{p24_order.id}/switch", data={"payment_method": "pool"}
    )

    assert response.status_code == 303
    [licence] = db.session.scalars(select(Licence)).all()
    assert (licence.source, licence.state) == ("pool", "active")
    late = pay(live_server, first)
    assert late.status_code == 303
    assert latest_payment(db, p24_order).state == "expired"
    assert verify_calls == []
    assert licence_count(db) == 1
    assert events(db, p24_order, "p24_payment_not_needed")


def test_failed_registration_marks_the_order_with_what_to_do(
    sandbox_p24, place_plus, app, db
):
    app.config["P24_API_KEY"] = "wrong-key"

    order = place_plus("p24")

    db.session.refresh(order)
    assert order.status == OrderStatus.PAYMENT_FAILED
    assert "Spróbuj zapłacić ponownie" in order.status_detail
    assert latest_payment(db, order).state == "register_failed"
    [failure] = events(db, order, "p24_register_failed")
    assert failure.details["http_status"] == 401


def test_emulator_refuses_a_register_with_a_wrong_sign(live_server):
    client = P24Client(
        live_server.url + "/sandbox/p24",
        merchant_id=100200,
        pos_id=100200,
        crc="not-the-crc",
        api_key=SANDBOX_API_KEY,
    )

    assert client.test_access() is True
    with pytest.raises(P24Error) as refused:
        client.register(
            session_id="bf-test-1",
            amount=PRICE,
            description="Test",
            email="anna@biuro.example",
            url_return="http://localhost/return",
            url_status="http://localhost/notify",
        )

    assert refused.value.status_code == 400


def test_other_office_cannot_touch_the_payment(
    p24_order, client, launch, office_factory
):
    office_factory(portal_id="other", name="Inne Biuro")
    launch(office="other", office_name="Inne Biuro")

    assert client.post(f"/payments/orders/{p24_order.id}/pay-again").status_code == 404
    assert client.get(f"/payments/orders/{p24_order.id}/panel").status_code == 404
