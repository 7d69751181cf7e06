"""Putting looked-up company data into the ordering form.

A lookup must never overwrite what the person typed. To tell typed values
from the ones an earlier lookup put in, the page carries a hidden
`company_fill` marker: the NIP of the last fill and a short hash of each value
it wrote. A field whose value still matches its hash came from the lookup and
may be replaced; any other non-empty value was typed and is kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import has_request_context, request

from .lookup import LookupResult, Outcome

MARKER_FIELD = "company_fill"
COMPANY_FIELDS = (
    "company_name",
    "regon",
    "street",
    "building_number",
    "unit_number",
    "postal_code",
    "city",
)
KEPT = "-"


@dataclass
class Prefill:
    """What a lookup did to the form: the fields it left alone, and the new marker."""

    marker: str = ""
    kept: list[str] = field(default_factory=list)


def apply_lookup(form, result: LookupResult) -> Prefill:
    """Fill the company fields from the result, keeping every value typed by hand.

    When the company is not found, or GUS is unavailable for another NIP than
    the one filled before, values from the earlier lookup are cleared, since
    they describe another company.
    """
    nip = (form.nip.data or "").strip()
    previous_nip, previous_hashes = _read_marker(_previous_marker(form))

    if result.outcome == Outcome.FOUND and result.company is not None:
        prefill = _fill(form, nip, previous_hashes, _values_of(result.company))
        form.company_source.data = result.company.source
        form.company_as_of.data = result.company.as_of.isoformat()
        ended_on = result.company.activity_ended_on
        form.company_ended_on.data = ended_on.isoformat() if ended_on else ""
    elif result.outcome == Outcome.NOT_FOUND or previous_nip != nip:
        prefill = _fill(form, nip, previous_hashes, dict.fromkeys(COMPANY_FIELDS, ""))
        form.company_source.data = ""
        form.company_as_of.data = ""
        form.company_ended_on.data = ""
    else:
        prefill = Prefill(marker=_previous_marker(form))

    _remember(form, prefill)
    return prefill


def current_marker(form) -> str:
    """The marker to render in the page: the latest fill's, or the one posted."""
    prefill = getattr(form, "company_prefill", None)
    if prefill is not None:
        return prefill.marker
    return _previous_marker(form)


def _fill(form, nip: str, previous_hashes: dict, values: dict[str, str]) -> Prefill:
    prefill = Prefill()
    hashes = []
    for name in COMPANY_FIELDS:
        current = (getattr(form, name).data or "").strip()
        typed = current and previous_hashes.get(name) != _hash(current)
        if typed:
            if current != values[name]:
                prefill.kept.append(name)
            hashes.append(KEPT)
            continue
        getattr(form, name).data = values[name]
        hashes.append(_hash(values[name]))
    prefill.marker = _marker(nip, hashes)
    return prefill


def _values_of(company) -> dict[str, str]:
    return {
        "company_name": company.name or "",
        "regon": company.regon or "",
        "street": company.street or "",
        "building_number": company.building_number or "",
        "unit_number": company.unit_number or "",
        "postal_code": company.postal_code or "",
        "city": company.city or "",
    }


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:8]


def _marker(nip: str, hashes: list[str]) -> str:
    return f"{nip}:{'.'.join(hashes)}"


def _read_marker(marker: str) -> tuple[str, dict[str, str]]:
    nip, _, hashes = (marker or "").partition(":")
    parts = hashes.split(".") if hashes else []
    if len(parts) != len(COMPANY_FIELDS):
        return nip, {}
    return nip, dict(zip(COMPANY_FIELDS, parts, strict=True))


def _previous_marker(form) -> str:
    marker_field = getattr(form, MARKER_FIELD, None)
    if marker_field is not None:
        return marker_field.data or ""
    if has_request_context():
        return request.values.get(MARKER_FIELD, "")
    return ""


def _remember(form, prefill: Prefill) -> None:
    form.company_prefill = prefill
    marker_field = getattr(form, MARKER_FIELD, None)
    if marker_field is not None:
        marker_field.data = prefill.marker
