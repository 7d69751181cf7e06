import jwt
from sqlalchemy import select

from betterfly.models import Office, User


def test_first_launch_creates_the_office_and_user(client, launch_token, db):
    response = client.get(
        f"/launch?token={launch_token(office='p-77', office_name='Biuro Nowe')}"
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    office = db.session.scalar(select(Office).where(Office.portal_id == "p-77"))
    assert office.name == "Biuro Nowe"
    assert db.session.scalar(select(User)).office_id == office.id


def test_a_launch_token_opens_only_once(client, launch_token):
    token = launch_token()

    assert client.get(f"/launch?token={token}").status_code == 303
    replay = client.get(f"/launch?token={token}")

    assert replay.status_code == 403
    assert "Ten link został już użyty" in replay.get_data(as_text=True)


def test_expired_token_is_refused(client, launch_token):
    response = client.get(f"/launch?token={launch_token(lifetime_seconds=-60)}")

    assert response.status_code == 403
    assert "Link wygasł" in response.get_data(as_text=True)


def test_token_signed_with_another_secret_is_refused(client):
    forged = jwt.encode(
        {
            "sub": "1",
            "name": "X",
            "email": "x@x.pl",
            "office": "demo",
            "office_name": "D",
            "role": "office",
            "iat": 1,
            "exp": 9999999999,
            "jti": "abc",
        },
        "not-the-secret-" + "z" * 32,
        algorithm="HS256",
    )

    response = client.get(f"/launch?token={forged}")

    assert response.status_code == 403
    assert client.get("/").status_code == 403


def test_long_lived_token_is_refused(client, launch_token):
    response = client.get(f"/launch?token={launch_token(lifetime_seconds=86400)}")

    assert response.status_code == 403


def test_session_cookie_works_inside_a_third_party_iframe(settings, launch_token):
    from betterfly import create_app

    settings["PUBLIC_BASE_URL"] = "https://orders.example"
    app = create_app(settings)
    client = app.test_client()

    response = client.get(
        f"/launch?token={launch_token()}", base_url="https://orders.example"
    )

    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "SameSite=None" in cookie
    assert "Partitioned" in cookie
    assert "HttpOnly" in cookie


def test_pages_may_be_framed_only_by_the_portal(settings):
    from betterfly import create_app

    settings["PORTAL_ORIGINS"] = ["https://portal.iksiegowosc24.example"]
    app = create_app(settings)

    policy = app.test_client().get("/healthz").headers["Content-Security-Policy"]

    assert "frame-ancestors 'self' https://portal.iksiegowosc24.example" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_another_offices_order_is_not_found(client, launch, other_office_order):
    launch(office="other", office_name="Inne Biuro")
    other_order_id = other_office_order()

    launch()

    assert client.get(f"/orders/{other_order_id}").status_code == 404
    assert client.post(f"/orders/{other_order_id}/resend-invitation").status_code == 404
