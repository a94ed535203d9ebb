"""Swagger UI and Redoc in a real browser: Debian's headless Chromium, driven by Playwright.

The example project runs under gunicorn with DEBUG off, the way it is deployed (only
plain HTTP: ``SECURE_SSL_REDIRECT=0``, as in the load test), on PostgreSQL and Redis
from ``DATABASE_URL``/``REDIS_URL``. ``nox -s browser`` runs this module; it needs
``/usr/bin/chromium`` (``apt-get install -y chromium chromium-driver``) and fails, never
skips, without it. ``BROWSER_TEST_PORT`` fixes the server's port (default: a free one).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

EXAMPLE = Path(__file__).resolve().parent.parent
ROOT = EXAMPLE.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
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
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Swagger UI renders each of these; Redoc's default theme shows them the same way.
PACKAGE_PREFIXES = (
    "/api/lessons/",
    "/api/tutor/",
    "/api/student/",
    "/api/marketplace/",
    "/api/me/",
)
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The example project under gunicorn, DEBUG off, on a migrated database: its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    port = int(os.environ.get("BROWSER_TEST_PORT") or _free_port())
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": f"browser-test-{secrets.token_urlsafe(32)}",
        # Plain HTTP on loopback; every other production default stays as it is.
        "SECURE_SSL_REDIRECT": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
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
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=EXAMPLE,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()}")
            try:
                if _get(f"{base_url}/api/schema/?format=json")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer in 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def schema(server) -> dict:
    status, body = _get(f"{server}/api/schema/?format=json")
    assert status == 200
    return json.loads(body)


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class NetworkLog:
    """Every request a browser context made, its failures, and every error response.

    Chromium reports a request that the page's Content-Security-Policy stopped as a
    request that failed with ``csp``: it never left the browser.
    """

    def __init__(self, base_url: str) -> None:
        server = urlsplit(base_url)
        self.origin = (server.scheme, server.hostname, server.port)
        self.requests: list[str] = []
        self.failed: dict[str, str] = {}
        self.errors: list[tuple[int, str]] = []
        self.console_errors: list[str] = []

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append((response.status, response.url))

    def on_failed(self, request: Request) -> None:
        self.failed[request.url] = request.failure or ""

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        # data: and blob: URLs are the page's own memory, not the network.
        return parts.scheme in {"data", "blob"} or (
            (parts.scheme, parts.hostname, parts.port) == self.origin
        )

    def left_the_server(self) -> list[str]:
        """Requests that went anywhere but the test server."""
        return [
            url for url in self.requests if not self.is_local(url) and self.failed.get(url) != "csp"
        ]

    def blocked(self) -> list[str]:
        """Requests to other hosts that the page's policy stopped in the browser."""
        return [url for url in self.requests if not self.is_local(url) and url in self.failed]

    def failures(self) -> dict[str, str]:
        """Requests to the test server that failed (a blocked asset, a reset)."""
        return {url: reason for url, reason in self.failed.items() if self.is_local(url)}


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[tuple[Page, NetworkLog]]:
    context = browser.new_context(service_workers="block")
    log = NetworkLog(server)
    context.on("request", log.on_request)
    context.on("response", log.on_response)
    context.on("requestfailed", log.on_failed)
    page = context.new_page()
    page.on("console", log.on_console)
    page.set_default_timeout(TIMEOUT_MS)
    yield page, log
    context.close()


def operations(schema: dict) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation in the schema."""
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def redoc_title(operation: dict, path: str) -> str:
    """The name Redoc gives an operation: its summary, else its operationId, else its path."""
    return operation.get("summary") or operation.get("operationId") or path


def test_swagger_ui_lists_every_operation_and_tries_one_out(server, schema, user, page):
    page, log = page
    expected = operations(schema)
    # The three packages and the accounts app are all in the schema the page renders.
    for prefix in (*PACKAGE_PREFIXES, "/api/auth/"):
        assert any(path.startswith(prefix) for _method, path in expected), prefix

    page.goto(f"{server}/api/docs/")
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(expected))
    listed = {
        (
            block.locator(".opblock-summary-method").inner_text().strip().upper(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks.all()
    }
    assert listed == expected

    # Authorize with the token, then run GET /api/auth/me/ from the page.
    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    token_form = dialog.locator(".auth-container").filter(has_text="tokenAuth")
    token_form.locator("input").fill(f"Token {user['token']}")
    token_form.locator("button.authorize").click()
    expect(token_form.get_by_role("heading", name="Authorized")).to_be_visible()
    token_form.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    me = schema["paths"]["/api/auth/me/"]["get"]
    block = page.locator(f"#operations-{me['tags'][0]}-{me['operationId']}")
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    # The rendered response: its status cell and the JSON body with the user in it.
    live = block.locator(".live-responses-table tr.response")
    expect(live.locator("td.response-col_status")).to_have_text("200")
    expect(live.locator("td.response-col_description")).to_contain_text(user["username"])

    assert log.left_the_server() == []
    assert log.blocked() == []
    assert log.failures() == {}
    assert log.errors == []
    assert log.console_errors == []
    # The page did call the API with the token: the call went to this server too.
    assert f"{server}/api/auth/me/" in log.requests


def test_redoc_renders_every_operation(server, schema, page):
    page, log = page
    titles = {
        redoc_title(operation, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }

    page.goto(f"{server}/api/redoc/")
    headings = page.locator("[data-section-id^='operation/'] h2")
    expect(headings).to_have_count(len(operations(schema)))
    assert {text.strip() for text in headings.all_inner_texts()} == titles
    expect(page.locator("h1").first).to_contain_text(schema["info"]["title"])

    assert log.left_the_server() == []
    # Redoc's bundle asks its CDN for the sidebar logo; the page's policy stops it.
    assert all(urlsplit(url).hostname == "cdn.redoc.ly" for url in log.blocked())
    assert log.failures() == {}
    assert log.errors == []
    # Chromium reports the blocked logo on the console; nothing else may go wrong there.
    assert [text for text in log.console_errors if "cdn.redoc.ly" not in text] == []
    # The fonts came from this server, not from Google.
    assert any(url.endswith(".woff2") for url in log.requests)
