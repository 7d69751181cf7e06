from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from betterfly.models import Office, Order, OrderStatus, OutboxMessage
from betterfly.orders.services import OrderRejected
from betterfly.payments import fulfilment
from betterfly.payments.models import Licence, WalletEntry
from betterfly.payments.services import licence_end, wallet_balance

PRICE = 19900


def licences(db, **where) -> list[Licence]:
    query = select(Licence).filter_by(**where).order_by(Licence.id)
    return db.session.scalars(query).all()


def wallet_kinds(db, order_id: int) -> list[tuple[str, int]]:
    entries = db.session.scalars(
        select(WalletEntry)
        .where(WalletEntry.order_id == order_id)
        .order_by(WalletEntry.id)
    )
    return [(entry.kind, entry.amount_grosze) for entry in entries]


def test_pool_order_issues_a_twelve_month_licence_and_invites_the_client(
    place_plus, db, jobs
):
    order = place_plus("pool")

    db.session.refresh(order)
    [licence] = licences(db, order_id=order.id)
    assert licence.source == "pool"
    assert licence.state == "active"
    assert licence.starts_on == date.today()
    assert licence.ends_on == licence_end(date.today())
    assert order.price_grosze == 0
    assert order.status in {OrderStatus.LICENCE_ACTIVE, OrderStatus.INVITATION_SENT}
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.order_id == order.id)
    )


def test_a_licence_lasts_twelve_months_even_from_a_leap_day():
    assert licence_end(date(2028, 2, 29)) == date(2029, 2, 27)
    assert licence_end(date(2026, 12, 3)) == date(2027, 12, 2)


def test_ordering_page_shows_what_is_left_of_the_pool(
    client, launch, place_plus, fund_wallet, demo_office, jobs
):
    fund_wallet(demo_office, 50_000)
    for _ in range(3):
        place_plus("pool")
    launch()

    page = client.get("/orders/new").get_data(as_text=True)

    assert "Licencja z Pakietu Premium — pozostało 7 z 10" in page
    assert "Portfel (Program Partnerski) — saldo 500,00" in page
    assert 'value="p24"' in page


def test_office_without_a_package_is_told_why_the_pool_is_unavailable(
    client, launch, demo_office, db
):
    demo_office.premium_from = demo_office.premium_to = None
    demo_office.is_partner = False
    db.session.commit()
    launch()

    page = client.get("/orders/new").get_data(as_text=True)

    assert "Niedostępne: Biuro nie ma aktywnego Pakietu Premium" in page
    assert "Niedostępne: Portfel jest dostępny tylko dla biur w Programie" in page
    assert 'id="payment_method-pool" value="pool" disabled' in page


def test_pool_never_gives_more_than_its_size(place_plus, db, app, jobs):
    app.config["PREMIUM_POOL_SIZE"] = 2
    place_plus("pool")
    place_plus("pool")

    with pytest.raises(OrderRejected) as refused:
        place_plus("pool")

    assert refused.value.field == "payment_method"
    assert "została wykorzystana" in refused.value.message
    assert len(licences(db, source="pool")) == 2
    assert db.session.scalar(select(func.count(Order.id))) == 2


def test_a_new_package_year_gives_a_new_pool(place_plus, db, app, demo_office, jobs):
    app.config["PREMIUM_POOL_SIZE"] = 1
    demo_office.premium_from = date.today() - timedelta(days=400)
    demo_office.premium_to = date.today() + timedelta(days=300)
    db.session.commit()
    this_year = demo_office.premium_from.replace(year=demo_office.premium_from.year + 1)
    [last_years] = licences(db, order_id=place_plus("pool").id)
    assert last_years.pool_year_start == this_year
    last_years.pool_year_start = demo_office.premium_from
    db.session.commit()

    order = place_plus("pool")

    [licence] = licences(db, order_id=order.id)
    assert licence.pool_year_start == this_year


