"""Background jobs: RQ on Redis when configured, otherwise run in this process.

Callers enqueue only after their transaction committed, so a job always sees
the rows it was given. Every job is written to be run twice and act once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app

log = logging.getLogger("betterfly.jobs")

RETRY_INTERVALS = [10, 30, 120, 600, 1800]


class RQJobs:
    def __init__(self, redis, queue_name: str = "default"):
        from rq import Queue

        self.queue = Queue(queue_name, connection=redis)

    def enqueue(self, func: Callable, *args, delay: timedelta | None = None):
        from rq import Retry

        retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
        if delay:
            return self.queue.enqueue_in(delay, func, *args, retry=retry)
        return self.queue.enqueue(func, *args, retry=retry)


class InProcessJobs:
    """Runs a job at once, or after its delay on a timer thread with an app context.

    This is the embedded default for a single process; a failure is logged and
    the work stays recorded in the database for a later replay.
    """

    def __init__(self, app: Flask):
        self.app = app

    def enqueue(self, func: Callable, *args, delay: timedelta | None = None):
        if delay:
            timer = threading.Timer(delay.total_seconds(), self._run, (func, args))
            timer.daemon = True
            timer.start()
            return None
        self._run(func, args)
        return None

    def _run(self, func: Callable, args: tuple) -> None:
        with self.app.app_context():
            try:
                func(*args)
            except Exception:
                log.exception("in-process job %s%r failed", func.__name__, args)


def enqueue(func: Callable, *args, delay: timedelta | None = None):
    return current_app.extensions["betterfly.jobs"].enqueue(func, *args, delay=delay)
