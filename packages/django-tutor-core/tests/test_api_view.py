"""The base view through HTTP: authentication, the error shape, parsing, throttles."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.sample.package import SampleReadThrottle, SampleWriteThrottle
from tutor_core.throttling import build_throttle

pytestmark = pytest.mark.django_db


def errors(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def test_signed_out_is_a_401():
    response = APIClient().get("/items/")
    assert response.status_code == 401
    assert errors(response) == [("not_authenticated", None)]


def test_a_valid_post(client, user):
    response = client.post("/items/", {"owner": user.pk, "items": [1, 2]}, format="json")
    assert response.status_code == 201
    assert response.json() == {"owner": user.pk, "items": [1, 2]}


def test_domain_errors_answer_in_the_one_shape(client, user):
    too_many = client.post("/items/", {"owner": user.pk, "items": [1, 2, 3, 4]}, format="json")
    conflict = client.post("/items/", {"owner": user.pk, "items": [7]}, format="json")
    busy = client.post("/items/", {"owner": user.pk, "items": [13]}, format="json")
    assert (too_many.status_code, errors(too_many)) == (400, [("too_many_items", "items")])
    assert too_many.json()["errors"][0]["detail"] == "At most 3 items, not 4."
    assert (conflict.status_code, errors(conflict)) == (409, [("item_conflict", None)])
    # An error's members stand beside its code in the error item; others have none.
    assert conflict.json()["errors"][0]["item"] == 7
    assert set(too_many.json()["errors"][0]) == {"code", "detail", "attr"}
    assert (busy.status_code, errors(busy), busy["Retry-After"]) == (
        503,
        [("sample_busy", None)],
        "2",
    )


def test_a_body_nested_too_deeply_is_a_400_parse_error(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/items/", body, content_type="application/json")
    assert response.status_code == 400
    assert errors(response) == [("parse_error", None)]


@pytest.mark.parametrize(
    ("owner", "code"),
    [
        (1.5, "incorrect_type"),
        (True, "incorrect_type"),
        ("1.0", "incorrect_type"),
        ("0x1", "incorrect_type"),
        (None, "null"),
        (2**63, "does_not_exist"),
        ("99999999999999999999", "incorrect_type"),
    ],
)
def test_user_field_takes_only_whole_ids(client, owner, code):
    response = client.post("/items/", {"owner": owner, "items": []}, format="json")
    assert (response.status_code, errors(response)) == (400, [(code, "owner")])


def test_user_field_takes_digits_as_text_and_refuses_inactive_users(client, user):
    accepted = client.post("/items/", {"owner": str(user.pk), "items": []}, format="json")
    assert accepted.status_code == 201
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    refused = client.post("/items/", {"owner": user.pk, "items": []}, format="json")
    assert (refused.status_code, errors(refused)) == (400, [("does_not_exist", "owner")])


@override_settings(TUTOR_SAMPLE={"READ_THROTTLE_RATE": "2/min", "WRITE_THROTTLE_RATE": "1/min"})
def test_reads_and_writes_have_their_own_rate(client, user):
    reads = [client.get("/items/").status_code for _ in range(3)]
    assert reads == [200, 200, 429]
    body = {"owner": user.pk, "items": []}
    writes = [client.post("/items/", body, format="json") for _ in range(2)]
    assert [response.status_code for response in writes] == [201, 429]
    assert errors(writes[1]) == [("throttled", None)]
    assert int(writes[1]["Retry-After"]) > 0


class CountingThrottle(SimpleRateThrottle):
    """A host's own way of counting: it records that it was asked."""

    asked = 0

    def allow_request(self, request, view):
        CountingThrottle.asked += 1
        return super().allow_request(request, view)


@override_settings(
    TUTOR_SAMPLE={
        "READ_THROTTLE_RATE": "1/min",
        "THROTTLE_BASE_CLASS": "tests.test_api_view.CountingThrottle",
    }
)
def test_throttles_are_built_on_the_throttle_base_class(client):
    before = CountingThrottle.asked
    assert [client.get("/items/").status_code for _ in range(2)] == [200, 429]
    assert CountingThrottle.asked == before + 2
    throttle = build_throttle(SampleReadThrottle)
    assert isinstance(throttle, CountingThrottle)
    assert isinstance(throttle, SampleReadThrottle)
    assert throttle.scope == "tutor_sample_read"


@override_settings(TUTOR_SAMPLE={"THROTTLE_BASE_CLASS": "builtins.dict"})
def test_a_throttle_base_class_that_is_not_a_rate_throttle_is_refused():
    with pytest.raises(ImproperlyConfigured, match="SimpleRateThrottle subclass"):
        build_throttle(SampleReadThrottle)


def test_without_a_throttle_base_class_the_throttle_is_drfs_own():
    assert type(build_throttle(SampleReadThrottle)) is SampleReadThrottle


def test_a_throttles_scope_comes_from_its_settings_unless_it_names_its_own():
    """``setting=`` names the rate; the scope is ``<settings>_<kind>`` or the class's own."""
    read, write = build_throttle(SampleReadThrottle), build_throttle(SampleWriteThrottle)
    assert (read.scope, read.rate_setting) == ("tutor_sample_read", "READ_THROTTLE_RATE")
    assert (write.scope, write.rate_setting) == ("tutor_sample_writes", "WRITE_THROTTLE_RATE")
