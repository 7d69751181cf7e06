"""`lookup_company`: GUS first, the cache, the breaker and the VAT white list."""

from datetime import date

import pytest

from betterfly.company.lookup import Outcome, lookup_company
from betterfly.sandbox import gus as emulator

FOUND_NIP = "5213379026"


def test_found_company_comes_from_gus_with_its_data_date(gus_server):
    result = lookup_company(FOUND_NIP)

    assert result.outcome == Outcome.FOUND
    assert result.company.source == "gus"
    assert result.company.as_of == date(2026, 1, 5)
    assert result.company.regon == "141526371"
    assert result.company.unit_number == "118"


def test_found_company_is_served_from_the_cache_the_second_time(
    gus_server, emulator_calls
):
    first = lookup_company(FOUND_NIP)
    second = lookup_company(FOUND_NIP)

    assert second.from_cache and not first.from_cache
    assert second.company == first.company
    assert emulator_calls()["DaneSzukajPodmioty"] == 1


def test_cache_is_shared_through_redis(use_redis, gus_server, emulator_calls):
    lookup_company(FOUND_NIP)

    assert lookup_company(FOUND_NIP).from_cache
    assert emulator_calls()["DaneSzukajPodmioty"] == 1


def test_not_found_is_remembered_for_a_short_while(gus_server, emulator_calls):
    assert lookup_company(emulator.NOT_FOUND_NIP).outcome == Outcome.NOT_FOUND
    again = lookup_company(emulator.NOT_FOUND_NIP)

    assert again.outcome == Outcome.NOT_FOUND and again.from_cache
    assert emulator_calls()["DaneSzukajPodmioty"] == 1


def test_closed_business_keeps_its_end_date_through_the_cache(gus_server):
    lookup_company("7122904551")
    cached = lookup_company("7122904551")

    assert cached.from_cache
    assert cached.company.activity_ended_on == date(2023, 6, 30)


def test_white_list_fills_in_when_gus_fails(gus_server):
    result = lookup_company(emulator.ERROR_NIP)

    assert result.outcome == Outcome.FOUND
    assert result.gus_unavailable
    company = result.company
    assert company.source == "whitelist"
    assert company.name.startswith("KANCELARIA PODATKOWA RACHUNEK")
    assert (company.street, company.building_number) == ("Warszawska", "30/4")
    assert (company.postal_code, company.city) == ("40-008", "Katowice")
    assert "SOAP fault" in result.reason


def test_white_list_answer_is_cached_and_gus_is_still_asked_first(
    gus_server, emulator_calls
):
    lookup_company(emulator.ERROR_NIP)
    again = lookup_company(emulator.ERROR_NIP)

    assert again.company.source == "whitelist" and again.from_cache
    assert emulator_calls()["DaneSzukajPodmioty"] == 2


def test_white_list_is_not_asked_when_gus_answers(app, gus_server):
    assert lookup_company(FOUND_NIP).company.source == "gus"
    assert lookup_company(emulator.NOT_FOUND_NIP).outcome == Outcome.NOT_FOUND

    assert _white_list_searches(app) == 0


def test_slow_gus_gives_way_to_the_white_list(app, gus_server):
    app.config["GUS_TIMEOUT_SECONDS"] = 0.3

    result = lookup_company(emulator.DELAY_NIP)

    assert result.company.source == "whitelist"
    assert "timed out" in result.reason


def test_maintenance_page_unknown_to_the_white_list_is_unavailable(gus_server):
    result = lookup_company(emulator.MAINTENANCE_NIP)

    assert result.outcome == Outcome.UNAVAILABLE
    assert result.company is None
    assert "not a SOAP answer" in result.reason


@pytest.mark.parametrize(
    "nip", [emulator.GARBAGE_NIP, emulator.DROPPED_NIP], ids=["garbage", "dropped"]
)
def test_broken_answers_are_unavailable_not_errors(gus_server, nip):
    assert lookup_company(nip).outcome == Outcome.UNAVAILABLE


def test_breaker_leaves_gus_alone_after_failures_in_a_row(gus_server, emulator_calls):
    for _ in range(3):
        lookup_company(emulator.MAINTENANCE_NIP)
    searches_before = emulator_calls()["DaneSzukajPodmioty"]

    paused = lookup_company(emulator.MAINTENANCE_NIP)
    other_company = lookup_company("6772345191")

    assert paused.outcome == Outcome.UNAVAILABLE
    assert paused.reason == "GUS paused after repeated failures"
    assert other_company.company.source == "whitelist"
    assert emulator_calls()["DaneSzukajPodmioty"] == searches_before == 3


def test_breaker_state_is_shared_through_redis(use_redis, gus_server, emulator_calls):
    for _ in range(3):
        lookup_company(emulator.MAINTENANCE_NIP)

    assert lookup_company(emulator.MAINTENANCE_NIP).reason == (
        "GUS paused after repeated failures"
    )
    assert emulator_calls()["DaneSzukajPodmioty"] == 3


def test_breaker_tries_gus_again_after_the_pause(app, gus_server, emulator_calls):
    store = app.extensions["betterfly.store"]
    for _ in range(3):
        lookup_company(emulator.MAINTENANCE_NIP)

    store.delete("gus:breaker:open")
    assert lookup_company(FOUND_NIP).company.source == "gus"

    for _ in range(3):
        lookup_company(emulator.MAINTENANCE_NIP)
    assert store.get("gus:breaker:open") is not None


def test_failure_right_after_the_pause_opens_the_breaker_again(app, gus_server):
    store = app.extensions["betterfly.store"]
    for _ in range(3):
        lookup_company(emulator.MAINTENANCE_NIP)

    store.delete("gus:breaker:open")
    lookup_company(emulator.MAINTENANCE_NIP)

    assert store.get("gus:breaker:open") is not None


def test_success_resets_the_count_of_failures(app, gus_server):
    store = app.extensions["betterfly.store"]
    lookup_company(emulator.MAINTENANCE_NIP)
    lookup_company(emulator.MAINTENANCE_NIP)
    lookup_company(FOUND_NIP)
    lookup_company(emulator.MAINTENANCE_NIP)

    assert store.get("gus:breaker:open") is None


def test_white_list_quota_used_up_stops_questions_until_midnight(app, gus_server):
    gus_server.app.config["WHITELIST_SANDBOX_DAILY_LIMIT"] = 0
    assert lookup_company(emulator.ERROR_NIP).outcome == Outcome.UNAVAILABLE

    gus_server.app.config["WHITELIST_SANDBOX_DAILY_LIMIT"] = 100
    assert lookup_company(emulator.ERROR_NIP).outcome == Outcome.UNAVAILABLE
    assert _white_list_searches(app) == 1


def _white_list_searches(app) -> int:
    store = app.extensions["betterfly.store"]
    return int(store.get(f"whitelist-emulator:searches:{date.today()}") or 0)
