"""Fixtures of core's suite: a signed-in API client of the sample package, a clean cache."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("olena", password="pw")


@pytest.fixture
def client(user) -> APIClient:
    # A 5xx is reported through got_request_exception, which the test client re-raises.
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    return api
