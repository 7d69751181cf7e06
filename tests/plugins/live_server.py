"""A real HTTP server running the app in a thread, for clients that speak HTTP."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from betterfly import create_app


@dataclass
class LiveServer:
    url: str
    app: Flask


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app, settings):
    """The app served over HTTP on localhost, sharing the test database.

    It depends on `app`, so the database is cleaned only after it stopped.
    Its PUBLIC_BASE_URL is its own address, so sandbox integrations reach
    the emulators over real HTTP.
    """
    port = _free_port()
    url = f"http://localhost:{port}"
    server_app = create_app({**settings, "PUBLIC_BASE_URL": url})
    server = make_server("127.0.0.1", port, server_app, threaded=True)
    # A short poll interval makes shutdown take milliseconds, not half a second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield LiveServer(url=url, app=server_app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with server_app.app_context():
            from betterfly.extensions import db

            db.engine.dispose()
