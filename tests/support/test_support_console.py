from sqlalchemy import func, select

from betterfly.models import OrderEvent, OutboxMessage


def _failed_mail_order(smtp_server, client, launch, order_form):
    smtp_server.refuse()
    launch()
    return client.post("/orders/new", data=order_form()).headers["Location"]


def test_office_users_cannot_open_the_console(client, launch):
    launch()

    assert client.get("/support/").status_code == 403


def test_support_lists_an_order_whose_mail_was_not_sent(
    smtp_server, client, launch, order_form
):
    _failed_mail_order(smtp_server, client, launch, order_form)
    launch(role="support", sub="support-1", name="Piotr Serwis")

    page = client.get("/support/").get_data(as_text=True)

    assert "E-mail niewysłany" in page
    assert "Przykładowa Spółka z o.o." in page
    filtered = client.get("/support/?problem=register_failed").get_data(as_text=True)
    assert "Przykładowa Spółka z o.o." not in filtered


def test_support_replays_the_mail_once_and_the_timeline_says_who(
    smtp_server, client, launch, order_form, db
):
    location = _failed_mail_order(smtp_server, client, launch, order_form)
    order_id = int(location.rsplit("/", 1)[1])
    message_id = db.session.scalar(select(OutboxMessage.id))
    smtp_server.accept()
    launch(role="support", sub="support-1", name="Piotr Serwis")

    first = client.post(
        f"/support/orders/{order_id}/replay/mail", data={"target": message_id}
    )
    second = client.post(
        f"/support/orders/{order_id}/replay/mail", data={"target": message_id}
    )

    assert first.status_code == second.status_code == 303
    assert len(smtp_server.messages) == 1
    page = client.get(f"/support/orders/{order_id}").get_data(as_text=True)
    assert "Wsparcie ponowiło wysyłkę e-maila." in page
    assert "Piotr Serwis (wsparcie Betterfly)" in page
    assert "Ta wiadomość została już wysłana." in page
    replays = db.session.scalar(
        select(func.count(OrderEvent.id)).where(OrderEvent.kind == "replay_mail")
    )
    assert replays == 1


def test_support_sees_orders_of_every_office(
    smtp_server, client, launch, order_form, office_factory
):
    _failed_mail_order(smtp_server, client, launch, order_form)
    launch(office="betterfly", office_name="Betterfly", role="support", sub="s-2")

    page = client.get("/support/").get_data(as_text=True)

    assert "Biuro Rachunkowe Demo" in page
