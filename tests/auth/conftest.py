import pytest

from betterfly.models import Advisor, Branch, Client, Office, Order


@pytest.fixture
def other_office_order(db):
    """Create an order directly in the office of portal id 'other'; return its id."""

    def make() -> int:
        from sqlalchemy import select

        office = db.session.scalar(select(Office).where(Office.portal_id == "other"))
        branch = Branch(office_id=office.id, name="Poznań")
        db.session.add(branch)
        db.session.flush()
        advisor = Advisor(
            office_id=office.id,
            branch_id=branch.id,
            first_name="Ola",
            last_name="Nowak",
        )
        db.session.add(advisor)
        db.session.flush()
        client = Client(
            office_id=office.id,
            nip="5260001246",
            name="Obca Sp. z o.o.",
            city="Poznań",
            phone="+48600100200",
            email="a@b.pl",
            first_name="Ala",
            last_name="Kot",
        )
        db.session.add(client)
        db.session.flush()
        order = Order(
            office_id=office.id,
            client_id=client.id,
            advisor_id=advisor.id,
            request_key="x",
            program="free",
        )
        db.session.add(order)
        db.session.commit()
        return order.id

    return make
