"""What every browser test shares: the example project under gunicorn, Chromium, a user.

The example project runs under gunicorn with DEBUG off, the way it is deployed (only
plain HTTP: ``SECURE_SSL_REDIRECT=0``, as in the load test), on PostgreSQL and Redis
from ``DATABASE_URL``/``REDIS_URL``, once for the whole run. ``nox -s browser`` runs
these tests; they need ``/usr/bin/chromium`` (``apt-get install -y chromium
chromium-driver``) and fail, never skip, without it. ``BROWSER_TEST_PORT`` fixes the
server's port (default: a free one).

Two stand-ins for a frontend's dev server (like Vite's on ``localhost:5173``) serve a
blank page on other ports: the server's ``CORS_ALLOWED_ORIGINS`` names the first only.
A third serves the built calendar page (``frontend/dist/calendar``, built by the
``calendar_page`` fixture with ``npm run build:calendar``; ``nox -s browser`` runs
``npm ci`` first) on its own origin, which CORS allows too; ``CALENDAR_PAGE_PORT`` fixes
its port (default: a free one). ``demo_users`` loads the demo data (``seed_demo``).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

EXAMPLE = Path(__file__).resolve().parent.parent
ROOT = EXAMPLE.parent
sys.path.insert(0, str(ROOT / "tools"))
from processes import GUNICORN, serving  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FRONTEND = ROOT / "frontend"
CALENDAR_SITE = FRONTEND / "dist" / "calendar"
# The machine has no network but the package registries: Chromium's own background
# traffic (updates, sync, field trials) must stay off, and it must not need a GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Token {token}")
    # No proxy from the environment: loopback traffic only.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@dataclass(frozen=True)
class Frontends:
    """The origins of the two stand-in frontends (one CORS allows, one it does not), and
    of the calendar page's static server (allowed)."""

    allowed: str
    refused: str
    calendar: str


class BlankPage(BaseHTTPRequestHandler):
    """Any path: an empty HTML page, for a test to run ``fetch()`` from its origin."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>A frontend on another origin</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class StaticSite(SimpleHTTPRequestHandler):
    """The built calendar page's files, as ``python -m http.server`` serves them."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def frontends() -> Iterator[Frontends]:
    # Port 0: the system picks a free port as it binds, so no other process can take it.
    pages = [ThreadingHTTPServer(("127.0.0.1", 0), BlankPage) for _ in range(2)]
    # The directory is read at each request: the page may be built after this starts.
    pages.append(
        ThreadingHTTPServer(
            ("127.0.0.1", int(os.environ.get("CALENDAR_PAGE_PORT") or 0)),
            partial(StaticSite, directory=str(CALENDAR_SITE)),
        )
    )
    for page_server in pages:
        threading.Thread(target=page_server.serve_forever, daemon=True).start()
    # "localhost", as a frontend's dev server prints it: an origin other than the API's.
    allowed, refused = (f"http://localhost:{server.server_address[1]}" for server in pages[:2])
    calendar = f"http://127.0.0.1:{pages[2].server_address[1]}"
    try:
        yield Frontends(allowed=allowed, refused=refused, calendar=calendar)
    finally:
        for page_server in pages:
            page_server.shutdown()
            page_server.server_close()


@pytest.fixture(scope="session")
def server(tmp_path_factory, frontends: Frontends) -> Iterator[str]:
    """The example project under gunicorn, DEBUG off, on a migrated database: its base URL.

    CORS allows the allowed stand-in frontend's origin and the calendar page's, as a
    deployment names its own.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": f"browser-test-{secrets.token_urlsafe(32)}",
        # Plain HTTP on loopback; every other production default stays as it is.
        "SECURE_SSL_REDIRECT": "0",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "CORS_ALLOWED_ORIGINS": f"{frontends.allowed},{frontends.calendar}",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "create_database.py")], check=True, env=environment
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        check=True,
        cwd=EXAMPLE,
        env=environment,
    )
    with serving(
        GUNICORN,
        environment=environment,
        log_path=tmp_path_factory.mktemp("gunicorn") / "server.log",
        port=int(os.environ.get("BROWSER_TEST_PORT") or 0) or None,
    ) as served:
        yield served.url


@pytest.fixture(scope="session")
def demo_users(server) -> None:
    """The demo data (``seed_demo``, idempotent) in the server's database."""
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--force-demo-data"],
        check=True,
        cwd=EXAMPLE,
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": "browser-test-seed"},
        stdout=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def calendar_page(frontends: Frontends) -> str:
    """The calendar page built from the current source (Vite), served on its own origin."""
    if not (FRONTEND / "node_modules").is_dir():
        pytest.fail(f"run `npm ci` in {FRONTEND} first (nox -s browser does)")
    subprocess.run(
        ["npm", "run", "--silent", "build:calendar"],
        check=True,
        cwd=FRONTEND,
        stdout=subprocess.DEVNULL,
    )
    assert (CALENDAR_SITE / "index.html").is_file()
    return f"{frontends.calendar}/index.html"


@pytest.fixture(scope="session")
def schema(server) -> dict:
    status, body = _get(f"{server}/api/schema/?format=json")
    assert status == 200
    return json.loads(body)


@pytest.fixture(scope="session")
def user(server) -> dict:
    """A user registered through the API, with the token it was given."""
    username = f"browser-{secrets.token_hex(4)}"
    status, body = _post_json(
        f"{server}/api/auth/register/",
        {
            "username": username,
            "password": "a-long-passphrase",
            "display_name": "Browser Test",
            "timezone": "Europe/Kyiv",
        },
    )
    assert status == 201, body
    assert body["token"]
    return {"username": username, "token": body["token"]}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., tuple[Page, list[str]]]]:
    """Opens pages, each in a new context (``browser.new_context(**options)``): a page
    and the errors Chromium reports on its console. The contexts close after the test."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> tuple[Page, list[str]]:
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        console_errors: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                console_errors.append(message.text)

        page.on("console", on_console)
        return page, console_errors

    yield open_page
    for context in contexts:
        context.close()
