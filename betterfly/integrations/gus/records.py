"""Reading the search result GUS returns as an XML string inside the SOAP answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAIN_UNIT_KINDS = ("P", "F")

# Legal units first, then CEIDG activity, other activity, farming, and the
# register of activities removed before November 2014.
SILO_PREFERENCE = {"6": 0, "1": 1, "3": 2, "2": 3, "4": 4}


class UnreadableResult(ValueError):
    """The search result is not the XML document GUS describes."""


@dataclass(frozen=True)
class GusEntity:
    """One `<dane>` row of a search: a unit registered under the NIP."""

    nip: str
    regon: str
    name: str
    street: str | None
    building_number: str | None
    unit_number: str | None
    postal_code: str | None
    city: str | None
    kind: str
    silo: str
    activity_ended_on: date | None

    @property
    def is_main_unit(self) -> bool:
        return self.kind in MAIN_UNIT_KINDS

    @property
    def has_ended(self) -> bool:
        return self.activity_ended_on is not None


@dataclass(frozen=True)
class GusError:
    """An application error GUS puts inside the result instead of data rows."""

    code: str
    message: str


def parse_search_result(text: str) -> list[GusEntity] | GusError:
    """Turn the inner document into rows, or the error it reports.

    The document comes from outside, so it is read with a parser that refuses
    entity expansion and external references.
    """
    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as error:
        raise UnreadableResult(str(error)) from error

    rows = [_values(element) for element in root.iter("dane")]
    if rows and "ErrorCode" in rows[0]:
        return GusError(
            code=rows[0]["ErrorCode"],
            message=rows[0].get("ErrorMessageEn") or rows[0].get("ErrorMessagePl", ""),
        )
    return [_entity(row) for row in rows]


def choose_main_unit(entities: list[GusEntity]) -> GusEntity | None:
    """Pick the row that describes the business, not one of its branches.

    A NIP can list local units, one row per silo for a sole trader, and
    activities that have ended; the main unit that is still active wins.
    """
    if not entities:
        return None
    return min(entities, key=_preference)


def _preference(entity: GusEntity) -> tuple:
    return (
        not entity.is_main_unit,
        entity.has_ended,
        SILO_PREFERENCE.get(entity.silo, len(SILO_PREFERENCE)),
    )


def _values(element) -> dict[str, str]:
    return {child.tag: (child.text or "").strip() for child in element}


def _entity(row: dict[str, str]) -> GusEntity:
    return GusEntity(
        nip=row.get("Nip", ""),
        regon=row.get("Regon", ""),
        name=row.get("Nazwa", ""),
        street=row.get("Ulica") or None,
        building_number=row.get("NrNieruchomosci") or None,
        unit_number=row.get("NrLokalu") or None,
        postal_code=row.get("KodPocztowy") or None,
        city=row.get("Miejscowosc") or row.get("MiejscowoscPoczty") or None,
        kind=row.get("Typ", ""),
        silo=row.get("SilosID", ""),
        activity_ended_on=_date_or_none(row.get("DataZakonczeniaDzialalnosci")),
    )


def _date_or_none(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
