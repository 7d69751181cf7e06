"""Company data for a NIP, from outside registers.

The contract the ordering page relies on: `lookup_company(nip)` never raises for
an outside failure; it answers with one of three outcomes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


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


@dataclass(frozen=True)
class LookupResult:
    outcome: Outcome
    company: CompanyData | None = None
    reason: str | None = None


def lookup_company(nip: str) -> LookupResult:
    """Find the company for a valid, normalised 10-digit NIP."""
    return LookupResult(Outcome.UNAVAILABLE, reason="no register configured")
