"""JSON logs: one access line per request, request ids, and other loggers' extras."""

import json
import logging

import pytest

from config.logging import request_id_var
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db


def json_lines(captured: str) -> list[dict]:
    # Every line on stdout must be one JSON object.
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def access_lines(captured: str) -> list[dict]:
    return [line for line in json_lines(captured) if line.get("event") == "http_request"]


def test_each_request_writes_exactly_one_access_line(api_client, capsys):
    token = TokenFactory()
    capsys.readouterr()

    api_client.get("/api/auth/me/")  # 401
    api_client.post("/api/auth/register/", {}, format="json")  # 400
    api_client.get("/no/such/page/")  # 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    api_client.get("/api/auth/me/")  # 200

    lines = json_lines(capsys.readouterr().out)
    assert [line["event"] for line in lines] == ["http_request"] * 4
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/api/auth/me/", 401),
        ("POST", "/api/auth/register/", 400),
        ("GET", "/no/such/page/", 404),
        ("GET", "/api/auth/me/", 200),
    ]
    assert [line["user_id"] for line in lines] == [None, None, None, token.user.pk]
    for line in lines:
        assert isinstance(line["duration_ms"], float)
        assert round(line["duration_ms"], 2) == line["duration_ms"]
        assert len(line["request_id"]) == 32
        assert line["level"] == "INFO"
        assert "timestamp" in line


def test_access_line_reports_session_user(api_client, capsys):
    token = TokenFactory()
    api_client.force_login(token.user)
    capsys.readouterr()

    api_client.get("/api/auth/me/")

    (line,) = access_lines(capsys.readouterr().out)
    assert line["user_id"] == token.user.pk


def test_sane_incoming_request_id_is_kept_and_echoed(api_client, capsys):
    response = api_client.get("/api/auth/me/", HTTP_X_REQUEST_ID="edge-42.abc_DEF")

    assert response.headers["X-Request-ID"] == "edge-42.abc_DEF"
    (line,) = access_lines(capsys.readouterr().out)
    assert line["request_id"] == "edge-42.abc_DEF"


@pytest.mark.parametrize("incoming", ["has space", "x" * 129, 'quote"s', "new\nline", ""])
def test_unsafe_incoming_request_id_is_replaced(api_client, capsys, incoming):
    response = api_client.get("/api/auth/me/", HTTP_X_REQUEST_ID=incoming)

    echoed = response.headers["X-Request-ID"]
    assert echoed != incoming
    assert len(echoed) == 32
    (line,) = access_lines(capsys.readouterr().out)
    assert line["request_id"] == echoed


def test_domain_event_extras_become_json_keys_with_request_id(capsys):
    context_token = request_id_var.set("req-1")
    try:
        logging.getLogger("tutor_lessons").info(
            "lesson scheduled", extra={"event": "lesson_scheduled", "lesson_id": 5}
        )
    finally:
        request_id_var.reset(context_token)

    (line,) = json_lines(capsys.readouterr().out)
    assert line["event"] == "lesson_scheduled"
    assert line["lesson_id"] == 5
    assert line["request_id"] == "req-1"
    assert line["logger"] == "tutor_lessons"
    assert line["message"] == "lesson scheduled"


def test_log_lines_outside_a_request_have_null_request_id(capsys):
    logging.getLogger("accounts").warning("hello")

    (line,) = json_lines(capsys.readouterr().out)
    assert line["request_id"] is None
    assert line["level"] == "WARNING"


@pytest.mark.urls("tests.failing_urls")
def test_server_error_logs_traceback_as_json_besides_the_access_line(client, capsys):
    client.raise_request_exception = False

    response = client.get("/crash/")

    assert response.status_code == 500
    lines = json_lines(capsys.readouterr().out)
    errors = [line for line in lines if line["logger"] == "django.request"]
    (access,) = [line for line in lines if line.get("event") == "http_request"]
    assert len(lines) == 2
    assert access["status"] == 500
    assert errors[0]["level"] == "ERROR"
    assert "RuntimeError: boom" in errors[0]["exc_info"]
    assert errors[0]["request_id"] == access["request_id"]
