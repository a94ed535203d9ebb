"""Every error under /api/ answers in the one JSON shape, with DEBUG off (production) and on
(the demo): unknown URLs, bad hosts, oversized and malformed bodies, crashes. Other
paths keep Django's HTML pages.
"""

import json

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def only_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == ("server_error" if status >= 500 else "client_error")
    (error,) = body["errors"]
    assert error["attr"] is None
    return error


def is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/api/lessons/abc/cancel/",
        "/api/lessons/null,null/cancel/",
        "/api/lessons/1,2/reschedule/",
        "/api/nothing-here/",
    ],
)
def test_an_unknown_api_url_is_a_json_404(client, debug, path):
    error = only_error(client.post(path), 404)

    assert error == {"code": "not_found", "detail": "Not found.", "attr": None}


def test_an_unknown_page_outside_the_api_keeps_the_html_404(client, debug):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert is_html(response)


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/api/auth/register/"), ("get", "/api/auth/me/")]
)
def test_a_bad_host_header_under_the_api_is_a_json_400(client, debug, method, path):
    response = getattr(client, method)(path, HTTP_HOST="attacker.example")

    error = only_error(response, 400)
    assert error["code"] == "disallowed_host"
    assert "attacker.example" not in error["detail"]


def test_a_bad_host_header_outside_the_api_keeps_the_html_400(client, debug):
    response = client.get("/admin/login/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert is_html(response)


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_a_body_over_the_upload_limit_is_a_json_413(client, debug, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "u" * 2000, "password": "a-long-passphrase"})

    error = only_error(client.post(path, body, content_type="application/json"), 413)

    assert error["code"] == "request_too_large"


def test_a_body_over_the_upload_limit_on_me_is_a_json_413(client, debug, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(UserFactory())

    response = client.patch(
        "/api/auth/me/", json.dumps({"display_name": "x" * 2000}), "application/json"
    )

    assert only_error(response, 413)["code"] == "request_too_large"


DEEPLY_NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_deeply_nested_json_is_a_400_parse_error(client, debug, path):
    response = client.post(path, DEEPLY_NESTED, content_type="application/json")

    error = only_error(response, 400)
    assert error == {
        "code": "parse_error",
        "detail": "The JSON body is nested too deeply.",
        "attr": None,
    }


def test_deeply_nested_json_on_me_is_a_400_parse_error(client, debug):
    client.force_login(UserFactory())

    response = client.patch("/api/auth/me/", DEEPLY_NESTED, "application/json")

    assert only_error(response, 400)["code"] == "parse_error"


@pytest.mark.urls("tests.failing_urls")
@pytest.mark.parametrize("path", ["/api/crash/", "/api/drf-crash/"])
def test_a_crash_under_the_api_is_a_json_500(client, debug, path):
    client.raise_request_exception = False

    error = only_error(client.get(path), 500)

    assert error["code"] == "error"


@pytest.mark.urls("tests.failing_urls")
def test_a_crash_outside_the_api_keeps_the_html_500(client, debug):
    client.raise_request_exception = False

    response = client.get("/crash/")

    assert response.status_code == 500
    assert is_html(response)
