"""The company lookup in real Chromium: the htmx fill, and the no-JS button."""

import pytest

pytestmark = pytest.mark.browser

ORBITA = "HURTOWNIA PAPIERNICZA ORBITA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"


def _open_order_page(page, launch_url) -> None:
    page.goto(launch_url())
    page.goto(page.url.rstrip("/") + "/orders/new")


def test_typing_a_valid_nip_fills_the_company_and_keeps_typed_values(
    page, launch_url, demo_office
):
    _open_order_page(page, launch_url)
    page.get_by_label("Miejscowość").fill("Warszawa-Śródmieście")

    page.get_by_label("NIP", exact=False).first.fill("521-337-90-26")

    page.get_by_text("Dane z GUS, stan na 05.01.2026").wait_for()
    assert page.get_by_label("Nazwa firmy").input_value() == ORBITA
    assert page.get_by_label("Ulica").input_value() == "ul. Marszałkowska"
    assert page.get_by_label("Numer lokalu").input_value() == "118"
    assert page.get_by_label("Miejscowość").input_value() == "Warszawa-Śródmieście"
    assert page.get_by_text(
        "Pól wpisanych ręcznie nie zmieniliśmy: Miejscowość."
    ).is_visible()
    assert not page.get_by_role("button", name="Pobierz dane z GUS").is_visible()


def test_late_answer_does_not_overwrite_what_was_typed_meanwhile(
    page, launch_url, demo_office
):
    _open_order_page(page, launch_url)

    # The emulator answers this NIP after a delay: time to type the name.
    page.get_by_label("NIP", exact=False).first.fill("8513184044")
    page.get_by_text("Pobieramy dane firmy z GUS").wait_for()
    page.get_by_label("Nazwa firmy").fill("Spawalnia Zieliński")

    page.get_by_text("Dane z GUS, stan na 05.01.2026").wait_for()
    assert page.get_by_label("Nazwa firmy").input_value() == "Spawalnia Zieliński"
    assert page.get_by_label("Miejscowość").input_value() == "Szczecin"


def test_button_without_javascript_fills_the_company(
    page_nojs, launch_url, demo_office
):
    page = page_nojs
    _open_order_page(page, launch_url)

    page.get_by_label("NIP", exact=False).first.fill("712 290 45 51")
    page.get_by_role("button", name="Pobierz dane z GUS").click()

    page.get_by_text("Dane z GUS, stan na 05.01.2026").wait_for()
    assert page.get_by_label("Nazwa firmy").input_value() == (
        "PIEKARNIA POD LIPAMI ANNA WÓJCIK"
    )
    assert page.get_by_label("Kod pocztowy").input_value() == "20-020"
    assert page.get_by_text("Ta firma zakończyła działalność 30.06.2023").is_visible()
