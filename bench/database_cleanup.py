"""What emptying every table between tests costs on PostgreSQL: TRUNCATE vs DELETE.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres); it creates a
scratch database and drops it. Run from the repository root:
`.venv/bin/python -m bench.database_cleanup`.
"""

from __future__ import annotations

import statistics
import time
import uuid

from sqlalchemy import create_engine, text

from betterfly import create_app
from betterfly.extensions import db

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ROUNDS = 21


def timed_ms(engine, statements: list[str]) -> float:
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    return (time.perf_counter() - started) * 1000


def compare(engine) -> None:
    tables = [f'"{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    ways = {
        "TRUNCATE ... RESTART IDENTITY CASCADE": [
            f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"
        ],
        "DELETE FROM each table": [f"DELETE FROM {table}" for table in tables],
    }
    for label, statements in ways.items():
        median = statistics.median(timed_ms(engine, statements) for _ in range(ROUNDS))
        print(f"{label:40} {len(tables)} tables  median {median:6.1f} ms")


def main() -> None:
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"betterfly_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app(
            {
                "TESTING": True,
                "SANDBOX": True,
                "SQLALCHEMY_DATABASE_URI": f"{SERVER}/{name}",
            }
        )
        with app.app_context():
            db.create_all()
            compare(db.engine)
            db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
