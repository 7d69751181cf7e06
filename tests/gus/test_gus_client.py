"""The GUS client against the emulator over real HTTP: SOAP 1.2, MTOM, sessions."""

from datetime import date

import pytest
import redis
import requests

from betterfly.integrations.gus import GusUnavailable
from betterfly.sandbox import gus as emulator


def test_legal_person_is_found_with_its_address_stripped(make_gus_client):
    company = make_gus_client().find_by_nip("5213379026")

    assert company.name == (
        "HURTOWNIA PAPIERNICZA ORBITA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"
    )
    assert company.regon == "141526371"
    assert (company.street, company.building_number, company.unit_number) == (
        "ul. Marszałkowska",
        "84/92",
        "118",
    )
    assert (company.postal_code, company.city) == ("00-514", "Warszawa")
    assert company.kind == "P"
    assert not company.has_ended


def test_sole_trader_gets_the_business_row_not_the_farm(make_gus_client):
    company = make_gus_client().find_by_nip("6772345191")

    assert company.kind == "F"
    assert company.name == "USŁUGI REMONTOWO-BUDOWLANE TOMASZ KOWALCZYK"
    assert (company.street, company.building_number, company.unit_number) == (
        "ul. Długa",
        "5",
        "3",
    )


def test_company_with_local_units_gives_the_main_unit(make_gus_client):
    search = make_gus_client().search_nip("7393018465")

    assert [entity.kind for entity in search.entities] == ["LP", "LP", "P"]
    assert search.main.regon == "510937284"
    assert search.main.city == "Olsztyn"


def test_active_activity_wins_over_one_removed_years_ago(make_gus_client):
    company = make_gus_client().find_by_nip("5833112079")

    assert company.name == "PRACOWNIA ARCHITEKTONICZNA MAREK NOWICKI"
    assert not company.has_ended


def test_closed_business_comes_with_the_day_it_ended(make_gus_client):
    company = make_gus_client().find_by_nip("7122904551")

    assert company.has_ended
    assert company.activity_ended_on == date(2023, 6, 30)


def test_company_without_streets_has_no_street(make_gus_client):
    company = make_gus_client().find_by_nip("9462627198")

    assert company.street is None
    assert (company.building_number, company.city) == ("45", "Motycz")


@pytest.mark.parametrize(
    "nip",
    [emulator.NOT_FOUND_NIP, "5261040828"],
    ids=["error-code-4", "empty-result-komunikat-4"],
)
def test_unknown_nip_is_not_found(make_gus_client, nip):
    assert make_gus_client().find_by_nip(nip) is None


@pytest.mark.parametrize(
    ("nip", "reason"),
    [
        (emulator.ERROR_NIP, "SOAP fault"),
        (emulator.MAINTENANCE_NIP, "not a SOAP answer"),
        (emulator.GARBAGE_NIP, "not a SOAP answer"),
        (emulator.DROPPED_NIP, "connection failed"),
    ],
    ids=["soap-fault", "maintenance-page", "garbage", "dropped-connection"],
)
def test_failures_are_reported_as_gus_unavailable(make_gus_client, nip, reason):
    with pytest.raises(GusUnavailable) as failure:
        make_gus_client().find_by_nip(nip)

    assert reason in failure.value.reason


def test_slow_answer_is_cut_off_by_the_lookup_budget(make_gus_client):
    client = make_gus_client(timeout=0.3)

    with pytest.raises(GusUnavailable) as failure:
        client.find_by_nip(emulator.DELAY_NIP)

    assert "timed out" in failure.value.reason


def test_refused_key_is_gus_unavailable(make_gus_client, emulator_calls):
    with pytest.raises(GusUnavailable) as failure:
        make_gus_client(key="zly-klucz-0000000000").find_by_nip("5213379026")

    assert "login refused" in failure.value.reason
    assert emulator_calls()["DaneSzukajPodmioty"] == 0


def test_lookups_from_several_processes_share_one_login(
    make_gus_client, emulator_calls
):
    first_process, second_process = make_gus_client(), make_gus_client()

    for nip in ("5213379026", "6772345191", "7393018465"):
        assert first_process.find_by_nip(nip) is not None
        assert second_process.find_by_nip(nip) is not None

    calls = emulator_calls()
    assert calls["Zaloguj"] == 1
    assert calls["DaneSzukajPodmioty"] == 6


