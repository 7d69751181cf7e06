"""Company data for a NIP, from outside registers.

The contract the ordering page relies on: `lookup_company(nip)` never raises for
an outside failure; it answers with one of three outcomes.

GUS (BIR 1.1) is asked first. Found companies are kept for a day and "not
found" for a few minutes, in the shared store. When GUS keeps failing a circuit
breaker stops asking it for a while, so the page answers at once. When GUS is
unavailable, the VAT white list is asked instead; its quota is small, so it is
asked only then, and its answers are kept too.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ..integrations.gus import (
    TEST_KEY,
    GusClient,
    GusEntity,
    GusUnavailable,
    mask_nip,
)
from ..integrations.whitelist import (
    QUOTA_EXHAUSTED,
    WhitelistClient,
    WhitelistSubject,
    WhitelistUnavailable,
)

log = logging.getLogger("betterfly.gus")

WARSAW = ZoneInfo("Europe/Warsaw")
GUS_SANDBOX_PATH = "/sandbox/gus/wsBIR/UslugaBIRzewnPubl.svc"
WHITELIST_SANDBOX_PATH = "/sandbox/whitelist"

DEFAULTS = {
    "GUS_TIMEOUT_SECONDS": 3.0,
    "GUS_CONNECT_TIMEOUT_SECONDS": 2.0,
    "GUS_CACHE_SECONDS": 24 * 3600,
    "GUS_NOT_FOUND_CACHE_SECONDS": 10 * 60,
    "GUS_BREAKER_THRESHOLD": 3,
    "GUS_BREAKER_COOLDOWN_SECONDS": 60,
    "WHITELIST_TIMEOUT_SECONDS": 2.0,
    "WHITELIST_CACHE_SECONDS": 24 * 3600,
}
STORE_ERRORS = (RedisError, SQLAlchemyError)

UNAVAILABLE_BREAKER_OPEN = "GUS paused after repeated failures"
NOT_FOUND_MARK = "not-found"


class Outcome(enum.StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class CompanyData:
    name: str
    regon: str | None
    street: str | None
    building_number: str | None
    unit_number: str | None
    postal_code: str | None
    city: str | None
    source: str  # "gus" or "whitelist"
    as_of: date
    activity_ended_on: date | None = None
    nip: str | None = None

    @property
    def has_ended(self) -> bool:
        return self.activity_ended_on is not None


@dataclass(frozen=True)
class LookupResult:
    outcome: Outcome
    company: CompanyData | None = None
    reason: str | None = None
    from_cache: bool = False

    @property
    def gus_unavailable(self) -> bool:
        """GUS did not answer, whether or not the white list filled in."""
        return self.outcome == Outcome.UNAVAILABLE or (
            self.company is not None and self.company.source == "whitelist"
        )


def lookup_company(nip: str) -> LookupResult:
    """Find the company for a valid, normalised 10-digit NIP."""
    store = _SafeStore(current_app.extensions["betterfly.store"])
    cached = _cached(store, nip)
    if cached is not None:
        return cached

    result = _ask_gus(store, nip)
    if result.outcome == Outcome.UNAVAILABLE:
        result = _ask_whitelist(store, nip, gus_reason=result.reason) or result
    return result


def _ask_gus(store: _SafeStore, nip: str) -> LookupResult:
    breaker = _Breaker(store, _setting("GUS_BREAKER_THRESHOLD"), _cooldown())
    if breaker.is_open():
        log.info("GUS lookup skipped, breaker open (nip %s)", mask_nip(nip))
        return LookupResult(Outcome.UNAVAILABLE, reason=UNAVAILABLE_BREAKER_OPEN)

    client = gus_client(store)
    if client is None:
        return LookupResult(Outcome.UNAVAILABLE, reason="GUS is not configured")

    try:
        search = client.search_nip(nip)
    except GusUnavailable as failure:
        breaker.record_failure()
        log.warning("GUS unavailable (nip %s): %s", mask_nip(nip), failure.reason)
        return LookupResult(Outcome.UNAVAILABLE, reason=failure.reason)

    breaker.record_success()
    entity = search.main
    if entity is None:
        log.info("GUS has no company (nip %s)", mask_nip(nip))
        store.set(
            _gus_key(nip), NOT_FOUND_MARK, _setting("GUS_NOT_FOUND_CACHE_SECONDS")
        )
        return LookupResult(Outcome.NOT_FOUND)

    company = _from_gus(nip, entity, search.data_date)
    log.info(
        "GUS found the company (nip %s, rows %s)", mask_nip(nip), len(search.entities)
    )
    store.set(_gus_key(nip), _dump(company), _setting("GUS_CACHE_SECONDS"))
    return LookupResult(Outcome.FOUND, company=company)


def _ask_whitelist(
    store: _SafeStore, nip: str, gus_reason: str | None
) -> LookupResult | None:
    """The white list's answer when it knows the company; None otherwise."""
    cached = store.get(_whitelist_key(nip))
    if cached:
        company = _load(cached)
        return LookupResult(
            Outcome.FOUND, company=company, reason=gus_reason, from_cache=True
        )
    if store.get(_whitelist_exhausted_key()):
        return None

    client = whitelist_client()
    if client is None:
        return None
    try:
        subject = client.find_by_nip(nip, on=_today())
    except WhitelistUnavailable as failure:
        log.warning(
            "White list unavailable (nip %s): %s", mask_nip(nip), failure.reason
        )
        if failure.code == QUOTA_EXHAUSTED:
            store.set(_whitelist_exhausted_key(), "1", _seconds_to_midnight())
        return None

    if subject is None or not subject.name:
        log.info("White list has no taxpayer (nip %s)", mask_nip(nip))
        return None
    company = _from_whitelist(nip, subject)
    log.info("White list found the company (nip %s)", mask_nip(nip))
    store.set(_whitelist_key(nip), _dump(company), _setting("WHITELIST_CACHE_SECONDS"))
    return LookupResult(Outcome.FOUND, company=company, reason=gus_reason)


