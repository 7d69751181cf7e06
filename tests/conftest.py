"""Shared fixtures: the app on SQLite or PostgreSQL, a launched session, factories.

The database comes from `--db` (sqlite or postgresql). Services that a test
needs (PostgreSQL, Redis, Chromium) fail the test when CI is set and missing;
outside CI the test is skipped with the reason printed.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta

import pytest
from flask import request_finished
from sqlalchemy import create_engine, select, text

from betterfly import create_app
from betterfly.auth.launch import make_launch_token
from betterfly.extensions import db as _db
from betterfly.models import Advisor, Branch, Office

pytest_plugins = [
    "tests.plugins.live_server",
    "tests.plugins.worker",
    "tests.plugins.smtp",
    "tests.plugins.browser",
]

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        default=os.environ.get("BETTERFLY_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database the suite runs on",
    )


def pytest_report_header(config):
    return f"betterfly database: {config.getoption('--db')}"


def service_missing(reason: str):
    """Fail in CI, skip (with the reason shown) on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(f"service missing: {reason}")


@pytest.fixture(scope="session")
def database_kind(pytestconfig) -> str:
    return pytestconfig.getoption("--db")


@pytest.fixture(scope="session")
def database_url(database_kind, tmp_path_factory):
    if database_kind == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return

    name = f"betterfly_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means missing
        service_missing(f"PostgreSQL at {POSTGRES_ADMIN_URL}: {error}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    app = create_app(_test_settings(database_url, tmp_path_factory))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return True


def _test_settings(database_url: str, tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "SANDBOX": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": None,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "LAUNCH_SECRET": "test-launch-secret-" + "y" * 32,
        "PUBLIC_BASE_URL": "http://localhost",
    }


@pytest.fixture
def settings(database_url, _schema, tmp_path_factory) -> dict:
    """Overridable settings for the `app` fixture; change them before using `app`."""
    return _test_settings(database_url, tmp_path_factory)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    # The test client reuses the test's app context, and with it the session;
    # in production each request has its own. Expiring after each request makes
    # the test see what the request and its jobs committed.
    request_finished.connect(_expire_session, app)
    with app.app_context():
        yield app
        _db.session.remove()
        _truncate_all(_db.engine)
        _db.engine.dispose()


def _expire_session(sender, response, **extra) -> None:
    _db.session.expire_all()


def _truncate_all(engine) -> None:
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_url():
    import redis

    connection = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as error:
        service_missing(f"Redis at {REDIS_TEST_URL}: {error}")
    connection.flushdb()
    yield REDIS_TEST_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def launch_token(app):
    """Make a launch token signed as the portal signs it."""

    def make(
        office: str = "demo",
        office_name: str = "Biuro Rachunkowe Demo",
        role: str = "office",
        sub: str | None = None,
        **extra,
    ) -> str:
        return make_launch_token(
            app.config["LAUNCH_SECRET"],
            office=office,
            office_name=office_name,
            sub=sub or f"{office}-{role}-user",
            name=extra.pop("name", "Anna Kowalska"),
            email=extra.pop("email", "anna@biuro.example"),
            role=role,
            **extra,
        )

    return make


@pytest.fixture
def launch(client, launch_token):
    """Open a session in `client` as the portal would, and return the response."""

    def do_launch(**claims):
        response = client.get(f"/launch?token={launch_token(**claims)}")
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    return do_launch


@pytest.fixture
def office_factory(db):
    def make(
        portal_id: str = "demo",
        name: str = "Biuro Rachunkowe Demo",
        premium: bool = False,
        partner: bool = False,
    ) -> Office:
        office = Office(portal_id=portal_id, name=name, is_partner=partner)
        if premium:
            office.premium_from = date.today() - timedelta(days=30)
            office.premium_to = date.today() + timedelta(days=335)
        db.session.add(office)
        db.session.commit()
        return office

    return make


@pytest.fixture
def branch_factory(db):
    def make(office: Office, name: str = "Kraków", advisors=("Jan Nowak",)) -> Branch:
        branch = Branch(office_id=office.id, name=name)
        db.session.add(branch)
        db.session.flush()
        for full_name in advisors:
            first, last = full_name.split(" ", 1)
            db.session.add(
                Advisor(
                    office_id=office.id,
                    branch_id=branch.id,
                    first_name=first,
                    last_name=last,
                )
            )
        db.session.commit()
        return branch

    return make


@pytest.fixture
def demo_office(office_factory, branch_factory):
    """The office `launch()` signs into by default, with two branches."""
    office = office_factory(premium=True, partner=True)
    branch_factory(office, "Kraków", ["Jan Nowak", "Ewa Zielińska"])
    branch_factory(office, "Warszawa", ["Piotr Wiśniewski"])
    return office


@pytest.fixture
def order_form(demo_office, db):
    """A valid free-program submission for the demo office, as the browser sends it."""
    branch = db.session.scalar(select(Branch).where(Branch.name == "Kraków"))
    advisor = db.session.scalar(
        select(Advisor).where(Advisor.branch_id == branch.id).order_by(Advisor.id)
    )
    branch_id, advisor_id = branch.id, advisor.id
    # End the read so that later reads see what requests commit (SQLite snapshots).
    db.session.rollback()

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
            "branch": str(branch_id),
            "advisor": str(advisor_id),
            "program": "free",
            "email": "Jan.Kowalski@Firma.pl",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "action": "place",
        }
        data.update(changes)
        return data

    return make
