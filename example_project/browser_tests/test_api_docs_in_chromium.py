"""Swagger UI and Redoc in a real browser: Debian's headless Chromium, driven by Playwright.

Against the example project under gunicorn with DEBUG off (``conftest.py``); every
request the pages make must go to that server.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
)

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
