"""An RQ worker on the real test Redis, running jobs with the test app.

With `rq_worker` among its fixtures, a test's app enqueues through
`betterfly.jobs.enqueue` onto Redis; `rq_worker.work()` then runs what is
queued the way a production worker would, in an app context of the test app.
"""

from __future__ import annotations

import pytest
from flask import Flask
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from betterfly.worker import AppSimpleWorker, make_worker


class TestWorker:
    """Resolves the test's app only when first used, so that fixtures which
    change `settings` (SMTP, Redis) may be listed in any order before it."""

    __test__ = False

    def __init__(self, request):
        self._request = request

    @property
    def app(self) -> Flask:
        return self._request.getfixturevalue("app")

    @property
    def queue(self) -> Queue:
        queue = getattr(self.app.extensions["betterfly.jobs"], "queue", None)
        if queue is None:
            pytest.fail(
                "the app was built before rq_worker set REDIS_URL: "
                "list rq_worker before app, client or live_server",
                pytrace=False,
            )
        return queue

    def work(self) -> bool:
        """Run every job queued now, in burst mode; True if any ran."""
        worker = make_worker(self.app, [self.queue.name], AppSimpleWorker)
        return worker.work(burst=True)

    def run_scheduled(self) -> bool:
        """Move every delayed job and retry onto the queue as if due, then run them."""
        registry = ScheduledJobRegistry(queue=self.queue)
        for job_id in registry.get_job_ids():
            registry.requeue(job_id)
        return self.work()

    @property
    def scheduled(self) -> list[Job]:
        return self._jobs(ScheduledJobRegistry(queue=self.queue).get_job_ids())

    @property
    def failed(self) -> list[Job]:
        return self._jobs(FailedJobRegistry(queue=self.queue).get_job_ids())

    @property
    def queued(self) -> list[Job]:
        return self.queue.get_jobs()

    def _jobs(self, job_ids: list[str]) -> list[Job]:
        jobs = Job.fetch_many(job_ids, connection=self.queue.connection)
        return [job for job in jobs if job is not None]


@pytest.fixture
def rq_worker(settings, redis_url, request) -> TestWorker:
    """A burst-mode worker on the test Redis; the app's jobs go to its queue.

    It puts REDIS_URL into `settings` itself, so it must come before `app`,
    `client` or `live_server` among a test's arguments.
    """
    settings["REDIS_URL"] = redis_url
    return TestWorker(request)
