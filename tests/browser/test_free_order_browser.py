"""The free order, from the launch to the activated account, in real Chromium."""

import re

import pytest
from sqlalchemy import select

from betterfly.models import OutboxMessage

pytestmark = pytest.mark.browser


def _fill_order(page, javascript: bool) -> None:
    page.get_by_label("Numer telefonu").fill("+48 600-100-200")
    page.get_by_label("NIP", exact=False).first.fill("526-000-12-46")
    if javascript:
        # The company lookup answers first; typing goes on after its swap.
        page.wait_for_load_state("networkidle")
    page.get_by_label("Nazwa firmy").fill("Kwiaciarnia Róża Sp. z o.o.")
    page.get_by_label("Ulica").fill("ul. Floriańska")
    page.get_by_label("Numer budynku").fill("12")
    page.get_by_label("Kod pocztowy").fill("31-019")
    page.get_by_label("Miejscowość").fill("Kraków")
    page.get_by_label("Oddział").select_option(label="Warszawa")
    if not javascript:
        page.get_by_role("button", name="Pokaż opiekunów").click()
    page.get_by_label("Opiekun").select_option(label="Piotr Wiśniewski")
    page.get_by_role("radio", name=re.compile(r"^Betterfly eFaktury(?! Plus)")).check()
    page.get_by_label("Imię").fill("Zofia")
    page.get_by_label("Nazwisko").fill("Nowak")
    page.get_by_label("E-mail").fill("zofia.nowak@example.pl")


def _order_then_activate(page, launch_url, db, javascript: bool) -> None:
    page.goto(launch_url())
    page.get_by_text("Chcę zamówić Betterfly dla Klienta").click()

    page.get_by_role("button", name="Zamów i dodaj Klienta").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "Podaj numer telefonu." in summary.inner_text()

    page.get_by_label("Numer telefonu").fill("12")
    _fill_order(page, javascript)
    page.get_by_label("Numer telefonu").fill("+48 600-100-200")
    page.get_by_role("button", name="Zamów i dodaj Klienta").click()

    page.get_by_text("Zamówienie przyjęte").wait_for()
    assert page.get_by_text("Zaproszenie wysłane").first.is_visible()
    assert page.get_by_text("Piotr Wiśniewski").first.is_visible()

    body = db.session.scalar(select(OutboxMessage.text_body))
    link = re.search(r"https?://\S+/activate/\S+", body).group(0)
    page.goto(link)
    page.get_by_label("Akceptuję regulamin").check()
    page.get_by_role("button", name="Aktywuj konto").click()
    page.get_by_text("Konto Betterfly jest aktywne").wait_for()

    page.go_back()
    page.goto(launch_url())
    page.get_by_role("link", name="Kwiaciarnia Róża Sp. z o.o.").click()
    assert page.get_by_text("Konto aktywowane").first.is_visible()


def test_free_order_with_javascript(page, launch_url, demo_office, db):
    _order_then_activate(page, launch_url, db, javascript=True)


def test_free_order_without_javascript(page_nojs, launch_url, demo_office, db):
    _order_then_activate(page_nojs, launch_url, db, javascript=False)


def test_choosing_a_branch_swaps_in_its_advisors(page, launch_url, demo_office):
    page.goto(launch_url())
    page.goto(page.url.rstrip("/") + "/orders/new")

    page.get_by_label("Oddział").select_option(label="Kraków")

    advisor = page.get_by_label("Opiekun")
    advisor.locator("option", has_text="Ewa Zielińska").wait_for(state="attached")
    assert "Piotr Wiśniewski" not in advisor.inner_text()
