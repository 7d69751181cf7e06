"""An emulator of the Ministry of Finance VAT white list, at /sandbox/whitelist/.

`GET /sandbox/whitelist/api/search/nip/<nip>?date=YYYY-MM-DD` answers in the
shape of the real API (`{"result": {"subject": …, "requestId": …}}`), with its
WL-1xx errors for a missing, malformed or future date and a malformed NIP.

It knows the main unit of every company of the GUS emulator, so that the NIPs
on which GUS fails (9542730188 with a SOAP fault, 8513184044 slow) show the
white list taking over; the GUS maintenance NIP 7722401568 is unknown here.
After `WHITELIST_SANDBOX_DAILY_LIMIT` searches a day (100 by default) it answers
WL-191, as the real list does when an IP has used its daily quota.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from flask import Blueprint, current_app, jsonify, request

from ..integrations.gus.records import MAIN_UNIT_KINDS, SILO_PREFERENCE
from .gus import Unit, company_units

bp = Blueprint("sandbox_whitelist", __name__, url_prefix="/sandbox/whitelist")

KRS_NUMBERS = {"5213379026": "0000412345", "7393018465": "0000298761"}


@bp.get("/api/search/nip/<nip>")
def search_nip(nip: str):
    error = _check_date(request.args.get("date", "")) or _check_nip(nip)
    if error:
        return _error(*error)
    if _quota_used():
        return _error(
            "WL-191", "Osiągnięto dzienny limit zapytań dla tego adresu IP.", 429
        )

    units = company_units(nip)
    subject = _subject(nip, units) if units else None
    return jsonify(
        {
            "result": {
                "subject": subject,
                "requestId": f"{secrets.token_hex(3)}-{secrets.token_hex(4)}",
                "requestDateTime": datetime.now(UTC).strftime("%d-%m-%Y %H:%M:%S"),
            }
        }
    )


def _check_date(text: str):
    if not text:
        return "WL-101", "Pole 'data' nie może być puste."
    try:
        asked = date.fromisoformat(text)
    except ValueError:
        return "WL-102", "Pole 'data' ma nieprawidłowy format."
    if asked > date.today():
        return "WL-103", "Data nie może być datą przyszłą."
    return None


def _check_nip(nip: str):
    if len(nip) != 10:
        return "WL-113", "Pole 'NIP' ma nieprawidłową długość. Wymagane 10 znaków."
    if not nip.isdigit():
        return "WL-114", "Pole 'NIP' zawiera niedozwolone znaki. Wymagane tylko cyfry."
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    if sum(int(d) * w for d, w in zip(nip, weights, strict=False)) % 11 != int(nip[9]):
        return "WL-115", "Nieprawidłowy NIP."
    return None


def _quota_used() -> bool:
    store = current_app.extensions["betterfly.store"]
    limit = current_app.config.get("WHITELIST_SANDBOX_DAILY_LIMIT", 100)
    used = store.incr(f"whitelist-emulator:searches:{date.today()}", 24 * 3600)
    return used > limit


def _error(code: str, message: str, status: int = 400):
    return jsonify({"code": code, "message": message}), status


def _subject(nip: str, units: list[Unit]) -> dict:
    unit = _main_unit(units)
    address = _one_line_address(unit)
    person = unit.kind in ("F", "LF")
    return {
        "name": unit.name,
        "nip": nip,
        "statusVat": "Zwolniony" if unit.ended else "Czynny",
        "regon": unit.regon,
        "pesel": None,
        "krs": KRS_NUMBERS.get(nip),
        "residenceAddress": address if person else None,
        "workingAddress": None if person else address,
        "representatives": [],
        "authorizedClerks": [],
        "partners": [],
        "registrationLegalDate": "2017-05-15",
        "registrationDenialDate": None,
        "registrationDenialBasis": None,
        "restorationDate": None,
        "restorationBasis": None,
        "removalDate": None,
        "removalBasis": None,
        "accountNumbers": [],
        "hasVirtualAccounts": False,
    }


def _main_unit(units: list[Unit]) -> Unit:
    return min(
        units,
        key=lambda unit: (
            unit.kind not in MAIN_UNIT_KINDS,
            bool(unit.ended),
            SILO_PREFERENCE.get(unit.silo, len(SILO_PREFERENCE)),
        ),
    )


def _one_line_address(unit: Unit) -> str:
    """The white list writes an address in capitals, on one line, without `ul.`."""
    street = unit.street.removeprefix("ul. ") or unit.city
    number = unit.building + (f"/{unit.unit}" if unit.unit else "")
    return f"{street} {number}, {unit.postal_code} {unit.city}".upper()
