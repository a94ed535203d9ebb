"""CORS: a browser frontend on another origin may call the API with its token.

django-cors-headers answers the preflights and adds the headers; what is checked here
is this project's configuration of it: which origins, which paths, which request and
response headers, and where it sits among the middleware.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_origins
from tests.factories import TokenFactory
from tests.test_deploy_settings import refused_settings, run_in_project

pytestmark = pytest.mark.django_db

ALLOWED = "http://localhost:5173"
# The request headers a frontend sends beyond the safelisted ones, and those the API reads.
REQUEST_HEADERS = {
    "authorization",
    "content-type",
    "accept-language",
    "idempotency-key",
    "if-match",
    "x-request-id",
}
EXPOSED = {"etag", "idempotent-replayed", "retry-after", "x-cache", "x-request-id"}
# (path, method) of a write or read in each package and the accounts app.
ENDPOINTS = [
    ("/api/auth/me/", "PATCH"),
    ("/api/lessons/", "POST"),
    ("/api/tutor/relations/batch/accept/", "POST"),
    ("/api/me/profile/autosave/", "PUT"),
    ("/api/marketplace/tutors/", "GET"),
]


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED, "https://app.example.com"]


def listed(value: str | None) -> set[str]:
    """A comma-separated header value, as a set of lower-case names."""
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


def preflight(client, path: str, method: str = "POST", origin: str = ALLOWED):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.mark.parametrize(("path", "method"), ENDPOINTS)
def test_a_preflight_from_an_allowed_origin_is_answered_without_authentication(
    client, path, method
):
    response = preflight(client, path, method)

    assert response.status_code == 200
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert listed(response["Access-Control-Allow-Headers"]) >= REQUEST_HEADERS
    assert method.lower() in listed(response["Access-Control-Allow-Methods"])
    assert response["Access-Control-Max-Age"] == "7200"
    # Tokens, not cookies: a credentialed request from another origin is refused.
    assert "Access-Control-Allow-Credentials" not in response
    # The access log (outside CorsMiddleware) recorded the preflight and gave it an id.
    assert response["X-Request-ID"]


def test_a_response_to_an_allowed_origin_exposes_the_apis_headers(client):
    token = TokenFactory()

    response = client.get(
        "/api/auth/me/",
        headers={"Origin": ALLOWED, "Authorization": f"Token {token.key}"},
    )

    assert response.status_code == 200
    assert response.json()["username"] == token.user.username
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert listed(response["Access-Control-Expose-Headers"]) >= EXPOSED
    assert "Access-Control-Allow-Credentials" not in response
    # The answer depends on Origin: a shared cache must not hand it to another origin.
    assert "origin" in listed(response["Vary"])


def test_an_error_django_rendered_under_api_keeps_its_cors_headers(client):
    # ApiErrorMiddleware replaces Django's 404 page with a new JSON response; the CORS
    # headers must be added to that one, or the frontend cannot read the error.
    response = client.get("/api/no-such-endpoint/", headers={"Origin": ALLOWED})

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert listed(response["Access-Control-Expose-Headers"]) >= EXPOSED


def test_an_unauthenticated_api_call_from_an_allowed_origin_can_read_its_401(client):
    response = client.get("/api/auth/me/", headers={"Origin": ALLOWED})

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://localhost:5174",  # another port
        "https://localhost:5173",  # another scheme
        "http://127.0.0.1:5173",  # another host, though the same machine
        "null",
    ],
)
def test_an_origin_not_allowed_gets_no_cors_headers(client, origin):
    token = TokenFactory()

    answered = preflight(client, "/api/auth/me/", "PATCH", origin=origin)
    fetched = client.get(
        "/api/auth/me/", headers={"Origin": origin, "Authorization": f"Token {token.key}"}
    )

    # The preflight is answered, but without the header the browser refuses the call.
    assert "Access-Control-Allow-Origin" not in answered
    assert "Access-Control-Allow-Headers" not in answered
    assert fetched.status_code == 200
    assert "Access-Control-Allow-Origin" not in fetched
    assert "Access-Control-Expose-Headers" not in fetched


@pytest.mark.parametrize("path", ["/admin/login/", "/metrics", "/apiary/", "/static/x.css"])
def test_paths_outside_api_get_no_cors_headers(client, path):
    fetched = client.get(path, headers={"Origin": ALLOWED})
    answered = preflight(client, path, "POST")

    assert "Access-Control-Allow-Origin" not in fetched
    assert "Access-Control-Allow-Origin" not in answered
    assert "Access-Control-Allow-Methods" not in answered


# --- CORS_ALLOWED_ORIGINS from the environment -------------------------------------------


def test_origins_are_read_comma_separated(monkeypatch):
    monkeypatch.setenv(
        "CORS_ALLOWED_ORIGINS",
        " http://localhost:5173 ,https://app.example.com,,http://[::1]:8080,http://10.0.0.2",
    )

    assert env_origins("CORS_ALLOWED_ORIGINS") == [
        "http://localhost:5173",
        "https://app.example.com",
        "http://[::1]:8080",
        "http://10.0.0.2",
    ]


@pytest.mark.parametrize(
    "origin",
    [
        "localhost:5173",  # no scheme
        "http://localhost:5173/",  # a trailing slash: never in an Origin header
        "https://app.example.com/app",
        "https://app.example.com?x=1",
        "ftp://files.example.com",
        "*",
        "http://LOCALHOST:5173",  # browsers send the host in lower case
        "http://user@localhost:5173",
        "http://localhost:0",
        "http://localhost:65536",
        "http://",
    ],
)
def test_a_malformed_origin_is_refused(monkeypatch, origin):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"http://localhost:3000,{origin}")

    with pytest.raises(ImproperlyConfigured, match="scheme://host\\[:port\\]"):
        env_origins("CORS_ALLOWED_ORIGINS")


@pytest.mark.parametrize("origin", ["http://example.com:80", "https://example.com:443"])
def test_an_origin_with_its_default_port_is_refused(monkeypatch, origin):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", origin)

    with pytest.raises(ImproperlyConfigured, match="without its default port"):
        env_origins("CORS_ALLOWED_ORIGINS")


def test_a_malformed_origin_stops_the_start_up():
    error = refused_settings(CORS_ALLOWED_ORIGINS="https://app.example.com/")

    assert "ImproperlyConfigured" in error
    assert "CORS_ALLOWED_ORIGINS must list origins" in error


def test_no_origin_is_allowed_by_default():
    result = run_in_project(
        ["-c", "from config import settings; print(settings.CORS_ALLOWED_ORIGINS)"]
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
