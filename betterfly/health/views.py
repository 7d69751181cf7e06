from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The state of the database and, when used, of Redis, for load balancers."""
    checks = {"database": _check_database()}
    redis = current_app.extensions["betterfly.redis"]
    if redis is not None:
        checks["redis"] = _check_redis(redis)

    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), (
        200 if healthy else 503
    )


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure is the answer here
        db.session.rollback()
        return f"error: {error.__class__.__name__}"


def _check_redis(redis) -> str:
    try:
        redis.ping()
        return "ok"
    except Exception as error:  # noqa: BLE001 - any failure is the answer here
        return f"error: {error.__class__.__name__}"
