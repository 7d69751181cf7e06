"""Alembic environment for `flask --app wsgi db ...`, using the app's engine.

SQLite cannot alter most of a table in place, so there migrations are
rendered and run in batch mode (copy, change, swap). Column types the app
wraps in a TypeDecorator are written into migration files as the type they
store, so that a migration never imports application code.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config
log = logging.getLogger("alembic.env")

# Inside a test run the test runner owns logging; only a bare command line
# gets the console set-up from alembic.ini.
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database():
    return current_app.extensions["migrate"].db


def render_item(kind, item, autogen_context):
    if kind == "type" and isinstance(item, TypeDecorator):
        return f"sa.{item.impl_instance!r}"
    return False


def skip_empty_revision(context, revision, directives):
    """`db migrate` with no model change writes no file."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")


def configure_options(dialect_name: str) -> dict:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_revision)
    options.setdefault("render_as_batch", dialect_name == "sqlite")
    options.setdefault("render_item", render_item)
    options.setdefault("compare_type", True)
    return options


def run_migrations_offline() -> None:
    engine = _database().engine
    context.configure(
        url=engine.url,
        target_metadata=_database().metadata,
        literal_binds=True,
        **configure_options(engine.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _database().engine
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=_database().metadata,
            **configure_options(connection.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
