from sqlalchemy import select

from betterfly.maintenance import start_sweeping
from betterfly.models import OutboxMessage


def test_sweep_sends_mail_that_could_not_be_queued_and_books_the_next_run(
    smtp_server, rq_worker, client, launch, order_form, db
):
    launch()
    smtp_server.refuse()
    client.post("/orders/new", data=order_form())
    rq_worker.work()
    message = db.session.scalar(select(OutboxMessage))
    message.next_attempt_at = None
    message.claimed_until = None
    db.session.commit()
    smtp_server.accept()

    assert start_sweeping() is True
    assert start_sweeping() is False
    rq_worker.work()

    assert len(smtp_server.messages) == 1
    scheduled = [job.func_name for job in rq_worker.scheduled]
    assert scheduled.count("betterfly.maintenance.sweep") == 1
