"""Ordering Plus and paying through the sandbox Przelewy24 in real Chromium.

The payment page refuses to be framed, so the app sends the payer there in
the top-level window; the payer comes back to the app's return page there.
"""

import re

import pytest
from sqlalchemy import select

from betterfly.payments.models import Licence, P24Payment

pytestmark = pytest.mark.browser


def _order_plus(scope, method: str, wait_for_lookup) -> None:
    """Fill the ordering page for a Plus order paid by `method` and submit it."""
    scope.get_by_label("Numer telefonu").fill("+48 600-100-200")
    scope.get_by_label("NIP", exact=False).first.fill("526-000-12-46")
    wait_for_lookup()
    scope.get_by_label("Nazwa firmy").fill("Kwiaciarnia Róża Sp. z o.o.")
    scope.get_by_label("Ulica").fill("ul. Floriańska")
    scope.get_by_label("Numer budynku").fill("12")
    scope.get_by_label("Kod pocztowy").fill("31-019")
    scope.get_by_label("Miejscowość").fill("Kraków")
    scope.get_by_label("Oddział").select_option(label="Warszawa")
    scope.get_by_label("Opiekun").select_option(label="Piotr Wiśniewski")
    scope.get_by_role("radio", name=re.compile(r"^Betterfly eFaktury Plus")).check()
    scope.get_by_role("radio", name=re.compile(f"^{method}")).check()
    scope.get_by_label("Imię").fill("Zofia")
    scope.get_by_label("Nazwisko").fill("Nowak")
    scope.get_by_label("E-mail").fill("zofia.nowak@example.pl")
    scope.get_by_role("button", name="Zamów i dodaj Klienta").click()


def _licence(db) -> Licence | None:
    db.session.expire_all()
    return db.session.scalar(select(Licence))


def test_p24_order_paid_in_the_top_level_window(
    page, launch_url, sandbox_p24, demo_office, db
):
    page.goto(launch_url())
    page.get_by_text("Chcę zamówić Betterfly dla Klienta").click()
    _order_plus(page, "Przelewy24", lambda: page.wait_for_load_state("networkidle"))
    page.get_by_text("Czekamy na płatność").wait_for()

    page.get_by_role("button", name="Zapłać przez Przelewy24").click()
    page.wait_for_url(re.compile(r"/sandbox/p24/trnRequest/"))
    page.get_by_role("button", name="Zapłać", exact=True).click()

    page.get_by_text("Płatność potwierdzona").wait_for()
    assert _licence(db).source == "p24"


def test_p24_payment_leaves_the_portal_iframe_and_returns_on_top(
    portal_origin, demo_office, sandbox_p24, portal_page, db
):
    frame = portal_page.frame
    frame.get_by_text("Chcę zamówić Betterfly dla Klienta").click()
    _order_plus(
        frame, "Przelewy24", lambda: portal_page.page.wait_for_load_state("networkidle")
    )
    frame.get_by_text("Czekamy na płatność").wait_for()

    frame.get_by_role("button", name="Zapłać przez Przelewy24").click()

    page = portal_page.page
    page.wait_for_url(re.compile(r"/sandbox/p24/trnRequest/"))
    page.get_by_role("button", name="Zapłać", exact=True).click()
    page.get_by_text("Płatność potwierdzona").wait_for()
    assert "/payments/p24/return/" in page.url
    assert _licence(db).source == "p24"


def test_return_page_polls_until_the_payment_is_confirmed(
    page, launch_url, sandbox_p24, demo_office, db
):
    sandbox_p24.hold_back.add("check_on_return")
    page.goto(launch_url())
    page.get_by_text("Chcę zamówić Betterfly dla Klienta").click()
    _order_plus(page, "Przelewy24", lambda: page.wait_for_load_state("networkidle"))
    page.get_by_role("button", name="Zapłać przez Przelewy24").click()
    page.get_by_label("Zgub powiadomienie").check()
    page.get_by_role("button", name="Zapłać", exact=True).click()
    page.get_by_text("Czekamy na potwierdzenie płatności").wait_for()

    assert sandbox_p24.run_delayed("check_on_return") == 1

    page.get_by_text("Płatność potwierdzona").wait_for()
    assert db.session.scalar(select(P24Payment.state)) == "paid"


def test_without_javascript_the_payer_checks_again_by_a_link(
    page_nojs, launch_url, sandbox_p24, demo_office, db
):
    page = page_nojs
    sandbox_p24.hold_back.add("check_on_return")
    page.goto(launch_url())
    page.get_by_text("Chcę zamówić Betterfly dla Klienta").click()
    page.get_by_label("Oddział").select_option(label="Warszawa")
    page.get_by_role("button", name="Pokaż opiekunów").click()
    _order_plus(page, "Przelewy24", lambda: None)
    page.get_by_role("button", name="Zapłać przez Przelewy24").click()
    page.get_by_label("Zgub powiadomienie").check()
    page.get_by_role("button", name="Zapłać", exact=True).click()
    page.get_by_text("Czekamy na potwierdzenie płatności").wait_for()

    sandbox_p24.run_delayed("check_on_return")
    page.get_by_role("link", name="Sprawdź ponownie").click()

    page.get_by_text("Płatność potwierdzona").wait_for()


@pytest.mark.parametrize("method", ["Licencja z Pakietu Premium", "Portfel"])
def test_pool_and_wallet_orders_issue_the_licence_at_once(
    page, launch_url, sandbox_p24, demo_office, fund_wallet, db, method
):
    fund_wallet(demo_office, 50_000)
    page.goto(launch_url())
    page.get_by_text("Chcę zamówić Betterfly dla Klienta").click()

    _order_plus(page, method, lambda: page.wait_for_load_state("networkidle"))

    panel = page.locator("#payment-panel")
    panel.get_by_text("Licencja Betterfly eFaktury Plus aktywna od").wait_for()
    assert _licence(db).source == (
        "pool" if method.startswith("Licencja") else "wallet"
    )
