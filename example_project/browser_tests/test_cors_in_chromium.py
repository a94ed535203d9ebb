"""A frontend on another origin calls the API from Chromium, as a dev server's page does.

The page comes from a stand-in for a frontend's dev server (``conftest.py``) on another
port than the API's, so every ``fetch()`` is cross-origin and Chromium enforces CORS
itself: a write with ``Authorization`` and JSON needs a preflight the server answers,
and the page reads a body and an exposed header only when the answer allows its origin.
No request is routed or mocked by Playwright (its routing answers preflights itself).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

TIMEOUT_MS = 30_000
ANSWERED_PREFLIGHTS = re.compile(
    r'^http_requests_total\{method="OPTIONS",status="200"\} (\S+)$', re.MULTILINE
)
# Runs in the page: a preflighted PATCH and a plain GET of the user, with the token.
CALL_THE_API = """
async ({api, token, displayName}) => {
  const outcome = async (response) => ({
    status: response.status,
    body: await response.json(),
    requestId: response.headers.get("X-Request-ID"),
    // Not exposed: a page on another origin must not see it.
    frameOptions: response.headers.get("X-Frame-Options"),
  });
  const call = async (init) => {
    try {
      return await outcome(await fetch(api + "/api/auth/me/", init));
    } catch (error) {
      return {error: `${error.name}: ${error.message}`};
    }
  };
  const authorization = {"Authorization": `Token ${token}`};
  return {
    patch: await call({
      method: "PATCH",
      headers: {
        ...authorization,
        "Content-Type": "application/json",
        "X-Request-ID": "cors-browser-test",
      },
      body: JSON.stringify({display_name: displayName}),
    }),
    get: await call({headers: authorization}),
  };
}
"""


@pytest.fixture
def page(new_page) -> tuple[Page, list[str]]:
    """A page, and the errors Chromium reports on its console."""
    return new_page(service_workers="block")


def answered_preflights(page: Page, server: str) -> float:
    """How many OPTIONS requests the server answered 200 (its own Prometheus counter)."""
    metrics = page.request.get(f"{server}/metrics").text()
    found = ANSWERED_PREFLIGHTS.search(metrics)
    return float(found.group(1)) if found else 0.0


def test_a_frontend_on_an_allowed_origin_calls_the_api_with_its_token(
    server, frontends, user, page
):
    page, console_errors = page
    preflights_before = answered_preflights(page, server)
    page.goto(f"{frontends.allowed}/")

    calls = page.evaluate(
        CALL_THE_API,
        {"api": server, "token": user["token"], "displayName": "From the dev server"},
    )

    assert calls["patch"].get("status") == 200, calls
    assert calls["patch"]["body"]["display_name"] == "From the dev server"
    # An exposed header, echoed from the request (a header the preflight had to allow).
    assert calls["patch"]["requestId"] == "cors-browser-test"
    assert calls["get"].get("status") == 200, calls
    assert calls["get"]["body"]["username"] == user["username"]
    assert calls["get"]["body"]["display_name"] == "From the dev server"
    assert re.fullmatch(r"[0-9a-f]{32}", calls["get"]["requestId"] or "")
    assert calls["get"]["frameOptions"] is None
    # The PATCH was preflighted, and the server (not the browser) answered the preflight.
    assert answered_preflights(page, server) > preflights_before
    assert console_errors == []


def test_a_frontend_on_another_origin_is_refused_by_the_browser(server, frontends, user, page):
    page, console_errors = page
    page.goto(f"{frontends.refused}/")

    calls = page.evaluate(
        CALL_THE_API, {"api": server, "token": user["token"], "displayName": "Refused"}
    )

    assert calls == {
        "patch": {"error": "TypeError: Failed to fetch"},
        "get": {"error": "TypeError: Failed to fetch"},
    }
    # CORS refused both (Chromium also logs each as a failed load), the PATCH at its
    # preflight: the write itself was never sent.
    refusals = [text for text in console_errors if "blocked by CORS policy" in text]
    assert len(refusals) == 2, console_errors
    assert "Response to preflight request doesn't pass access control check" in refusals[0]
    assert [text for text in console_errors if text not in refusals] == [
        "Failed to load resource: net::ERR_FAILED"
    ] * 2
    me = page.request.get(
        f"{server}/api/auth/me/", headers={"Authorization": f"Token {user['token']}"}
    )
    assert me.json()["display_name"] != "Refused"
