"""Local stand-ins for the outside world, mounted only when SANDBOX=1.

Each emulator speaks its real protocol over HTTP, so the production clients
are what the demo and the tests exercise.
"""

from flask import Flask


def register_sandbox(app: Flask) -> None:
    from . import gus, p24, whitelist
    from .launcher import bp as launcher_bp
    from .outbox import bp as outbox_bp

    app.register_blueprint(launcher_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(gus.bp)
    app.register_blueprint(whitelist.bp)
    app.register_blueprint(p24.bp)
