from sqlalchemy import func, select

from betterfly.models import Advisor, Branch, Office
from betterfly.payments.services import wallet_balance


def test_seed_demo_is_idempotent_and_prints_a_working_launch_link(app, db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == second.exit_code == 0
    office = db.session.scalar(select(Office).where(Office.portal_id == "demo"))
    assert office.name == "Biuro Rachunkowe Demo"
    assert db.session.scalar(select(func.count(Branch.id))) == 3
    assert db.session.scalar(select(func.count(Advisor.id))) == 9
    assert office.is_partner and office.premium_to is not None
    assert wallet_balance(office.id) == 150_000

    link = second.output.strip().splitlines()[-1]
    response = app.test_client().get(link.replace("http://localhost", ""))
    assert response.status_code == 303
