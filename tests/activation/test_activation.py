import re
from datetime import timedelta

from sqlalchemy import func, select

from betterfly.models import Invitation, Order, OrderStatus, OutboxMessage


def _activation_path(db) -> str:
    message = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"http://localhost(/activate/[\w-]+)", message.text_body).group(1)


def test_invitation_mail_is_polish_with_office_advisor_and_link(
    client, launch, order_form, db
):
    launch()
    client.post("/orders/new", data=order_form())

    message = db.session.scalar(select(OutboxMessage))

    assert message.subject == "Biuro Rachunkowe Demo zaprasza Cię do Betterfly"
    for body in (message.text_body, message.html_body):
        assert "Biuro Rachunkowe Demo" in body
        assert "Jan Nowak" in body
        assert "14 dni" in body
        assert "http://localhost/activate/" in body
    assert "<a href=" in message.html_body


def test_client_activates_once(client, launch, order_form, db):
    launch()
    client.post("/orders/new", data=order_form())
    path = _activation_path(db)

    page = client.get(path).get_data(as_text=True)
    assert "Biuro Rachunkowe Demo" in page and "Jan Nowak" in page

    done = client.post(path, data={"accept_terms": "yes"})
    assert done.status_code == 200
    assert "Konto Betterfly jest aktywne" in done.get_data(as_text=True)
    assert db.session.scalar(select(Order.status)) == OrderStatus.ACTIVATED

    again = client.get(path).get_data(as_text=True)
    assert "Konto jest już aktywne" in again


def test_terms_must_be_accepted(client, launch, order_form, db):
    launch()
    client.post("/orders/new", data=order_form())

    response = client.post(_activation_path(db), data={})

    assert response.status_code == 422
    assert "Zaakceptuj regulamin" in response.get_data(as_text=True)
    assert db.session.scalar(select(Order.status)) == OrderStatus.INVITATION_SENT


def test_expired_link_offers_a_fresh_one_to_the_same_address(
    client, launch, order_form, db
):
    launch()
    client.post("/orders/new", data=order_form())
    path = _activation_path(db)
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = invitation.expires_at - timedelta(days=15)
    db.session.commit()

    page = client.get(path).get_data(as_text=True)
    assert "Link wygasł" in page

    renewed = client.post(path + "/renew")
    assert "J***@firma.pl" in renewed.get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    new_path = _activation_path(db)
    assert new_path != path
    assert client.post(new_path, data={"accept_terms": "yes"}).status_code == 200


def test_resend_replaces_the_old_link(client, launch, order_form, db):
    launch()
    location = client.post("/orders/new", data=order_form()).headers["Location"]
    old_path = _activation_path(db)

    response = client.post(f"{location}/resend-invitation")

    assert response.status_code == 303
    new_path = _activation_path(db)
    assert new_path != old_path
    assert "zastąpiony nowszym" in client.get(old_path).get_data(as_text=True)
    assert client.post(old_path, data={"accept_terms": "yes"}).status_code == 409
    assert client.post(new_path, data={"accept_terms": "yes"}).status_code == 200
    timeline = client.get(location).get_data(as_text=True)
    assert "Wysłano nowy link aktywacyjny" in timeline
    assert "Klient aktywował konto" in timeline


def test_unknown_link_is_404(client):
    response = client.get("/activate/not-a-token")

    assert response.status_code == 404
    assert "Nie znaleźliśmy tego linku" in response.get_data(as_text=True)


def test_fresh_links_are_limited_to_a_few_an_hour(client, launch, order_form, db):
    launch()
    client.post("/orders/new", data=order_form())
    path = _activation_path(db)
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = invitation.expires_at - timedelta(days=15)
    db.session.commit()

    statuses = [client.post(path + "/renew").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4
