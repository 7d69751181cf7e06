from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from betterfly.extensions import db as _db
from betterfly.jobs import enqueue
from betterfly.models import Office
from betterfly.worker import AppWorker, make_worker


def rename_office(office_id: int, name: str) -> None:
    office = _db.session.get(Office, office_id)
    office.name = f"{name} ({current_app.config['PUBLIC_BASE_URL']})"
    _db.session.commit()


def refuse_to_work(office_id: int) -> None:
    raise ConnectionError(f"office {office_id}: the other side is down")


def office_name(db, office_id: int) -> str:
    return db.session.scalar(select(Office.name).where(Office.id == office_id))


def test_enqueued_job_waits_on_redis_for_a_worker(rq_worker, db, office_factory):
    office = office_factory()

    enqueue(rename_office, office.id, "Biuro Nowe")

    assert [job.func_name for job in rq_worker.queued] == [
        "tests.test_worker.rename_office"
    ]
    assert office_name(db, office.id) == "Biuro Rachunkowe Demo"


def test_worker_runs_the_job_in_an_app_context_with_the_database(
    rq_worker, db, office_factory
):
    office = office_factory()
    enqueue(rename_office, office.id, "Biuro Nowe")

    assert rq_worker.work() is True

    assert office_name(db, office.id) == "Biuro Nowe (http://localhost)"
    assert rq_worker.queued == []
    assert rq_worker.failed == []


def test_production_worker_runs_the_job_in_a_forked_work_horse(
    rq_worker, app, db, office_factory
):
    office = office_factory()
    enqueue(rename_office, office.id, "Biuro Z Procesu")

    make_worker(app, [rq_worker.queue.name], AppWorker).work(burst=True)

    assert office_name(db, office.id).startswith("Biuro Z Procesu")
    assert rq_worker.failed == []


def test_failed_job_is_kept_for_a_retry_not_lost(rq_worker, office_factory):
    office = office_factory()
    enqueue(refuse_to_work, office.id)

    rq_worker.work()

    [job] = rq_worker.scheduled
    assert job.func_name == "tests.test_worker.refuse_to_work"
    assert job.retries_left == 4
    assert job.get_status() == "scheduled"


def test_delayed_job_runs_only_when_due(rq_worker, db, office_factory):
    office = office_factory()
    enqueue(rename_office, office.id, "Biuro Później", delay=timedelta(hours=1))

    assert rq_worker.work() is False
    assert office_name(db, office.id) == "Biuro Rachunkowe Demo"

    assert rq_worker.run_scheduled() is True
    assert office_name(db, office.id).startswith("Biuro Później")


def test_worker_command_refuses_to_start_without_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_worker_command_runs_queued_jobs_and_stops_when_empty_in_burst_mode(
    rq_worker, app, db, office_factory
):
    office = office_factory()
    enqueue(rename_office, office.id, "Biuro Z Komendy")

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert office_name(db, office.id).startswith("Biuro Z Komendy")
    assert rq_worker.queued == []
