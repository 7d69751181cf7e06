import pytest

from betterfly import create_app
from betterfly.config import ConfigurationError


def test_forms_without_a_csrf_token_are_refused(settings, launch_token, order_form):
    settings["WTF_CSRF_ENABLED"] = True
    client = create_app(settings).test_client()
    client.get(f"/launch?token={launch_token()}")

    response = client.post("/orders/new", data=order_form())

    assert response.status_code == 400
    assert "Formularz wygasł" in response.get_data(as_text=True)


def test_healthz_reports_redis_when_it_is_used(settings, redis_url):
    settings["REDIS_URL"] = redis_url

    response = create_app(settings).test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_is_503_when_redis_is_down(settings):
    settings["REDIS_URL"] = "redis://127.0.0.1:1/0"

    response = create_app(settings).test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["redis"].startswith("error")


def test_production_refuses_the_sandbox(settings):
    settings.update(PRODUCTION=True, SANDBOX=True, TESTING=False)

    with pytest.raises(ConfigurationError, match="SANDBOX"):
        create_app(settings)


def test_production_refuses_missing_secrets(settings):
    settings.update(SANDBOX=False, TESTING=False, SECRET_KEY="", LAUNCH_SECRET="")

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(settings)


def test_sandbox_pages_do_not_exist_outside_the_sandbox(settings):
    settings.update(SANDBOX=False)

    client = create_app(settings).test_client()

    assert client.get("/dev/outbox/").status_code == 404
    assert client.get("/dev/launch").status_code == 404


def test_amounts_and_dates_are_shown_the_polish_way():
    from datetime import date

    from betterfly.web import format_date, format_money

    assert format_money(123456) == "1\u00a0234,56\u00a0zł"
    assert format_money(5) == "0,05\u00a0zł"
    assert format_date(date(2026, 12, 3)) == "03.12.2026"


def test_client_address_comes_from_trusted_proxies_only(settings):
    from flask import request

    settings["PROXY_COUNT"] = 1
    app = create_app(settings)
    app.add_url_rule("/_address", "address", lambda: request.remote_addr)

    answer = app.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.7"}
    )

    assert answer.get_data(as_text=True) == "203.0.113.7"
