"""Fixtures for the company lookup: the GUS and white list emulators over HTTP."""

from __future__ import annotations

import pytest
import requests

from betterfly.company.lookup import GUS_SANDBOX_PATH
from betterfly.integrations.gus import TEST_KEY, GusClient

# The slow demo NIP sleeps this long in the emulator; tests cut it off sooner.
EMULATOR_DELAY_SECONDS = 1.0


@pytest.fixture
def settings(settings):
    settings["GUS_SANDBOX_DELAY_SECONDS"] = EMULATOR_DELAY_SECONDS
    return settings


@pytest.fixture
def use_redis(settings, redis_url) -> str:
    """Shared state in Redis; ask for it before anything that builds the app."""
    settings["REDIS_URL"] = redis_url
    return redis_url


@pytest.fixture
def gus_server(app, live_server):
    """The live server, with the app under test pointed at its emulators."""
    app.config["PUBLIC_BASE_URL"] = live_server.url
    return live_server


@pytest.fixture
def gus_url(gus_server) -> str:
    return gus_server.url + GUS_SANDBOX_PATH


@pytest.fixture
def emulator_calls(gus_server):
    """`emulator_calls()`: how many requests of each operation GUS received."""

    def read() -> dict[str, int]:
        return requests.get(f"{gus_server.url}/sandbox/gus/_stats", timeout=5).json()

    return read


@pytest.fixture
def expire_gus_sessions(gus_server):
    def expire() -> None:
        response = requests.post(
            f"{gus_server.url}/sandbox/gus/_sessions/expire", timeout=5
        )
        response.raise_for_status()

    return expire


@pytest.fixture
def make_gus_client(app, gus_url):
    """A GUS client as a web process builds one: sessions in the shared store."""

    def make(key: str = TEST_KEY, timeout: float = 3.0) -> GusClient:
        return GusClient(
            gus_url, key, store=app.extensions["betterfly.store"], timeout=timeout
        )

    return make
