"""The migrations build exactly the schema the models describe, and undo it."""

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from betterfly import create_app
from betterfly.extensions import db
from tests.conftest import POSTGRES_ADMIN_URL

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


@pytest.fixture
def empty_database_url(database_kind, tmp_path):
    """A database of the suite's kind that nothing has created tables in."""
    if database_kind == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrated.sqlite3")
        return

    name = f"betterfly_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def migrated_app(settings, empty_database_url):
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_builds_exactly_the_models_schema(migrated_app):
    upgrade(directory=MIGRATIONS)

    assert table_names() == set(db.metadata.tables)
    assert schema_differences() == []


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(
    migrated_app,
):
    upgrade(directory=MIGRATIONS)

    downgrade(directory=MIGRATIONS, revision="base")
    assert table_names() == set()

    upgrade(directory=MIGRATIONS)
    assert schema_differences() == []
