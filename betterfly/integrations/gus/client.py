"""A client of the GUS REGON service BIR 1.1 (UslugaBIRzewnPubl), on zeep.

It uses the WSDL shipped beside this module and posts to the address it is
given, so the same code talks to the production service, the GUS test service
and our sandbox emulator. Session ids live in a store shared by every process
(anything with `get`, `set` and `delete`), so lookups reuse one GUS session
instead of logging in each time.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Protocol

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.transports import Transport
from zeep.wsdl import Document

from .records import (
    GusEntity,
    GusError,
    UnreadableResult,
    choose_main_unit,
    parse_search_result,
)

log = logging.getLogger("betterfly.gus")

WSDL_PATH = Path(__file__).with_name("UslugaBIRzewnPubl-ver11-prod.wsdl")
BINDING = "{http://tempuri.org/}e3"
PRODUCTION_URL = "https://wyszukiwarkaregon.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
TEST_URL = "https://wyszukiwarkaregontest.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
TEST_KEY = "abcde12345abcde12345"

# GUS ends a session after about an hour without use; renewing a little
# earlier saves the round trip that would discover it.
SESSION_TTL_SECONDS = 50 * 60

CODE_NOT_FOUND = "4"
CODES_NO_SESSION = ("7", "")


class SessionStore(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryStore:
    """A store for one process, for a shell or a script."""

    def __init__(self):
        self._values: dict[str, tuple[str, float | None]] = {}

    def get(self, key: str) -> str | None:
        value, expires = self._values.get(key, (None, None))
        if expires is not None and expires <= time.monotonic():
            return None
        return value

    def set(self, key: str, value: str, ttl_seconds: float | None = None) -> None:
        expires = time.monotonic() + ttl_seconds if ttl_seconds else None
        self._values[key] = (value, expires)

    def delete(self, key: str) -> None:
        self._values.pop(key, None)


class GusUnavailable(Exception):
    """GUS did not give a usable answer; `reason` says why, for logs and support."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _SessionGone(Exception):
    """GUS no longer knows our session id."""


@dataclass(frozen=True)
class GusSession:
    sid: str
    data_date: date | None


@dataclass(frozen=True)
class GusSearch:
    """Every row GUS holds for a NIP, and the one that describes the business."""

    entities: list[GusEntity]
    data_date: date | None

    @property
    def main(self) -> GusEntity | None:
        return choose_main_unit(self.entities)


@cache
def _wsdl_document() -> Document:
    # Parsing the WSDL is the slow part of building a zeep client; the parsed
    # document is read-only afterwards, so one per process is enough.
    return Document(str(WSDL_PATH), Transport())


