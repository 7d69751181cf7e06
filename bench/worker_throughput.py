"""Jobs per second through the RQ workers, each job reading one row.

Needs Redis on 127.0.0.1:6379 (database 14 is flushed). Run from the
repository root: `.venv/bin/python -m bench.worker_throughput`.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time

from redis import Redis

from betterfly import create_app
from betterfly.extensions import db
from betterfly.jobs import enqueue
from betterfly.models import Office
from betterfly.worker import AppSimpleWorker, AppWorker, make_worker

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def read_office(office_id: int) -> str:
    return db.session.get(Office, office_id).name


def measure(app, worker_class, jobs: int, office_id: int) -> float:
    for _ in range(jobs):
        # By import path: RQ refuses functions of the __main__ module.
        enqueue("bench.worker_throughput.read_office", office_id)
    worker = make_worker(app, worker_class=worker_class)
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    return jobs / (time.perf_counter() - started)


def main() -> None:
    logging.getLogger("rq.worker").setLevel(logging.WARNING)
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SANDBOX": True,
                "REDIS_URL": REDIS_URL,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            }
        )
        with app.app_context():
            db.create_all()
            office = Office(portal_id="bench", name="Biuro Bench")
            db.session.add(office)
            db.session.commit()
            for worker_class, jobs in ((AppSimpleWorker, 500), (AppWorker, 200)):
                rate = measure(app, worker_class, jobs, office.id)
                print(f"{worker_class.__name__:16} {jobs:4d} jobs  {rate:7.1f} jobs/s")
            db.engine.dispose()
    redis.flushdb()


if __name__ == "__main__":
    main()
