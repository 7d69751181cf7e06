"""RQ workers that run every job inside an app context of the app they were given.

Job functions are plain module-level functions taking ids; they reach the
database and the configuration through `current_app`, which the worker
provides. No job creates an app at import.

`flask --app wsgi worker` starts one worker with the scheduler, so delayed jobs
and retries with intervals are moved back onto the queue when they are due,
and makes sure the periodic sweep (`betterfly.maintenance`) is running.
"""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from rq import SimpleWorker, Worker

from .maintenance import start_sweeping

log = logging.getLogger("betterfly.worker")

DEFAULT_QUEUES = ("default",)


class _AppContextMixin:
    """Runs the job, and RQ's bookkeeping of its outcome, inside an app context.

    `perform_job` is the step that calls the job function in every worker
    class; it takes `(job, queue)` in rq 2 and `(job, queue, execution)` in
    rq 3, so the extra arguments are passed through untouched.
    """

    def __init__(self, *args, app: Flask, **kwargs):
        self.app = app
        super().__init__(*args, **kwargs)

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            self.before_job()
            try:
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                self.after_job()

    def before_job(self) -> None:
        """A hook run inside the app context, before each job."""

    def after_job(self) -> None:
        """A hook run inside the app context, after each job, failed or not."""


class AppWorker(_AppContextMixin, Worker):
    """The production worker: each job runs in a forked work horse."""

    def before_job(self) -> None:
        # The horse is a fork of the worker: database connections inherited
        # from the parent must not be shared, so the pool is dropped without
        # closing the parent's sockets.
        from .extensions import db

        db.engine.dispose(close=False)

    def after_job(self) -> None:
        # The horse ends with os._exit, which would drop its connections
        # without a goodbye; close them properly first.
        from .extensions import db

        db.session.remove()
        db.engine.dispose()


class AppSimpleWorker(_AppContextMixin, SimpleWorker):
    """Runs jobs in the worker's own process: for tests and debugging."""


def make_worker(app: Flask, queues=DEFAULT_QUEUES, worker_class=AppWorker):
    redis = app.extensions.get("betterfly.redis")
    if redis is None:
        raise click.ClickException(
            "REDIS_URL is not set: jobs run in the web process, no worker is needed. "
            "Set REDIS_URL to run background jobs on RQ workers."
        )
    return worker_class(list(queues), connection=redis, app=app)


def register_worker_command(app: Flask) -> None:
    app.cli.add_command(worker_command)


@click.command("worker")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    default=DEFAULT_QUEUES,
    show_default=True,
    help="Queue to listen on; repeat for several, in priority order.",
)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process, no fork.")
def worker_command(queues: tuple[str, ...], burst: bool, simple: bool) -> None:
    """Run background jobs from Redis, with the scheduler for delayed jobs."""
    app = current_app._get_current_object()
    worker_class = AppSimpleWorker if simple else AppWorker
    worker = make_worker(app, queues, worker_class)

    start_sweeping()
    log.info("worker %s listening on %s", worker.name, ", ".join(queues))
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
