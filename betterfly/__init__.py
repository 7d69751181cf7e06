"""Betterfly Orders: an accounting office orders Betterfly for its clients."""

from __future__ import annotations

import logging
import os

from flask import Flask

from . import config as configuration
from .extensions import csrf, db, htmx, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    settings = configuration.from_environment(app.instance_path)
    settings.update(overrides or {})
    if settings["SANDBOX"] or settings.get("TESTING"):
        configuration.apply_sandbox_secrets(settings, app.instance_path)
    configuration.check_secrets(settings)
    app.config.update(settings)
    app.config.update(_fixed_settings(app))

    _init_logging()
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)

    from .web import init_web

    init_web(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client address and scheme
    from their headers (the notification address check depends on it)."""
    hops = app.config["PROXY_COUNT"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def _fixed_settings(app: Flask) -> dict:
    secure_cookie = app.config["PUBLIC_BASE_URL"].startswith("https://") or not (
        app.config.get("TESTING")
    )
    return {
        "SESSION_COOKIE_NAME": "betterfly_session",
        "SESSION_COOKIE_SECURE": secure_cookie,
        "SESSION_COOKIE_SAMESITE": "None" if secure_cookie else "Lax",
        "SESSION_COOKIE_PARTITIONED": secure_cookie,
        "SESSION_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "WTF_CSRF_SSL_STRICT": False,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"]
        ),
    }


def _engine_options(database_uri: str) -> dict:
    if database_uri.startswith("sqlite"):
        # SQLite serialises writers; waiting for the lock beats failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _init_logging() -> None:
    logger = logging.getLogger("betterfly")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from .jobs import InProcessJobs, RQJobs
    from .store import DatabaseStore, RedisStore

    _import_models()
    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    htmx.init_app(app)

    with app.app_context():
        _enable_sqlite_pragmas(db.engine)

    redis_url = app.config["REDIS_URL"]
    if redis_url:
        from redis import Redis

        redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        app.extensions["betterfly.redis"] = redis
        app.extensions["betterfly.store"] = RedisStore(redis)
        app.extensions["betterfly.jobs"] = RQJobs(redis)
    else:
        app.extensions["betterfly.redis"] = None
        with app.app_context():
            app.extensions["betterfly.store"] = DatabaseStore(db.engine)
        app.extensions["betterfly.jobs"] = InProcessJobs(app)


def _import_models() -> None:
    """Every table is known to the metadata before anything creates or migrates it."""
    from . import models  # noqa: F401
    from .payments import models as payment_models  # noqa: F401


def _enable_sqlite_pragmas(engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from .activation.views import bp as activation_bp
    from .auth.views import bp as auth_bp
    from .company.views import bp as company_bp
    from .dashboard.views import bp as dashboard_bp
    from .health.views import bp as health_bp
    from .offices.views import bp as offices_bp
    from .orders.views import bp as orders_bp
    from .payments.views import bp as payments_bp
    from .payments.views import p24_bp
    from .support.views import bp as support_bp

    for blueprint in (
        auth_bp,
        dashboard_bp,
        orders_bp,
        company_bp,
        offices_bp,
        activation_bp,
        health_bp,
        payments_bp,
        p24_bp,
        support_bp,
    ):
        app.register_blueprint(blueprint)

    if app.config["SANDBOX"]:
        from .sandbox import register_sandbox

        register_sandbox(app)


def _register_commands(app: Flask) -> None:
    from .commands import register_commands

    register_commands(app)
