"""Company lookups against the GUS emulator: our client beside a PyPI peer.

    .venv/bin/python bench/gus_lookup.py [-n 200] [--redis redis://127.0.0.1:6379/14]

Starts the app in-process with SANDBOX=1 and a temporary SQLite database (the
shared store is that database, or Redis with --redis), serves it on a free
port, and runs N lookups of distinct generated NIPs (999…, each a company in
the emulator) in several ways:

- ours, cold: `lookup_company`, empty cache, one GUS session for the run;
- ours, cached: the same NIPs again;
- ours, client only: `GusClient.find_by_nip` without the cache;
- peer, reused: `regonapi` (rolzwy7/RegonAPI), one authenticated client;
- peer, per lookup: a new `regonapi` client for each lookup, which is how a
  web app with several processes and no shared session would have to use it.

It prints GUS requests per lookup (SOAP calls and WSDL downloads, counted by
the emulator) and lookups per second, and ours as a ratio of the peer's.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from betterfly import create_app  # noqa: E402
from betterfly.company.lookup import GUS_SANDBOX_PATH, lookup_company  # noqa: E402
from betterfly.extensions import db  # noqa: E402
from betterfly.integrations.gus import TEST_KEY, GusClient, MemoryStore  # noqa: E402

WSDL_PATH = "/sandbox/gus/wsBIR/wsdl/UslugaBIRzewnPubl-ver11-test.wsdl"


@dataclass
class Run:
    name: str
    lookups: int
    seconds: float
    requests: int
    found: int

    @property
    def per_second(self) -> float:
        return self.lookups / self.seconds if self.seconds else float("inf")

    @property
    def requests_per_lookup(self) -> float:
        return self.requests / self.lookups


def main() -> None:
    options = _options()
    app, url, server = _start_app(options.redis)
    logging.getLogger("betterfly").setLevel(logging.ERROR)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    nips = list(_generated_nips(options.n))
    print(f"{options.n} lookups of distinct NIPs against the emulator at {url}")
    print(f"shared store: {'Redis' if options.redis else 'SQLite table'}\n")

    runs = []
    with app.app_context():
        runs.append(_measure("ours, cold", url, nips, _ours_service))
        runs.append(_measure("ours, cached", url, nips, _ours_service))
        client = GusClient(url + GUS_SANDBOX_PATH, TEST_KEY, store=MemoryStore())
        runs.append(_measure("ours, client only", url, nips, client.find_by_nip))

    peer, why_not = _peer_factory(url)
    if peer is None:
        print(f"peer client not measured: {why_not}\n")
    else:
        runs.append(_measure("peer, reused", url, nips, _reused(peer)))
        runs.append(_measure("peer, per lookup", url, nips, lambda nip: peer()(nip)))

    _report(runs)
    server.shutdown()


def _options():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="lookups per run")
    parser.add_argument("--redis", help="Redis URL for the shared store")
    return parser.parse_args()


def _start_app(redis_url: str | None):
    folder = tempfile.mkdtemp(prefix="betterfly-bench-")
    port = _free_port()
    url = f"http://localhost:{port}"
    app = create_app(
        {
            "SANDBOX": True,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(folder, 'b.db')}",
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": url,
            "GUS_API_URL": None,
            "GUS_API_KEY": None,
        }
    )
    with app.app_context():
        db.create_all()
    if redis_url:
        _forget_earlier_runs(app.extensions["betterfly.redis"])
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, url, server


def _forget_earlier_runs(redis) -> None:
    """Drop what an earlier run cached, so that the cold run is cold."""
    for pattern in ("betterfly:company:*", "betterfly:gus:*"):
        for key in redis.scan_iter(pattern):
            redis.delete(key)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _generated_nips(count: int):
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    number = 999_000_000
    while count:
        digits = str(number)
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        number += 1
        if check == 10:
            continue
        count -= 1
        yield digits + str(check)


def _ours_service(nip: str) -> bool:
    return lookup_company(nip).company is not None


def _measure(name: str, url: str, nips: list[str], lookup) -> Run:
    before = _emulator_requests(url)
    found = 0
    started = time.perf_counter()
    for nip in nips:
        found += bool(lookup(nip))
    seconds = time.perf_counter() - started
    requests_made = _emulator_requests(url) - before
    run = Run(name, len(nips), seconds, requests_made, found)
    print(
        f"  {name:<18} {run.requests_per_lookup:5.2f} requests/lookup  "
        f"{run.per_second:8.1f} lookups/s  found {found}/{len(nips)}"
    )
    return run


def _emulator_requests(url: str) -> int:
    # The emulator's total counts SOAP calls and WSDL downloads alike.
    return requests.get(f"{url}/sandbox/gus/_stats", timeout=10).json()["total"]


def _peer_factory(url: str):
    """A function making an authenticated regonapi lookup, or why there is none."""
    try:
        from RegonAPI import RegonAPI
        from RegonAPI import settings as regon_settings
    except ImportError as error:
        return None, (
            f"regonapi is not installed ({error}); it pins zeep<3.4, so install it "
            'with: pip install --no-deps regonapi==1.3.1 "beautifulsoup4>=4.7,<4.8" '
            "soupsieve"
        )

    # The library only knows the GUS hosts; point its test environment here.
    regon_settings.BIR_SETTINGS["bir1.1"]["TEST"] = {
        "WSDL": url + WSDL_PATH,
        "SERVICE_URL": url + GUS_SANDBOX_PATH,
    }
    for name in ("RegonAPI", "RegonAPI.regon_api"):
        logging.getLogger(name).setLevel(logging.ERROR)

    def make():
        api = RegonAPI(bir_version="bir1.1", is_production=False)
        api.authenticate(key=TEST_KEY)
        return lambda nip: bool(api.searchData(nip=nip))

    try:
        make()("5213379026")
    except Exception as error:  # noqa: BLE001 - any failure means no comparison
        return None, f"regonapi does not work against the emulator: {error!r}"
    return make, None


def _reused(make):
    """One peer client for the whole run, its login counted in the first lookup."""
    made = []

    def lookup(nip: str) -> bool:
        if not made:
            made.append(make())
        return made[0](nip)

    return lookup


def _report(runs: list[Run]) -> None:
    by_name = {run.name: run for run in runs}
    print("\nratios (ours / peer; requests: lower is better, speed: higher is better)")
    for ours in ("ours, cold", "ours, cached", "ours, client only"):
        for peer in ("peer, reused", "peer, per lookup"):
            if peer not in by_name:
                continue
            a, b = by_name[ours], by_name[peer]
            print(
                f"  {ours:<18} vs {peer:<17} requests x{_ratio(a.requests, b.requests)}"
                f"  speed x{_ratio(a.per_second, b.per_second)}"
            )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


if __name__ == "__main__":
    main()
