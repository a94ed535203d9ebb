"""The accounts API: register, token, me — and its error shape."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, TokenFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/auth/register/"
TOKEN_URL = "/api/auth/token/"
ME_URL = "/api/auth/me/"


def registration(**overrides):
    return {
        "username": "taras",
        "password": "a-long-passphrase",
        "display_name": "Taras",
        "timezone": "Europe/Kyiv",
        **overrides,
    }


def error_codes(response):
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def test_register_creates_user_and_returns_token(api_client):
    response = api_client.post(REGISTER_URL, registration(), format="json")

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(username="taras")
    assert body == {
        "id": user.pk,
        "username": "taras",
        "display_name": "Taras",
        "timezone": "Europe/Kyiv",
        "token": Token.objects.get(user=user).key,
    }
    assert user.check_password("a-long-passphrase")


def test_register_defaults_timezone_to_utc(api_client):
    response = api_client.post(
        REGISTER_URL, {"username": "emma", "password": "a-long-passphrase"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["timezone"] == "UTC"
    assert response.json()["display_name"] == ""


def test_register_rejects_unknown_timezone(api_client):
    response = api_client.post(REGISTER_URL, registration(timezone="Mars/Olympus"), format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert error_codes(response) == [("timezone", "invalid_timezone")]
    assert not User.objects.exists()


def test_register_runs_password_validators(api_client):
    response = api_client.post(REGISTER_URL, registration(password="123"), format="json")

    assert response.status_code == 400
    codes = error_codes(response)
    assert ("password", "password_too_short") in codes
    assert ("password", "password_entirely_numeric") in codes


def test_register_rejects_password_similar_to_username(api_client):
    response = api_client.post(
        REGISTER_URL,
        registration(username="olena-kovalenko", password="olena-kovalenko"),
        format="json",
    )

    assert response.status_code == 400
    assert ("password", "password_too_similar") in error_codes(response)


def test_register_rejects_taken_username(api_client):
    UserFactory(username="taras")

    response = api_client.post(REGISTER_URL, registration(), format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("username", "unique")]


def test_register_rejects_missing_fields_with_field_level_errors(api_client):
    response = api_client.post(REGISTER_URL, {}, format="json")

    assert response.status_code == 400
    assert set(error_codes(response)) == {("username", "required"), ("password", "required")}


def test_register_rejects_invalid_username_characters(api_client):
    response = api_client.post(REGISTER_URL, registration(username="no spaces"), format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("username", "invalid")]


def test_register_ignores_a_session_cookie_without_csrf_token(api_client):
    # Signed in through the admin, a browser still may register another account.
    api_client.force_login(UserFactory())
    api_client.handler.enforce_csrf_checks = True

    response = api_client.post(REGISTER_URL, registration(), format="json")

    assert response.status_code == 201


def test_register_is_throttled_per_client(api_client, tight_auth_throttles):
    statuses = [
        api_client.post(REGISTER_URL, registration(username=f"user{n}"), format="json").status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]


def test_token_is_throttled_with_retry_after(api_client, tight_auth_throttles):
    for _attempt in range(2):
        api_client.post(TOKEN_URL, {"username": "x", "password": "y"}, format="json")

    response = api_client.post(TOKEN_URL, {"username": "x", "password": "y"}, format="json")

    assert response.status_code == 429
    assert error_codes(response) == [(None, "throttled")]
    assert "Retry-After" in response.headers


def test_token_returns_the_users_token(api_client):
    token = TokenFactory(user=UserFactory(username="olena"))

    response = api_client.post(
        TOKEN_URL, {"username": "olena", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"token": token.key}


def test_token_is_created_on_first_sign_in(api_client):
    user = UserFactory(username="james")

    response = api_client.post(
        TOKEN_URL, {"username": "james", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_token_rejects_wrong_password(api_client):
    UserFactory(username="olena")

    response = api_client.post(TOKEN_URL, {"username": "olena", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("non_field_errors", "invalid_credentials")]


def test_token_rejects_inactive_user(api_client):
    UserFactory(username="olena", is_active=False)

    response = api_client.post(
        TOKEN_URL, {"username": "olena", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_me_returns_profile_for_token_holder(api_client):
    token = TokenFactory(user=UserFactory(username="kenji", timezone="Asia/Tokyo"))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "id": token.user.pk,
        "username": "kenji",
        "display_name": "Kenji",
        "timezone": "Asia/Tokyo",
    }


def test_me_requires_authentication(api_client):
    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }


def test_me_rejects_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(ME_URL)

    assert response.status_code == 401
    assert error_codes(response) == [(None, "authentication_failed")]


def test_me_accepts_session_authentication(api_client):
    user = UserFactory()
    api_client.force_login(user)

    assert api_client.get(ME_URL).json()["id"] == user.pk


def test_patch_me_changes_timezone_and_display_name(api_client):
    user = UserFactory(timezone="Europe/Kyiv")
    api_client.force_authenticate(user)

    response = api_client.patch(
        ME_URL, {"timezone": "Europe/London", "display_name": "Emma W."}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/London"
    user.refresh_from_db()
    assert (user.timezone, user.display_name) == ("Europe/London", "Emma W.")


def test_patch_me_leaves_omitted_fields_alone(api_client):
    user = UserFactory(timezone="Asia/Tokyo", display_name="Kenji")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {}, format="json")

    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Tokyo"
    assert response.json()["display_name"] == "Kenji"


def test_patch_me_rejects_unknown_timezone(api_client):
    user = UserFactory(timezone="Europe/Kyiv")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {"timezone": "Europe/Atlantis"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == [("timezone", "invalid_timezone")]
    user.refresh_from_db()
    assert user.timezone == "Europe/Kyiv"


def test_patch_me_cannot_change_username(api_client):
    user = UserFactory(username="taras")
    api_client.force_authenticate(user)

    response = api_client.patch(ME_URL, {"username": "root"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "taras"