def gus_client(store=None) -> GusClient | None:
    """A client for the configured GUS service; in the sandbox, the emulator."""
    config = current_app.config
    url = config.get("GUS_API_URL")
    key = config.get("GUS_API_KEY")
    if config.get("SANDBOX"):
        url = url or config["PUBLIC_BASE_URL"] + GUS_SANDBOX_PATH
        key = key or TEST_KEY
    if not url or not key:
        return None
    return GusClient(
        url,
        key,
        store=store if store is not None else _SafeStore(_shared_store()),
        timeout=_setting("GUS_TIMEOUT_SECONDS"),
        connect_timeout=_setting("GUS_CONNECT_TIMEOUT_SECONDS"),
        http=_http_session("betterfly.gus.http"),
    )


def whitelist_client() -> WhitelistClient | None:
    config = current_app.config
    url = config.get("WHITELIST_API_URL")
    if config.get("SANDBOX"):
        url = url or config["PUBLIC_BASE_URL"] + WHITELIST_SANDBOX_PATH
    if not url:
        return None
    return WhitelistClient(
        url,
        timeout=_setting("WHITELIST_TIMEOUT_SECONDS"),
        connect_timeout=_setting("GUS_CONNECT_TIMEOUT_SECONDS"),
        http=_http_session("betterfly.whitelist.http"),
    )


def _cached(store: _SafeStore, nip: str) -> LookupResult | None:
    # One key per NIP holds either answer, so a lookup costs one read.
    cached = store.get(_gus_key(nip))
    if not cached:
        return None
    if cached == NOT_FOUND_MARK:
        return LookupResult(Outcome.NOT_FOUND, from_cache=True)
    return LookupResult(Outcome.FOUND, company=_load(cached), from_cache=True)


