"""Playwright fixtures driving Debian's Chromium against the live server.

The browser is the system's `/usr/bin/chromium` (or `CHROMIUM_PATH`); no
browser is ever downloaded. Chromium missing fails the test in CI and skips it
elsewhere. A failed test leaves a screenshot of each of its pages in
`test-artifacts/`.

The live server a browser talks to sends the session cookie the way
production does (`Secure; SameSite=None; Partitioned`). Chromium accepts a
Secure cookie over plain HTTP from `localhost` and `127.0.0.1`, because both
are potentially trustworthy origins, so no TLS is needed.

Inside the portal's iframe (`portal_page`: portal on 127.0.0.1, app on
localhost, two sites) the cookie is a third-party one. Chromium here keeps it
only because it is `Partitioned` (CHIPS); checked with Chromium 156: the same
cookie without `Partitioned`, or with `SameSite=Lax`, is dropped and the
frame shows "Brak dostępu". No Chromium flag is needed for this.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import FrameLocator, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # `localhost` may resolve to ::1 first; the live server listens on IPv4.
    "--host-resolver-rules=MAP localhost 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000

PORTAL_COOKIES = {
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_SAMESITE": "None",
    "SESSION_COOKIE_PARTITIONED": True,
}


def _chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    """Mark the tests that drive Chromium and run them last.

    The mark lets `-m "not browser"` leave them out. Running them last keeps
    the session's Playwright event loop, which owns the main thread once
    started, away from every other test (`asyncio.run` refuses to run then).
    """
    browser_tests = []
    other_tests = []
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            browser_tests.append(item)
        else:
            other_tests.append(item)
    items[:] = other_tests + browser_tests


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session."""
    from tests.conftest import service_missing

    path = _chromium_path()
    if not os.access(path, os.X_OK):
        service_missing(f"Chromium at {path} (apt-get install chromium)")

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as error:
        playwright.stop()
        service_missing(f"Chromium at {path} does not start: {error}")
    yield chromium
    chromium.close()
    playwright.stop()


def _new_page(browser, request, **context_options):
    context = browser.new_context(
        locale="pl-PL", timezone_id="Europe/Warsaw", **context_options
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    if request.node.stash.get(_FAILED, False):
        _save_screenshots(context, request.node.nodeid)
    context.close()


def _save_screenshots(context, nodeid: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)
    for number, page in enumerate(context.pages):
        suffix = f"-{number}" if number else ""
        page.screenshot(path=ARTIFACTS / f"{stem}{suffix}.png", full_page=True)


@pytest.fixture
def page(browser, request):
    """A fresh browser tab (own cookies) with JavaScript on."""
    yield from _new_page(browser, request)


@pytest.fixture
def page_nojs(browser, request):
    """A fresh browser tab with JavaScript off: plain forms and full pages."""
    yield from _new_page(browser, request, java_script_enabled=False)


@pytest.fixture
def browser_server(live_server):
    """The live server, sending the session cookie as production does."""
    live_server.app.config.update(PORTAL_COOKIES)
    return live_server


@pytest.fixture
def launch_url(browser_server, launch_token):
    """`launch_url(**claims)`: a fresh single-use launch link into the live server."""

    def make(**claims) -> str:
        return f"{browser_server.url}/launch?token={launch_token(**claims)}"

    return make


class _PortalHandler(BaseHTTPRequestHandler):
    """Serves the portal's page: a heading and the app in an iframe."""

    app_url = ""

    def do_GET(self):
        body = (
            "<!doctype html><html lang='pl'><head><meta charset='utf-8'>"
            "<title>Portal iKsięgowość24</title></head><body>"
            "<script>window.appHeights = [];"
            "addEventListener('message', function (event) {"
            " if (event.data && event.data.type === 'betterfly:height')"
            "  window.appHeights.push([event.origin, event.data.height]); });"
            "</script>"
            "<h1>Portal iKsięgowość24</h1>"
            f"<iframe id='betterfly' title='Betterfly' src='{self.app_url}' "
            "width='1000' height='800'></iframe>"
            "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@dataclass
class PortalPage:
    """The portal's page on its own origin, with the app launched in an iframe."""

    page: Page
    origin: str
    _launch_url: Callable[..., str]
    _handler: type[_PortalHandler]

    @property
    def frame(self) -> FrameLocator:
        return self.page.frame_locator("#betterfly")

    def open(self, **claims) -> PortalPage:
        """Load the portal with a fresh launch link for these claims."""
        self._handler.app_url = self._launch_url(**claims)
        self.page.goto(self.origin + "/")
        self.frame.locator("body").wait_for()
        return self


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def portal_origin(settings) -> str:
    """The portal's origin, added to PORTAL_ORIGINS; must come before `app`."""
    origin = f"http://127.0.0.1:{_free_port()}"
    settings["PORTAL_ORIGINS"] = [*settings.get("PORTAL_ORIGINS", []), origin]
    return origin


@pytest.fixture
def portal_page(portal_origin, browser_server, page, launch_url):
    """The portal page with the app launched in its iframe (default claims).

    The portal is served from `http://127.0.0.1:<port>` and the app from
    `http://localhost:<port>`: two sites, so the app's session cookie is a
    third-party cookie, as in production. `.open(**claims)` launches again.
    """
    if portal_origin not in browser_server.app.config["PORTAL_ORIGINS"]:
        pytest.fail(
            "the app was built before portal_page set PORTAL_ORIGINS: "
            "list portal_page before app, client or live_server",
            pytrace=False,
        )
    handler = type("PortalHandler", (_PortalHandler,), {})
    port = int(portal_origin.rsplit(":", 1)[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield PortalPage(page, portal_origin, launch_url, handler).open()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
