"""The company part of the ordering page: the htmx partial and the no-JS button."""

import re
from html import unescape

import pytest

from betterfly.models import Client
from betterfly.sandbox import gus as emulator

HTMX = {"HX-Request": "true"}
FOUND_NIP = "5213379026"
ORBITA = "HURTOWNIA PAPIERNICZA ORBITA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"


@pytest.fixture
def signed_in(gus_server, demo_office, launch):
    launch()
    return demo_office


def _partial(client, **fields):
    response = client.get("/company/lookup", query_string=fields, headers=HTMX)
    return response, response.get_data(as_text=True)


def test_ordering_page_asks_for_the_company_as_the_nip_is_typed(client, signed_in):
    page = client.get("/orders/new").get_data(as_text=True)

    assert 'hx-get="/company/lookup"' in page
    assert 'hx-target="#company-fields"' in page
    assert "Pobieramy dane firmy z GUS" in page
    assert "Pobierz dane z GUS" in page
    assert 'id="company-status" role="status" aria-live="polite"' in page


def test_valid_nip_fills_the_fields_and_says_where_they_come_from(client, signed_in):
    response, html = _partial(client, nip="521-337-90-26")

    assert response.status_code == 200
    assert f'value="{ORBITA}"' in html
    assert 'value="ul. Marszałkowska"' in html
    assert 'value="84/92"' in html
    assert 'value="118"' in html
    assert 'value="00-514"' in html
    assert 'value="141526371"' in html
    assert "Dane z GUS, stan na 05.01.2026" in html
    assert '<label for="company_name">Nazwa firmy</label>' in html
    assert 'name="company_source" type="hidden" value="gus"' in html


def test_incomplete_nip_changes_nothing(client, signed_in, emulator_calls):
    response, html = _partial(client, nip="52133790")

    assert response.status_code == 204
    assert html == ""
    assert emulator_calls()["total"] == 0


def test_unknown_company_asks_for_manual_entry(client, signed_in):
    _, html = _partial(client, nip=emulator.NOT_FOUND_NIP)

    assert "Nie znaleźliśmy w GUS firmy o tym NIP-ie" in html
    assert "wpisz dane firmy ręcznie" in html


def test_gus_down_says_so_and_asks_for_manual_entry(client, signed_in):
    response, html = _partial(client, nip=emulator.MAINTENANCE_NIP)

    assert response.status_code == 200
    assert "GUS teraz nie odpowiada" in html
    assert "Wpisz je ręcznie" in html


def test_white_list_data_is_marked_as_such(client, signed_in):
    _, html = _partial(client, nip=emulator.ERROR_NIP)

    assert "Dane z białej listy VAT, stan na" in html
    assert "GUS teraz nie odpowiada" in html
    assert 'value="Katowice"' in html
    assert 'name="company_source" type="hidden" value="whitelist"' in html


def test_closed_business_is_flagged(client, signed_in):
    _, html = _partial(client, nip="7122904551")

    assert "Ta firma zakończyła działalność 30.06.2023" in html


def test_company_name_from_gus_is_escaped(client, signed_in):
    _, html = _partial(client, nip="7792458131")

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;GUS&#39;)&lt;/script&gt;" in html
    assert "<b>USŁUG</b>" not in html


def test_values_typed_by_hand_are_kept(client, signed_in):
    _, html = _partial(client, nip=FOUND_NIP, company_name="Orbita Hurt", city="")

    assert 'value="Orbita Hurt"' in html
    assert ORBITA not in html
    assert 'value="Warszawa"' in html
    assert "Pól wpisanych ręcznie nie zmieniliśmy: Nazwa firmy." in html


def test_new_nip_replaces_what_the_previous_lookup_filled(client, signed_in):
    _, first = _partial(client, nip=FOUND_NIP)
    filled = _fields_of(first)

    _, second = _partial(client, **{**filled, "nip": "6772345191"})

    assert 'value="USŁUGI REMONTOWO-BUDOWLANE TOMASZ KOWALCZYK"' in second
    assert 'value="Kraków"' in second
    assert "Pól wpisanych ręcznie" not in second


def test_edit_after_a_lookup_survives_the_next_lookup(client, signed_in):
    _, first = _partial(client, nip=FOUND_NIP)
    fields = {**_fields_of(first), "street": "ul. Poprawiona"}

    _, second = _partial(client, **{**fields, "nip": "6772345191"})

    assert 'value="ul. Poprawiona"' in second
    assert 'value="USŁUGI REMONTOWO-BUDOWLANE TOMASZ KOWALCZYK"' in second
    assert "Pól wpisanych ręcznie nie zmieniliśmy: Ulica." in second


