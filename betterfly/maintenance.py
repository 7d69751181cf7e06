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
from sqlalchemy import or_, select

from .extensions import db
from .mail.delivery import deliver_pending
from .models import utcnow
from .payments.models import P24Payment, PaymentState
from .payments.przelewy24 import reconcile_payment

log = logging.getLogger("betterfly.maintenance")

SWEEP_EVERY = timedelta(seconds=60)
CHAIN_KEY = "betterfly:sweep-booked"
VERIFYING_GRACE = timedelta(minutes=2)
# Checks past the payment's deadline expire it when Przelewy24 has no payment.
LAST_ATTEMPT = 99


def sweep() -> None:
    """Job: send what waits in the outbox, settle overdue payments, book the next."""
    sent = deliver_pending()
    if sent:
        log.info("sweep: sent %s waiting message(s)", sent)
    settle_overdue_payments()
    _book_next()


def settle_overdue_payments(limit: int = 50) -> None:
    """Ask Przelewy24 about payments whose scheduled checks may have been lost.

    A payment past its deadline, or stuck while being verified, is checked
    once more; a paid one is verified at most once, as in every other path.
    """
    now = utcnow()
    overdue = db.session.scalars(
        select(P24Payment.id)
        .where(
            or_(
                (P24Payment.state == PaymentState.REGISTERED)
                & (P24Payment.deadline_at < now),
                (P24Payment.state == PaymentState.VERIFYING)
                & (P24Payment.verifying_since < now - VERIFYING_GRACE),
            )
        )
        .limit(limit)
    ).all()
    for payment_id in overdue:
        try:
            reconcile_payment(payment_id, LAST_ATTEMPT)
        except Exception:  # noqa: BLE001 - one payment must not stop the sweep
            db.session.rollback()
            log.warning(
                "sweep: payment %s could not be settled", payment_id, exc_info=True
            )


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
