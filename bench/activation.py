"""From a Przelewy24 notification to the licence shown as active.

    .venv/bin/python bench/activation.py [--payments 200] [--database-url URL]

Serves the app (with the sandbox Przelewy24) over HTTP in this process, places
Plus orders paid through Przelewy24, lets the sandbox take each payment
without notifying, then times:

* activation: POST the signed notification to the app, then GET the payer's
  status partial until it says the payment is confirmed (the licence is
  active). This includes the app's own `transaction/verify` call.
* bare verify: `transaction/verify` alone, against the same sandbox, for
  as many other payments.

Prints p50 and p95 of both side by side, and their ratio. The database is a
fresh SQLite file unless --database-url names another (it is wiped).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from betterfly import create_app  # noqa: E402
from betterfly.extensions import db  # noqa: E402
from betterfly.models import Advisor, Branch, Office, User  # noqa: E402
from betterfly.orders.services import (  # noqa: E402
    CompanyDetails,
    OrderRequest,
    place_order,
)
from betterfly.payments.models import P24Payment  # noqa: E402
from betterfly.payments.settings import p24_client, p24_settings  # noqa: E402
from betterfly.sandbox.p24 import (  # noqa: E402
    SandboxP24Transaction,
    notification_payload,
)

CONFIRMED = "Płatność potwierdzona"


class NoJobs:
    """Background work is not what is measured here; nothing is queued."""

    def enqueue(self, func, *args, delay=None):
        return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def build_app(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    server_probe = make_server("127.0.0.1", 0, lambda *a: None)
    port = server_probe.server_port
    server_probe.server_close()
    app = create_app(
        {
            "TESTING": True,
            "SANDBOX": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "MAIL_SERVER": None,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "LAUNCH_SECRET": "bench-launch-secret-" + "y" * 32,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
    )
    app.extensions["betterfly.jobs"] = NoJobs()
    return app, port


def seed(app) -> tuple[int, int]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        office = Office(portal_id="bench", name="Biuro Benchmark", is_partner=True)
        db.session.add(office)
        db.session.flush()
        branch = Branch(office_id=office.id, name="Kraków")
        db.session.add(branch)
        db.session.flush()
        db.session.add(
            Advisor(
                office_id=office.id,
                branch_id=branch.id,
                first_name="Jan",
                last_name="Nowak",
            )
        )
        user = User(
            portal_id="bench-user",
            office_id=office.id,
            name="Anna Kowalska",
            email="anna@biuro.example",
        )
        db.session.add(user)
        db.session.commit()
        return office.id, user.id


def paid_payments(app, office_id: int, user_id: int, count: int, offset: int):
    """Place `count` P24 orders; the sandbox takes each payment, notifying no one."""
    session_ids = []
    with app.app_context():
        office = db.session.get(Office, office_id)
        user = db.session.get(User, user_id)
        advisor = db.session.query(Advisor).first()
        for number in range(offset, offset + count):
            order = place_order(office, user, _request(number, advisor))
            payment = db.session.query(P24Payment).filter_by(order_id=order.id).one()
            response = requests.post(
                f"{app.config['PUBLIC_BASE_URL']}/sandbox/p24/trnRequest/"
                f"{payment.token}/pay",
                data={"notification": "lose"},
                allow_redirects=False,
                timeout=10,
            )
            response.raise_for_status()
            session_ids.append(payment.session_id)
    return session_ids


def _request(number: int, advisor: Advisor) -> OrderRequest:
    return OrderRequest(
        request_key=f"bench-{number}",
        phone="+48600100200",
        company=CompanyDetails(
            nip=f"{number:010d}",
            name=f"Firma {number}",
            regon=None,
            street=None,
            building_number=None,
            unit_number=None,
            postal_code=None,
            city="Kraków",
            source="manual",
        ),
        branch_id=advisor.branch_id,
        advisor_id=advisor.id,
        program="plus",
        payment_method="p24",
        email=f"klient{number}@firma.example",
        first_name="Jan",
        last_name="Kowalski",
    )


def time_activations(app, session_ids: list[str]) -> list[float]:
    base = app.config["PUBLIC_BASE_URL"]
    http = requests.Session()
    timings = []
    with app.app_context():
        crc = p24_settings().crc
        payloads = [
            notification_payload(
                db.session.query(SandboxP24Transaction).filter_by(session_id=sid).one(),
                crc,
            )
            for sid in session_ids
        ]
    for payload in payloads:
        status_url = f"{base}/payments/p24/return/{payload['sessionId']}/status"
        started = time.perf_counter()
        answer = http.post(f"{base}/payments/p24/notify", json=payload, timeout=10)
        answer.raise_for_status()
        while (
            CONFIRMED
            not in http.get(status_url, headers={"HX-Request": "true"}, timeout=10).text
        ):
            pass
        timings.append(time.perf_counter() - started)
    return timings


def time_bare_verify(app, session_ids: list[str]) -> list[float]:
    timings = []
    with app.app_context():
        client = p24_client()
        transactions = [
            db.session.query(SandboxP24Transaction).filter_by(session_id=sid).one()
            for sid in session_ids
        ]
        for transaction in transactions:
            started = time.perf_counter()
            client.verify(
                session_id=transaction.session_id,
                order_id=transaction.order_id,
                amount=transaction.amount,
                currency=transaction.currency,
            )
            timings.append(time.perf_counter() - started)
    return timings


def report(activation: list[float], verify: list[float]) -> None:
    rows = []
    for label, fraction in (("p50", 0.50), ("p95", 0.95)):
        act = percentile(activation, fraction) * 1000
        ver = percentile(verify, fraction) * 1000
        rows.append((label, act, ver, act / ver))
    print(f"payments: {len(activation)} activations, {len(verify)} bare verifies")
    print(f"{'':4} {'activation ms':>14} {'bare verify ms':>15} {'ratio':>7}")
    for label, act, ver, ratio in rows:
        print(f"{label:4} {act:14.1f} {ver:15.1f} {ratio:7.2f}")
    print(
        f"mean {statistics.mean(activation) * 1000:14.1f} "
        f"{statistics.mean(verify) * 1000:15.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        app, port = build_app(args.database_url, Path(workdir))
        logging.getLogger("betterfly").setLevel(logging.WARNING)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        office_id, user_id = seed(app)
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            to_activate = paid_payments(app, office_id, user_id, args.payments, 0)
            to_verify = paid_payments(
                app, office_id, user_id, args.payments, args.payments
            )
            activation = time_activations(app, to_activate)
            verify = time_bare_verify(app, to_verify)
        finally:
            server.shutdown()
        report(activation, verify)


if __name__ == "__main__":
    main()
