"""`flask gus lookup NIP`: what an operator sees."""

from betterfly.sandbox import gus as emulator


def test_lookup_prints_every_row_and_marks_the_main_unit(app, gus_server):
    result = app.test_cli_runner().invoke(args=["gus", "lookup", "739-301-84-65"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Data as of: 2026-01-05" in lines
    chosen = [line for line in lines if line.startswith("*")]
    assert len(chosen) == 1
    assert "P  silo 6 REGON 510937284: BIURO PODRÓŻY WARMIA SPÓŁKA AKCYJNA" in chosen[0]
    assert sum(" LP silo 6" in line for line in lines) == 2


def test_lookup_says_not_found(app, gus_server):
    result = app.test_cli_runner().invoke(
        args=["gus", "lookup", emulator.NOT_FOUND_NIP]
    )

    assert result.exit_code == 0
    assert "Not found." in result.output


def test_lookup_reports_gus_unavailable_with_the_reason(app, gus_server):
    result = app.test_cli_runner().invoke(args=["gus", "lookup", emulator.ERROR_NIP])

    assert result.exit_code == 1
    assert "GUS unavailable: DaneSzukajPodmioty SOAP fault" in result.output


def test_service_lookup_shows_the_white_list_fallback(app, gus_server):
    result = app.test_cli_runner().invoke(
        args=["gus", "lookup", "--service", emulator.ERROR_NIP]
    )

    assert result.exit_code == 0
    assert "Outcome: found" in result.output
    assert "Source: whitelist" in result.output
    assert "Address: Warszawska 30/4, 40-008 Katowice" in result.output


def test_invalid_nip_is_refused(app, gus_server):
    result = app.test_cli_runner().invoke(args=["gus", "lookup", "1234567890"])

    assert result.exit_code == 2
    assert "sumę kontrolną" in result.output
