import pytest
from sqlalchemy import select

from betterfly.models import Advisor, Branch


@pytest.fixture
def order_form(demo_office, db):
    """A valid free-program submission for the demo office, as the browser sends it."""
    branch = db.session.scalar(select(Branch).where(Branch.name == "Kraków"))
    advisor = db.session.scalar(
        select(Advisor).where(Advisor.branch_id == branch.id).order_by(Advisor.id)
    )

    def make(**changes) -> dict:
        data = {
            "request_key": "key-1",
            "phone": "600 100 200",
            "nip": "526-000-12-46",
            "company_name": "Przykładowa Spółka z o.o.",
            "street": "ul. Długa",
            "building_number": "5",
            "unit_number": "2",
            "postal_code": "31-147",
            "city": "Kraków",
            "regon": "",
            "branch": str(branch.id),
            "advisor": str(advisor.id),
            "program": "free",
            "email": "Jan.Kowalski@Firma.pl",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "action": "place",
        }
        data.update(changes)
        return data

    return make
