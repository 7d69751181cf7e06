"""Invitations go out through a real SMTP server, and wait in the outbox on failure."""

from sqlalchemy import select

from betterfly.mail.delivery import deliver_message, deliver_pending
from betterfly.models import Order, OrderStatus, OutboxMessage


def test_invitation_is_sent_over_smtp_in_html_and_plain_text(
    smtp_server, client, launch, order_form, db
):
    launch()

    client.post("/orders/new", data=order_form())

    [mail] = smtp_server.messages
    assert mail["To"] == "Jan.Kowalski@firma.pl"
    assert mail["Subject"] == "Biuro Rachunkowe Demo zaprasza Cię do Betterfly"
    assert "Aktywuj konto" in mail.get_body(("html",)).get_content()
    assert "/activate/" in mail.get_body(("plain",)).get_content()
    message = db.session.scalar(select(OutboxMessage))
    assert message.transport == "smtp" and message.sent_at is not None
    sent_link = mail.get_body(("plain",)).get_content()
    token = sent_link.split("/activate/", 1)[1].split()[0]
    assert token not in message.text_body + message.html_body
    assert "link usunięty po wysłaniu" in message.text_body


def test_refused_mail_stays_pending_and_is_sent_later(
    smtp_server, client, launch, order_form, db
):
    smtp_server.refuse()
    launch()

    response = client.post("/orders/new", data=order_form())

    assert response.status_code == 303
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > message.created_at
    assert db.session.scalar(select(Order.status)) == OrderStatus.PLACED

    smtp_server.accept()
    message.next_attempt_at = None
    db.session.commit()
    assert deliver_pending() == 1

    assert len(smtp_server.messages) == 1
    db.session.refresh(message)
    assert message.sent_at is not None
    assert db.session.scalar(select(Order.status)) == OrderStatus.INVITATION_SENT


def test_smtp_server_down_keeps_the_order_and_the_mail(
    smtp_server, client, launch, order_form, db
):
    smtp_server.stop()
    launch()

    response = client.post("/orders/new", data=order_form())

    assert response.status_code == 303
    assert db.session.scalar(select(Order)) is not None
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None and "Connection" in message.last_error


def test_delivering_the_same_message_twice_sends_it_once(
    smtp_server, client, launch, order_form, db
):
    smtp_server.refuse()
    launch()
    client.post("/orders/new", data=order_form())
    message_id = db.session.scalar(select(OutboxMessage.id))
    smtp_server.accept()
    db.session.get(OutboxMessage, message_id).next_attempt_at = None
    db.session.commit()

    deliver_message(message_id)
    deliver_message(message_id)

    assert len(smtp_server.messages) == 1


def test_invitation_job_runs_on_a_real_rq_worker(
    smtp_server, rq_worker, client, launch, order_form, db
):
    launch()

    client.post("/orders/new", data=order_form())

    assert smtp_server.messages == []
    assert len(rq_worker.queued) == 1
    rq_worker.work()
    assert len(smtp_server.messages) == 1
    assert db.session.scalar(select(Order.status)) == OrderStatus.INVITATION_SENT


def test_failed_send_is_retried_by_the_worker_with_back_off(
    smtp_server, rq_worker, client, launch, order_form, db
):
    smtp_server.refuse()
    launch()
    client.post("/orders/new", data=order_form())

    rq_worker.work()

    assert smtp_server.messages == []
    assert len(rq_worker.scheduled) == 1
    smtp_server.accept()
    message = db.session.scalar(select(OutboxMessage))
    message.claimed_until = None
    db.session.commit()
    rq_worker.run_scheduled()
    assert len(smtp_server.messages) == 1


def test_redis_down_keeps_the_order_and_the_mail_waits(
    settings, launch_token, order_form, db
):
    from betterfly import create_app

    settings["REDIS_URL"] = "redis://127.0.0.1:1/0"
    client = create_app(settings).test_client()
    client.get(f"/launch?token={launch_token()}")

    response = client.post("/orders/new", data=order_form())

    assert response.status_code == 303
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None
    assert deliver_pending() == 1
    db.session.refresh(message)
    assert message.sent_at is not None
