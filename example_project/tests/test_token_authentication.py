"""accounts.authentication.TokenAuthentication: DRF's behaviour, one compiled query less."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import authentication as drf_authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from accounts.authentication import TokenAuthentication
from tests.factories import TokenFactory

pytestmark = pytest.mark.django_db

ME_URL = "/api/auth/me/"


def request_with(header):
    return APIRequestFactory().get(ME_URL, HTTP_AUTHORIZATION=header)


def instance_fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_same_user_and_token_as_drf_in_one_query():
    token = TokenFactory(user__display_name="Olena", user__timezone="Europe/Kyiv")
    header = f"Token {token.key}"
    drf_user, drf_token = drf_authentication.TokenAuthentication().authenticate(
        request_with(header)
    )

    with CaptureQueriesContext(connection) as queries:
        user, found = TokenAuthentication().authenticate(request_with(header))
        assert found.user is user  # cached as select_related leaves it: no second query

    assert len(queries) == 1
    assert type(user) is type(drf_user)
    assert instance_fields(user) == instance_fields(drf_user)
    assert instance_fields(found) == instance_fields(drf_token)
    # Converted as the ORM converts them (aware datetimes, real booleans on SQLite too).
    assert user.date_joined.tzinfo is not None
    assert found.created.tzinfo is not None
    assert user.is_active is True
    assert user._state.db == "default"
    assert not user._state.adding


def test_inactive_user_is_refused_like_drf(api_client):
    token = TokenFactory(user__is_active=False)

    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401
    assert response.json()["errors"] == [
        {"code": "authentication_failed", "detail": "User inactive or deleted.", "attr": None}
    ]


@pytest.mark.parametrize("key", ["0" * 40, "not-a-token", "a\x00b", "x" * 5000])
def test_unknown_or_impossible_keys_are_invalid_tokens(api_client, key):
    TokenFactory()

    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert response.json()["errors"] == [
        {"code": "authentication_failed", "detail": "Invalid token.", "attr": None}
    ]


def test_the_header_rules_are_drfs():
    with pytest.raises(AuthenticationFailed, match="No credentials provided"):
        TokenAuthentication().authenticate(request_with("Token"))
    with pytest.raises(AuthenticationFailed, match="should not contain spaces"):
        TokenAuthentication().authenticate(request_with("Token a b"))
    assert TokenAuthentication().authenticate(request_with("Bearer abc")) is None