def test_not_found_clears_what_a_previous_lookup_filled(client, signed_in):
    _, first = _partial(client, nip=FOUND_NIP)

    _, second = _partial(client, **{**_fields_of(first), "nip": "5261040828"})

    assert ORBITA not in second
    assert 'value="Warszawa"' not in second


def test_office_is_told_early_that_it_already_has_this_client(
    client, signed_in, office_factory, db
):
    _add_client(db, signed_in.id, FOUND_NIP, "Orbita — klient biura")
    other_office = office_factory(portal_id="other", name="Inne biuro")
    _add_client(db, other_office.id, "6772345191", "Klient innego biura")

    _, own = _partial(client, nip=FOUND_NIP)
    _, foreign = _partial(client, nip="6772345191")

    assert "Twoje biuro ma już tego Klienta:" in own
    assert "Orbita — klient biura" in own
    assert "Twoje biuro ma już tego Klienta" not in foreign
    assert "Klient innego biura" not in foreign


def test_lookup_needs_a_launched_session(client, gus_server):
    response = client.get("/company/lookup", query_string={"nip": FOUND_NIP})

    assert response.status_code == 403


def test_button_without_javascript_re_renders_the_page_filled(
    client, signed_in, order_form
):
    data = order_form(
        nip="PL 5213379026",
        company_name="",
        street="",
        building_number="",
        unit_number="",
        postal_code="",
        city="",
        action="lookup_company",
    )

    response = client.post("/orders/new", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zamów i dodaj Klienta" in html
    assert f'value="{ORBITA}"' in html
    assert 'value="00-514"' in html
    assert "Dane z GUS, stan na 05.01.2026" in html
    assert 'value="600 100 200"' in html
    assert "Pól wpisanych ręcznie" not in html


def test_button_keeps_what_was_typed_and_says_so(client, signed_in, order_form):
    data = order_form(
        nip=FOUND_NIP,
        company_name="Orbita Hurt",
        street="",
        building_number="",
        unit_number="",
        postal_code="",
        city="",
        action="lookup_company",
    )

    html = client.post("/orders/new", data=data).get_data(as_text=True)

    assert 'value="Orbita Hurt"' in html
    assert 'value="ul. Marszałkowska"' in html
    assert "Pól wpisanych ręcznie nie zmieniliśmy: Nazwa firmy." in html


def test_order_placed_after_a_lookup_records_gus_as_the_source(
    client, signed_in, order_form, db
):
    lookup = order_form(
        nip=FOUND_NIP,
        company_name="",
        street="",
        building_number="",
        unit_number="",
        postal_code="",
        city="",
        action="lookup_company",
    )
    html = client.post("/orders/new", data=lookup).get_data(as_text=True)

    filled = {**lookup, **_fields_of(html), "action": "place"}
    response = client.post("/orders/new", data=filled)

    assert response.status_code == 303
    placed = db.session.query(Client).filter_by(nip=FOUND_NIP).one()
    assert placed.name == ORBITA
    assert placed.data_source == "gus"


def _fields_of(html: str) -> dict[str, str]:
    """The company inputs of a rendered partial, as the browser would send them."""
    names = (
        "company_name",
        "regon",
        "street",
        "building_number",
        "unit_number",
        "postal_code",
        "city",
        "company_source",
        "company_as_of",
        "company_fill",
    )
    values = {}
    for name in names:
        match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
        values[name] = unescape(value.group(1)) if value else ""
    return values


def _add_client(db, office_id: int, nip: str, name: str) -> None:
    db.session.add(
        Client(
            office_id=office_id,
            nip=nip,
            name=name,
            city="Warszawa",
            phone="+48600100200",
            email="biuro@example.pl",
            first_name="Ala",
            last_name="Kot",
        )
    )
    db.session.commit()


def test_closed_business_warning_stays_after_a_failed_validation(
    client, signed_in, order_form
):
    _, html = _partial(client, nip="7122904551")
    assert "zakończyła działalność 30.06.2023" in html
    assert 'name="company_ended_on" type="hidden" value="2023-06-30"' in html

    response = client.post(
        "/orders/new",
        data=order_form(
            nip="7122904551",
            company_source="gus",
            company_ended_on="2023-06-30",
            phone="",
        ),
    )

    assert response.status_code == 422
    assert "zakończyła działalność 30.06.2023" in response.get_data(as_text=True)