class GusClient:
    """Looks companies up by NIP.

    `timeout` bounds a whole lookup (login, search and any renewal included);
    `connect_timeout` bounds opening each connection.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        store: SessionStore | None = None,
        timeout: float = 3.0,
        connect_timeout: float = 2.0,
        http: requests.Session | None = None,
    ):
        self.url = url
        self.requests_sent = 0
        self._api_key = api_key
        self._store = store if store is not None else MemoryStore()
        self._session_key = "gus:session:" + _fingerprint(url, api_key)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._transport = Transport(session=http or requests.Session())
        self._zeep = zeep.Client(_wsdl_document(), transport=self._transport)
        self._service = self._zeep.create_service(BINDING, url)

    def find_by_nip(self, nip: str) -> GusEntity | None:
        """The main unit registered under `nip`, or None when GUS has none.

        Raises GusUnavailable when GUS cannot answer in time or answers nonsense.
        """
        return self.search_nip(nip).main

    def search_nip(self, nip: str) -> GusSearch:
        """All rows GUS holds for `nip`, logging in or renewing the session first."""
        deadline = time.monotonic() + self._timeout
        session = self._current_session(deadline)
        try:
            entities = self._search(session, nip, deadline)
        except _SessionGone:
            log.info("GUS session expired, logging in again (nip %s)", mask_nip(nip))
            self._store.delete(self._session_key)
            session = self._login(deadline)
            try:
                entities = self._search(session, nip, deadline)
            except _SessionGone as error:
                raise GusUnavailable("session refused right after login") from error
        return GusSearch(entities=entities, data_date=session.data_date)

    def logout(self) -> None:
        """End the shared session, for operators; the next lookup logs in again."""
        stored = self._store.get(self._session_key)
        if not stored:
            return
        session = _session_from_text(stored)
        deadline = time.monotonic() + self._timeout
        self._call("Wyloguj", deadline, session.sid, pIdentyfikatorSesji=session.sid)
        self._store.delete(self._session_key)

    def _current_session(self, deadline: float) -> GusSession:
        stored = self._store.get(self._session_key)
        if stored:
            return _session_from_text(stored)
        return self._login(deadline)

    def _login(self, deadline: float) -> GusSession:
        sid = self._call("Zaloguj", deadline, None, pKluczUzytkownika=self._api_key)
        if not sid:
            raise GusUnavailable("login refused: check GUS_API_KEY and GUS_API_URL")

        data_date = _parse_data_date(
            self._call("GetValue", deadline, sid, pNazwaParametru="StanDanych")
        )
        session = GusSession(sid=sid, data_date=data_date)
        self._store.set(
            self._session_key, _session_to_text(session), SESSION_TTL_SECONDS
        )
        log.info("GUS session opened (data as of %s)", data_date)
        return session

    def _search(self, session: GusSession, nip: str, deadline: float):
        text = self._call(
            "DaneSzukajPodmioty",
            deadline,
            session.sid,
            pParametryWyszukiwania={"Nip": nip},
        )
        if not text or not text.strip():
            return self._explain_empty_result(session, deadline)

        try:
            parsed = parse_search_result(text)
        except UnreadableResult as error:
            raise GusUnavailable(f"unreadable search result: {error}") from error

        if isinstance(parsed, GusError):
            return self._raise_for_error(parsed)
        return parsed

    def _explain_empty_result(self, session: GusSession, deadline: float) -> list:
        code = self._get_value("KomunikatKod", session, deadline)
        if code == CODE_NOT_FOUND:
            return []
        if code in CODES_NO_SESSION:
            raise _SessionGone()
        if self._get_value("StatusSesji", session, deadline) == "0":
            raise _SessionGone()
        message = self._get_value("KomunikatTresc", session, deadline)
        raise GusUnavailable(f"empty search result, KomunikatKod {code}: {message}")

    def _raise_for_error(self, error: GusError) -> list:
        if error.code == CODE_NOT_FOUND:
            return []
        if error.code == "7":
            raise _SessionGone()
        raise GusUnavailable(f"GUS error {error.code}: {error.message}")

    def _get_value(self, name: str, session: GusSession, deadline: float) -> str:
        value = self._call("GetValue", deadline, session.sid, pNazwaParametru=name)
        return (value or "").strip()

    def _call(self, operation: str, deadline: float, sid: str | None, **arguments):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GusUnavailable(f"no time left before {operation}")

        # The read timeout shrinks with the time left, so that the lookup as a
        # whole ends within its budget however many calls it needs.
        self._transport.operation_timeout = (
            min(self._connect_timeout, remaining),
            remaining,
        )
        headers = {"sid": sid} if sid else {}
        self.requests_sent += 1
        try:
            with self._zeep.settings(extra_http_headers=headers):
                return getattr(self._service, operation)(**arguments)
        except requests.Timeout as error:
            raise GusUnavailable(f"{operation} timed out") from error
        except requests.RequestException as error:
            raise GusUnavailable(f"{operation} connection failed: {error}") from error
        except zeep.exceptions.Fault as fault:
            raise GusUnavailable(f"{operation} SOAP fault: {fault.message}") from fault
        except zeep.exceptions.TransportError as error:
            raise GusUnavailable(
                f"{operation} HTTP {error.status_code}: not a SOAP answer"
            ) from error
        except (zeep.exceptions.Error, etree.LxmlError) as error:
            raise GusUnavailable(f"{operation} malformed answer: {error}") from error


def mask_nip(nip: str) -> str:
    """Enough of a NIP to follow a lookup in the logs."""
    return nip[:3] + "*****" + nip[-2:] if len(nip) == 10 else "?"


def _fingerprint(url: str, api_key: str) -> str:
    return hashlib.sha256(f"{url}\n{api_key}".encode()).hexdigest()[:16]


def _parse_data_date(text: str | None) -> date | None:
    try:
        return datetime.strptime((text or "").strip(), "%d-%m-%Y").date()
    except ValueError:
        return None


def _session_to_text(session: GusSession) -> str:
    data_date = session.data_date.isoformat() if session.data_date else ""
    return f"{session.sid} {data_date}"


def _session_from_text(text: str) -> GusSession:
    sid, _, data_date = text.partition(" ")
    return GusSession(
        sid=sid, data_date=date.fromisoformat(data_date) if data_date else None
    )
