"""Fixtures for paying for licences: offices, orders placed as the ordering
flow places them, jobs held back when delayed, and the sandbox Przelewy24
reached over real HTTP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from betterfly.jobs import InProcessJobs
from betterfly.models import Advisor, Office, User
from betterfly.orders.services import CompanyDetails, OrderRequest, place_order
from betterfly.payments.services import credit_wallet

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def valid_nips():
    """An endless supply of NIPs with a correct checksum."""
    for number in itertools.count(100_000_001):
        digits = [int(d) for d in f"{number:09d}"]
        check = sum(w * d for w, d in zip(NIP_WEIGHTS, digits, strict=True)) % 11
        if check < 10:
            yield f"{number:09d}{check}"


@dataclass
class HeldBackJobs(InProcessJobs):
    """Runs a job at once, but keeps a delayed one for the test to run."""

    app: object
    delayed: list = field(default_factory=list)
    hold_back: set = field(default_factory=set)

    def enqueue(self, func, *args, delay: timedelta | None = None):
        if delay or func.__name__ in self.hold_back:
            self.delayed.append((func, args, delay))
            return None
        return super().enqueue(func, *args)

    def run_delayed(self, name: str) -> int:
        """Run (and forget) every delayed job of this function name."""
        due = [job for job in self.delayed if job[0].__name__ == name]
        self.delayed = [job for job in self.delayed if job[0].__name__ != name]
        for func, args, _delay in due:
            self._run(func, args)
        return len(due)


@pytest.fixture
def jobs(app) -> HeldBackJobs:
    held_back = HeldBackJobs(app)
    app.extensions["betterfly.jobs"] = held_back
    return held_back


@pytest.fixture
def office_user(demo_office, db) -> User:
    user = User(
        portal_id="demo-office-user",
        office_id=demo_office.id,
        name="Anna Kowalska",
        email="anna@biuro.example",
        role="office",
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def fund_wallet(db):
    def fund(office: Office, grosze: int) -> None:
        credit_wallet(office, grosze, "Prowizja testowa")
        db.session.commit()

    return fund


@pytest.fixture
def order_request(demo_office, db):
    """`order_request(method, **changes)`: a Plus order as the page submits it."""
    advisor = db.session.scalar(
        select(Advisor).where(Advisor.office_id == demo_office.id).order_by(Advisor.id)
    )
    nips = valid_nips()
    keys = itertools.count(1)

    def make(method: str, **changes) -> OrderRequest:
        number = next(keys)
        nip = changes.pop("nip", None) or next(nips)
        values = {
            "request_key": f"plus-{number}",
            "phone": "+48600100200",
            "company": CompanyDetails(
                nip=nip,
                name=f"Firma {number} sp. z o.o.",
                regon=None,
                street="ul. Długa",
                building_number="5",
                unit_number=None,
                postal_code="31-147",
                city="Kraków",
                source="manual",
            ),
            "branch_id": advisor.branch_id,
            "advisor_id": advisor.id,
            "program": "plus",
            "payment_method": method,
            "email": f"klient{number}@firma.example",
            "first_name": "Jan",
            "last_name": "Kowalski",
        }
        values.update(changes)
        return OrderRequest(**values)

    return make


@pytest.fixture
def place_plus(demo_office, office_user, order_request):
    """Place a Plus order for the demo office through the ordering service."""

    def place(method: str, **changes):
        return place_order(demo_office, office_user, order_request(method, **changes))

    return place


@pytest.fixture
def sandbox_p24(app, live_server, jobs):
    """The app and the live server both talk to the sandbox Przelewy24 over HTTP.

    Notifications go to the live server (the app's PUBLIC_BASE_URL). Delayed
    jobs on both sides are held back for the test to run.
    """
    app.config["PUBLIC_BASE_URL"] = live_server.url
    server_jobs = HeldBackJobs(live_server.app)
    live_server.app.extensions["betterfly.jobs"] = server_jobs
    return server_jobs


@pytest.fixture
def p24_order(sandbox_p24, place_plus, db):
    """A Plus order whose Przelewy24 payment is registered with the sandbox."""
    order = place_plus("p24")
    db.session.expire_all()
    return order
