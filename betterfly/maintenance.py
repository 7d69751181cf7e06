"""The periodic sweep: work that waits in the database is picked up again.

A message whose delivery could not be queued (Redis was down) or whose
retries ran out is still in the outbox; the sweep sends what is due. One
chain of sweeps runs across all workers: each run books the next one under a
Redis key, and a worker that starts restarts the chain only if that booking
has lapsed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from .mail.delivery import deliver_pending

log = logging.getLogger("betterfly.maintenance")

SWEEP_EVERY = timedelta(seconds=60)
CHAIN_KEY = "betterfly:sweep-booked"


def sweep() -> None:
    """Job: send what waits in the outbox, then book the next sweep."""
    sent = deliver_pending()
    if sent:
        log.info("sweep: sent %s waiting message(s)", sent)
    _book_next()


def start_sweeping() -> bool:
    """Start the chain of sweeps unless one is already booked; True if started."""
    redis = current_app.extensions["betterfly.redis"]
    lease = int((SWEEP_EVERY * 3).total_seconds())
    if not redis.set(CHAIN_KEY, "1", nx=True, ex=lease):
        return False
    current_app.extensions["betterfly.jobs"].enqueue(sweep)
    return True


def _book_next() -> None:
    redis = current_app.extensions["betterfly.redis"]
    if redis is None:
        return
    redis.set(CHAIN_KEY, "1", ex=int((SWEEP_EVERY * 3).total_seconds()))
    current_app.extensions["betterfly.jobs"].enqueue(sweep, delay=SWEEP_EVERY)
