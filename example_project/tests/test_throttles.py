"""Every accounts endpoint is throttled, keyed on the real client, and says so in the schema."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/auth/register/"
TOKEN_URL = "/api/auth/token/"
ME_URL = "/api/auth/me/"


def register(api_client, username: str, **headers):
    body = {"username": username, "password": "a-long-passphrase"}
    return api_client.post(REGISTER_URL, body, format="json", **headers)


def sign_in(api_client, **headers):
    body = {"username": "nobody", "password": "wrong"}
    return api_client.post(TOKEN_URL, body, format="json", **headers)


def test_a_new_x_forwarded_for_does_not_reset_the_registration_limit(
    api_client, tight_auth_throttles
):
    # With no trusted proxy the header is the client's own word: it must not count.
    statuses = [
        register(api_client, f"user{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]


def test_a_new_x_forwarded_for_does_not_reset_the_sign_in_limit(api_client, tight_auth_throttles):
    statuses = [
        sign_in(api_client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]

    assert statuses == [400, 400, 429]


def test_behind_one_trusted_proxy_the_address_it_appended_is_the_client(
    api_client, tight_auth_throttles, settings
):
    # What TRUSTED_PROXY_COUNT=1 sets; DRF re-reads its settings when they change.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    same_client = [
        sign_in(api_client, HTTP_X_FORWARDED_FOR=forwarded).status_code
        for forwarded in ("198.51.100.1, 203.0.113.7", "198.51.100.2, 203.0.113.7", "203.0.113.7")
    ]
    other_client = sign_in(api_client, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.8")

    assert same_client == [400, 400, 429]
    assert other_client.status_code == 400


def test_me_is_throttled_per_user_with_retry_after(api_client, tight_auth_throttles):
    api_client.force_authenticate(UserFactory(username="kenji"))
    allowed = [
        api_client.get(ME_URL).status_code,
        api_client.patch(ME_URL, {"display_name": "Kenji S."}, format="json").status_code,
    ]

    throttled = api_client.get(ME_URL)
    api_client.force_authenticate(UserFactory(username="emma"))
    other_user = api_client.get(ME_URL)

    assert allowed == [200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["errors"][0]["code"] == "throttled"
    assert int(throttled.headers["Retry-After"]) > 0
    assert other_user.status_code == 200


def test_every_auth_operation_documents_429_with_retry_after(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        if path.startswith("/api/auth/")
        for method, operation in methods.items()
    }

    assert set(operations) == {
        ("/api/auth/register/", "post"),
        ("/api/auth/token/", "post"),
        ("/api/auth/me/", "get"),
        ("/api/auth/me/", "patch"),
    }
    for key, operation in operations.items():
        throttled = operation["responses"].get("429")
        assert throttled is not None, key
        assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer"}, key
        examples = throttled["content"]["application/json"]["examples"].values()
        assert {example["value"]["errors"][0]["code"] for example in examples} == {"throttled"}
        # A response header, not a request parameter.
        assert "Retry-After" not in [param["name"] for param in operation.get("parameters", [])]
