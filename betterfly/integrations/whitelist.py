"""A client of the Ministry of Finance VAT white list (Wykaz podatników VAT).

`GET {base}/api/search/nip/{nip}?date=YYYY-MM-DD`, no key. Its daily quota per
IP is small, so callers should ask it rarely and keep what it answered.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import requests

log = logging.getLogger("betterfly.whitelist")

PRODUCTION_URL = "https://wl-api.mf.gov.pl"
QUOTA_EXHAUSTED = "WL-191"

POSTAL_CODE_AND_CITY = re.compile(
    r"^(?P<place>.*?)[,\s]*(?P<code>\d{2}-\d{3})\s+(?P<city>.+)$"
)
STREET_AND_NUMBER = re.compile(
    r"^(?P<street>.*?)\s+(?P<building>\d+[A-Za-z]?(?:[/-]\d+[A-Za-z]?)?)"
    r"(?:\s*(?:LOK\.?|LOKAL|M\.)\s*(?P<unit>\w+))?$",
    re.IGNORECASE,
)
STREET_PREFIXES = ("ul.", "al.", "pl.", "os.")
ROMAN_NUMERAL = re.compile(r"^[IVXLC]+$")


class WhitelistUnavailable(Exception):
    """The white list did not answer usefully; `code` is its WL-1xx code if any."""

    def __init__(self, reason: str, code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class Address:
    street: str | None
    building_number: str | None
    unit_number: str | None
    postal_code: str | None
    city: str | None


@dataclass(frozen=True)
class WhitelistSubject:
    nip: str
    name: str
    regon: str | None
    vat_status: str | None
    address_line: str | None
    address: Address
    checked_on: date


class WhitelistClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 3.0,
        connect_timeout: float = 2.0,
        http: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._timeout = (connect_timeout, timeout)
        self._http = http or requests.Session()

    def find_by_nip(self, nip: str, on: date | None = None) -> WhitelistSubject | None:
        """The taxpayer registered under `nip` on the day, or None when unknown.

        Raises WhitelistUnavailable on a network failure or an error answer.
        """
        on = on or date.today()
        url = f"{self.base_url}/api/search/nip/{nip}"
        try:
            response = self._http.get(
                url, params={"date": on.isoformat()}, timeout=self._timeout
            )
            payload = response.json()
        except requests.Timeout as error:
            raise WhitelistUnavailable("timed out") from error
        except requests.RequestException as error:
            raise WhitelistUnavailable(f"connection failed: {error}") from error
        except ValueError as error:
            raise WhitelistUnavailable(
                f"HTTP {response.status_code}: not JSON"
            ) from error

        if response.status_code != 200:
            raise _error_from(response.status_code, payload)
        return _subject_from(payload, on)


def _error_from(status: int, payload) -> WhitelistUnavailable:
    details = payload if isinstance(payload, dict) else {}
    details = details.get("exception", details)
    code = details.get("code")
    return WhitelistUnavailable(
        f"HTTP {status} {code or ''}: {details.get('message', '')}".strip(), code
    )


def _subject_from(payload, on: date) -> WhitelistSubject | None:
    try:
        subject = payload["result"]["subject"]
    except (KeyError, TypeError) as error:
        raise WhitelistUnavailable("answer without result.subject") from error
    if not subject:
        return None

    line = _clean(subject.get("workingAddress")) or _clean(
        subject.get("residenceAddress")
    )
    return WhitelistSubject(
        nip=_clean(subject.get("nip")) or "",
        name=_clean(subject.get("name")) or "",
        regon=_clean(subject.get("regon")),
        vat_status=_clean(subject.get("statusVat")),
        address_line=line,
        address=split_address(line),
        checked_on=on,
    )


def split_address(line: str | None) -> Address:
    """Split the list's one-line address into fields, as far as it can be read.

    `"UL. MARSZAŁKOWSKA 84/92 LOK. 118, 00-514 WARSZAWA"` gives the street,
    `84/92`, `118`, the postal code and the city. A `a/b` number stays whole in
    the building number: it is as often a building on a corner as a flat.
    What cannot be read is left to the person filling the form.
    """
    empty = Address(None, None, None, None, None)
    if not line:
        return empty
    match = POSTAL_CODE_AND_CITY.match(line.strip())
    if match is None:
        return empty

    city = _tidy(match["city"].strip(" ,"))
    place = match["place"].strip(" ,")
    numbers = STREET_AND_NUMBER.match(place)
    if numbers is None:
        return Address(_tidy(place) or None, None, None, match["code"], city)

    street = _tidy(numbers["street"].strip(" ,"))
    if street and street.casefold() == (city or "").casefold():
        # A village without streets is written as its name and the number.
        street = None
    return Address(
        street=street or None,
        building_number=numbers["building"],
        unit_number=numbers["unit"],
        postal_code=match["code"],
        city=city,
    )


def _tidy(text: str) -> str:
    """Write a capitalised place name the way GUS and people do."""
    if not text or not text.isupper():
        return text
    words = [
        word if ROMAN_NUMERAL.match(word) else word.title() for word in text.split(" ")
    ]
    if words[0].lower() in STREET_PREFIXES:
        words[0] = words[0].lower()
    return " ".join(words)


def _clean(value) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None
