"""Browser tests: the app served on 127.0.0.1, driven in Debian's Chromium by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (or $CHROMIUM_PATH). When it
is missing, these tests are skipped and the run says so loudly at the end.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
#: docs/screenshots/, or $SCREENSHOTS_DIR (CI's second run, so two runs never write one file).
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR")
                   or Path(__file__).resolve().parents[2] / "docs" / "screenshots")
#: Flags for a machine without network or display (see the env notes in the README).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser tests skipped")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(skip)


#: Where the live server keeps each request's response (WSGI environ), for its handler.
_RESPONSE = "tests.response"


class _ClosingHandler(WSGIRequestHandler):
    """werkzeug's handler, closing the response of a connection the browser reset.

    werkzeug reads what is left of the request after the response and, when that read raises a
    reset (a context closed while Chromium fetched the favicon), skips the response's close():
    the static file stays open until the garbage collector warns, in some later test.
    """

    def connection_dropped(self, error, environ=None):
        response = (environ or {}).get(_RESPONSE)
        if hasattr(response, "close"):
            response.close()  # closing twice is harmless: files and Flask's responses allow it


def _keeping_response(app):
    def served(environ, start_response):
        environ[_RESPONSE] = response = app(environ, start_response)
        return response

    return served


class LiveServer:
    """The app served by werkzeug in a thread (each request in its own thread)."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, _keeping_response(app), threaded=True,
                                  request_handler=_ClosingHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A 360-px phone in Khmer."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="km-KH",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@contextmanager
def opened(browser, timeout_ms: int = 15_000, **options):
    """A browser context with the suite's patience, closed however the test ends."""
    context = browser.new_context(**options)
    context.set_default_timeout(timeout_ms)
    try:
        yield context
    finally:
        context.close()


def sign_in(page, base: str, username: str) -> None:
    """Sign in as the staff member ``username`` (the factories' password), to the staff home."""
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD

    page.goto(base + "/staff/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base + "/staff/")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot into docs/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
