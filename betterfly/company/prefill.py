"""Putting looked-up company data into the ordering form."""

from __future__ import annotations

from .lookup import LookupResult, Outcome


def apply_lookup(form, result: LookupResult) -> None:
    """Fill the company fields from a found company."""
    if result.outcome != Outcome.FOUND or result.company is None:
        return
    company = result.company
    form.company_name.data = company.name
    form.regon.data = company.regon or ""
    form.street.data = company.street or ""
    form.building_number.data = company.building_number or ""
    form.unit_number.data = company.unit_number or ""
    form.postal_code.data = company.postal_code or ""
    form.city.data = company.city or ""
    form.company_source.data = company.source
    form.company_as_of.data = company.as_of.isoformat()
