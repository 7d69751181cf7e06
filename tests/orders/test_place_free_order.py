import threading

from sqlalchemy import func, select

from betterfly.models import Client, Order, OrderStatus, OutboxMessage


def test_free_order_creates_client_order_and_invitation(client, launch, order_form, db):
    launch()

    response = client.post("/orders/new", data=order_form())

    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert response.headers["Location"] == f"/orders/{order.id}"
    assert order.client.phone == "+48600100200"
    assert order.client.nip == "5260001246"
    assert order.client.email == "Jan.Kowalski@firma.pl"
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "Jan.Kowalski@firma.pl"
    assert message.sent_at is not None
    assert order.status == OrderStatus.INVITATION_SENT


def test_order_page_shows_status_and_timeline(client, launch, order_form):
    launch()
    location = client.post("/orders/new", data=order_form()).headers["Location"]

    page = client.get(location).get_data(as_text=True)

    assert "Zaproszenie wysłane" in page
    assert "Zamówienie złożone." in page
    assert "Wysłano e-mail z zaproszeniem do aktywacji konta." in page
    assert "+48 600 100 200" in page


def test_invalid_fields_are_reported_in_polish_and_input_is_kept(
    client, launch, order_form
):
    launch()

    response = client.post(
        "/orders/new",
        data=order_form(
            phone="12",
            nip="1234567890",
            email="nie-mail",
            first_name="J4n",
            postal_code="311",
        ),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "To nie wygląda na numer telefonu" in page or "nieprawidłowy" in page
    assert "błędną sumę kontrolną" in page
    assert "adres e-mail jest nieprawidłowy" in page
    assert "Użyj tylko liter" in page
    assert "Kod pocztowy wpisz w postaci 00-000" in page
    assert 'value="Przykładowa Spółka z o.o."' in page
    assert 'href="#phone"' in page


def test_all_same_digit_nip_is_refused(client, launch, order_form):
    launch()

    page = client.post("/orders/new", data=order_form(nip="0000000000")).get_data(
        as_text=True
    )

    assert "błędną sumę kontrolną" in page


def test_phone_spellings_are_stored_in_e164(client, launch, order_form, db):
    launch()
    spellings = ["+48 600-100-200", "0048600100200", "+49 30 901820"]

    for index, phone in enumerate(spellings):
        client.post(
            "/orders/new",
            data=order_form(
                request_key=f"k{index}",
                phone=phone,
                nip=["5260001246", "7740001454", "1132191233"][index],
            ),
        )

    phones = db.session.scalars(select(Client.phone).order_by(Client.id)).all()
    assert phones == ["+48600100200", "+48600100200", "+4930901820"]


def test_resubmitted_form_returns_the_same_order(client, launch, order_form, db):
    launch()

    first = client.post("/orders/new", data=order_form())
    second = client.post("/orders/new", data=order_form())

    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Order.id))) == 1


def test_two_parallel_posts_create_one_order(live_server, launch_token, order_form, db):
    import requests

    session = requests.Session()
    session.get(f"{live_server.url}/launch?token={launch_token()}", timeout=5)
    cookies = session.cookies.get_dict()
    statuses = []

    def submit():
        response = requests.post(
            f"{live_server.url}/orders/new",
            data=order_form(),
            cookies=cookies,
            allow_redirects=False,
            timeout=10,
        )
        statuses.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.scalar(select(func.count(Client.id))) == 1
    assert [status for status, _ in statuses] == [303, 303]
    assert statuses[0][1] == statuses[1][1]


def test_known_nip_shows_the_existing_client(client, launch, order_form, db):
    launch()
    client.post("/orders/new", data=order_form())

    response = client.post("/orders/new", data=order_form(request_key="other"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Twoje biuro ma już Klienta z tym NIP-em." in page
    assert "Przykładowa Spółka z o.o." in page
    assert db.session.scalar(select(func.count(Client.id))) == 1