def test_expired_session_is_renewed_and_the_lookup_still_answers(
    make_gus_client, emulator_calls, expire_gus_sessions
):
    client = make_gus_client()
    assert client.find_by_nip("5213379026") is not None

    expire_gus_sessions()
    company = client.find_by_nip("6772345191")

    assert company.name == "USŁUGI REMONTOWO-BUDOWLANE TOMASZ KOWALCZYK"
    assert emulator_calls()["Zaloguj"] == 2


def test_session_lives_in_redis_when_there_is_one(
    use_redis, make_gus_client, emulator_calls
):
    make_gus_client().find_by_nip("5213379026")
    make_gus_client().find_by_nip("6772345191")

    keys = redis.Redis.from_url(use_redis).keys("betterfly:gus:session:*")
    assert len(keys) == 1
    assert emulator_calls()["Zaloguj"] == 1


def test_data_date_comes_from_gus(make_gus_client):
    search = make_gus_client().search_nip("5213379026")

    assert search.data_date == date(2026, 1, 5)


def test_emulator_serves_the_wsdl_with_its_own_address(gus_server):
    response = requests.get(
        f"{gus_server.url}/sandbox/gus/wsBIR/wsdl/UslugaBIRzewnPubl-ver11-test.wsdl",
        timeout=5,
    )

    assert response.status_code == 200
    assert f'location="{gus_server.url}/sandbox/gus/wsBIR/UslugaBIRzewnPubl.svc"' in (
        response.text
    )


def _login_envelope(to: str, action: str) -> str:
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://www.w3.org/2005/08/addressing">'
        f"<s:Header><a:Action>{action}</a:Action><a:To>{to}</a:To></s:Header>"
        '<s:Body><Zaloguj xmlns="http://CIS/BIR/PUBL/2014/07">'
        "<pKluczUzytkownika>abcde12345abcde12345</pKluczUzytkownika>"
        "</Zaloguj></s:Body></s:Envelope>"
    )


LOGIN_ACTION = "http://CIS/BIR/PUBL/2014/07/IUslugaBIRzewnPubl/Zaloguj"


def test_emulator_answers_login_in_mtom_multipart(gus_url):
    response = requests.post(
        gus_url,
        data=_login_envelope(gus_url, LOGIN_ACTION).encode(),
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("multipart/related;")
    assert 'type="application/xop+xml"' in response.headers["Content-Type"]
    assert "ZalogujResponse</a:Action>" in response.text
    assert "<ZalogujResult>" in response.text


@pytest.mark.parametrize(
    ("to", "action", "fault"),
    [
        (
            "https://wyszukiwarkaregon.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc",
            LOGIN_ACTION,
            "DestinationUnreachable",
        ),
        (
            None,
            "http://CIS/BIR/PUBL/2014/07/IUslugaBIRzewnPubl/Zaloguj2",
            "ActionNotSupported",
        ),
    ],
    ids=["wrong-to", "unknown-action"],
)
def test_emulator_refuses_wrong_addressing_with_a_soap_fault(
    gus_url, to, action, fault
):
    response = requests.post(
        gus_url,
        data=_login_envelope(to or gus_url, action).encode(),
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        timeout=5,
    )

    assert response.status_code == 500
    assert "<s:Fault>" in response.text
    assert fault in response.text


def test_emulator_refuses_soap_11_content_type(gus_url):
    response = requests.post(
        gus_url,
        data=_login_envelope(gus_url, LOGIN_ACTION).encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=5,
    )

    assert response.status_code == 415


def test_search_without_sid_header_gets_an_empty_result_and_code_7(
    make_gus_client, gus_url
):
    client = make_gus_client()
    client.find_by_nip("5213379026")
    anonymous_search = client._service.DaneSzukajPodmioty(
        pParametryWyszukiwania={"Nip": "5213379026"}
    )
    code = client._service.GetValue(pNazwaParametru="KomunikatKod")

    assert anonymous_search is None
    assert code == "7"