def test_wallet_order_holds_then_captures_the_price(
    place_plus, fund_wallet, demo_office, db, jobs
):
    fund_wallet(demo_office, 50_000)

    order = place_plus("wallet")

    assert wallet_kinds(db, order.id) == [
        ("hold", -PRICE),
        ("release", PRICE),
        ("licence_paid", -PRICE),
    ]
    assert wallet_balance(demo_office.id) == 50_000 - PRICE
    [licence] = licences(db, order_id=order.id)
    assert (licence.source, licence.state, licence.price_grosze) == (
        "wallet",
        "active",
        PRICE,
    )


def test_wallet_too_low_is_refused_and_nothing_is_saved(
    place_plus, fund_wallet, demo_office, db, jobs
):
    fund_wallet(demo_office, PRICE - 1)

    with pytest.raises(OrderRejected) as refused:
        place_plus("wallet")

    assert "Za mało środków w portfelu: saldo 198,99" in refused.value.message
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert wallet_balance(demo_office.id) == PRICE - 1


def test_a_failure_after_the_hold_gives_it_back_and_says_so(
    place_plus, fund_wallet, demo_office, db, jobs, monkeypatch
):
    fund_wallet(demo_office, 50_000)

    def broken(order_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(fulfilment, "issue_held_licence", broken)

    order = place_plus("wallet")

    db.session.refresh(order)
    assert order.status == OrderStatus.ERROR
    assert "rezerwacja została zwolniona" in order.status_detail
    assert wallet_kinds(db, order.id) == [("hold", -PRICE), ("release", PRICE)]
    assert wallet_balance(demo_office.id) == 50_000
    [licence] = licences(db, order_id=order.id)
    assert licence.state == "released"
    messages = [event.message for event in order.events]
    assert any(message.startswith("Zwolniono rezerwację") for message in messages)


def test_issuing_twice_charges_the_wallet_once(
    place_plus, fund_wallet, demo_office, db, jobs
):
    from betterfly.payments.services import issue_held_licence

    fund_wallet(demo_office, 50_000)
    order = place_plus("wallet")

    issue_held_licence(order.id)
    db.session.commit()

    assert wallet_balance(demo_office.id) == 50_000 - PRICE
    assert len(licences(db, order_id=order.id)) == 1


def test_wallet_page_lists_the_ledger_and_its_sum(
    client, launch, place_plus, fund_wallet, demo_office, jobs
):
    fund_wallet(demo_office, 50_000)
    place_plus("wallet")
    launch()

    page = client.get("/payments/wallet").get_data(as_text=True)

    assert "301,00" in page  # 500,00 - 199,00
    assert "Prowizja" in page
    assert "Blokada środków" in page
    assert "Zapłata za licencję" in page
    assert "199,00" in page


def test_operator_commands_credit_the_wallet_and_grant_the_package(app, demo_office):
    runner = app.test_cli_runner()

    credited = runner.invoke(
        args=["wallet", "credit", "demo", "150,50", "--note", "Prowizja za marzec"]
    )
    granted = runner.invoke(
        args=["premium", "grant", "demo", "--from", "2027-01-01", "--to", "2027-12-31"]
    )

    assert credited.exit_code == 0, credited.output
    assert "balance 150,50" in credited.output
    assert granted.exit_code == 0, granted.output
    office = app.extensions["sqlalchemy"].session.get(Office, demo_office.id)
    assert (office.premium_from, office.premium_to) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert wallet_balance(demo_office.id) == 15_050


def test_a_correction_may_not_take_the_balance_below_zero(app, demo_office):
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=[
            "wallet",
            "credit",
            "--note",
            "Korekta",
            "--correction",
            "--",
            "demo",
            "-10",
        ]
    )

    assert result.exit_code != 0
    assert "below zero" in result.output
    assert wallet_balance(demo_office.id) == 0


def test_page_refuses_a_wallet_order_at_the_field_and_keeps_the_input(
    client, launch, order_form, db
):
    launch()

    response = client.post(
        "/orders/new", data=order_form(program="plus", payment_method="wallet")
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Niedostępne: Za mało środków w portfelu: saldo 0,00" in page
    assert 'id="payment_method-error">Za mało środków w portfelu' in page
    assert 'value="Przykładowa Spółka z o.o."' in page
    assert db.session.scalar(select(func.count(Order.id))) == 0