class _Breaker:
    """Stops asking GUS after `threshold` failures in a row, for `cooldown` seconds.

    After a pause, the first lookup tries GUS again; if that one fails too,
    the breaker opens again at once instead of waiting for a new series: the
    count is left one short of the threshold until a lookup succeeds.
    """

    OPEN = "gus:breaker:open"
    FAILURES = "gus:breaker:failures"

    def __init__(self, store: _SafeStore, threshold: int, cooldown: float):
        self.store = store
        self.threshold = threshold
        self.cooldown = cooldown

    def is_open(self) -> bool:
        return self.store.get(self.OPEN) is not None

    def record_failure(self) -> None:
        failures = self.store.incr(self.FAILURES, self.cooldown * 10)
        if failures < self.threshold:
            return
        log.warning(
            "GUS breaker opens for %ss after %s failures", self.cooldown, failures
        )
        self.store.set(self.OPEN, "1", self.cooldown)
        self.store.set(self.FAILURES, str(self.threshold - 1), self.cooldown * 10)

    def record_success(self) -> None:
        if self.store.get(self.FAILURES) is not None:
            self.store.delete(self.FAILURES)


class _SafeStore:
    """The shared store, where an outage means no cache rather than an error page."""

    def __init__(self, store):
        self.store = store

    def get(self, key: str) -> str | None:
        try:
            return self.store.get(key)
        except STORE_ERRORS as error:
            log.warning("Store unavailable, reading %s: %s", key, error)
            return None

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        try:
            self.store.set(key, value, ttl_seconds)
        except STORE_ERRORS as error:
            log.warning("Store unavailable, writing %s: %s", key, error)

    def delete(self, key: str) -> None:
        try:
            self.store.delete(key)
        except STORE_ERRORS as error:
            log.warning("Store unavailable, deleting %s: %s", key, error)

    def incr(self, key: str, ttl_seconds: float) -> int:
        try:
            return self.store.incr(key, ttl_seconds)
        except STORE_ERRORS as error:
            log.warning("Store unavailable, counting %s: %s", key, error)
            return 0


def _from_gus(nip: str, entity: GusEntity, data_date: date | None) -> CompanyData:
    return CompanyData(
        name=entity.name,
        regon=entity.regon or None,
        street=entity.street,
        building_number=entity.building_number,
        unit_number=entity.unit_number,
        postal_code=entity.postal_code,
        city=entity.city,
        source="gus",
        as_of=data_date or _today(),
        activity_ended_on=entity.activity_ended_on,
        nip=nip,
    )


def _from_whitelist(nip: str, subject: WhitelistSubject) -> CompanyData:
    address = subject.address
    return CompanyData(
        name=subject.name,
        regon=subject.regon,
        street=address.street,
        building_number=address.building_number,
        unit_number=address.unit_number,
        postal_code=address.postal_code,
        city=address.city,
        source="whitelist",
        as_of=subject.checked_on,
        nip=nip,
    )


def _dump(company: CompanyData) -> str:
    return json.dumps(asdict(company), default=date.isoformat)


def _load(text: str) -> CompanyData:
    values = json.loads(text)
    company = CompanyData(**values)
    return replace(
        company,
        as_of=date.fromisoformat(values["as_of"]),
        activity_ended_on=(
            date.fromisoformat(values["activity_ended_on"])
            if values.get("activity_ended_on")
            else None
        ),
    )


def _gus_key(nip: str) -> str:
    return f"company:gus:{nip}"


def _whitelist_key(nip: str) -> str:
    return f"company:whitelist:found:{nip}"


def _whitelist_exhausted_key() -> str:
    return f"company:whitelist:quota-used:{_today().isoformat()}"


def _setting(name: str):
    value = current_app.config.get(name)
    return DEFAULTS[name] if value is None else value


def _cooldown() -> float:
    return float(_setting("GUS_BREAKER_COOLDOWN_SECONDS"))


def _shared_store():
    return current_app.extensions["betterfly.store"]


def _http_session(name: str) -> requests.Session:
    # A connection pool per process, like the database engine's: it holds
    # sockets, not state, and saves a TCP and TLS handshake per lookup.
    return current_app.extensions.setdefault(name, requests.Session())


def _today() -> date:
    return datetime.now(WARSAW).date()


def _seconds_to_midnight() -> float:
    now = datetime.now(WARSAW)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), WARSAW)
    return max(60.0, (midnight - now).total_seconds())
