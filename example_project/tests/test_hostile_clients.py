"""What one hostile client can make the example project do: bounded, refused, never a 500.

The package-level answers (lists capped before their items, the listing cache) are
tested in each package; these are the example project's own: the admin's sign-in form,
the schema endpoint, passwords, error bodies and the people's names.
"""

import re

import pytest
from django.test import Client
from drf_standardized_errors.formatter import flatten_errors as library_flatten_errors
from rest_framework.exceptions import ErrorDetail

from accounts.validators import PASSWORD_MAX_LENGTH
from config.admin_login import AdminLoginUsernameThrottle
from config.errors import MAX_ERRORS, flatten_errors
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


def admin_sign_in(client: Client, username: str, password: str, **headers):
    return client.post(
        f"{ADMIN_LOGIN}?next=/admin/", {"username": username, "password": password}, **headers
    )


@pytest.fixture
def superuser():
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    user.set_password("the-right-password-42")
    user.save()
    return user


def test_admin_sign_in_is_refused_after_ten_tries_from_one_address_even_with_the_password(
    superuser,
):
    client = Client()
    wrong = [admin_sign_in(client, "root", f"wrong-{n}").status_code for n in range(10)]

    right = admin_sign_in(client, "root", "the-right-password-42")
    other_address = admin_sign_in(
        Client(), "root", "the-right-password-42", REMOTE_ADDR="198.51.100.9"
    )

    assert wrong == [200] * 10  # the form again, with its error
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert other_address.status_code == 302  # signed in: the limit is per address


def test_admin_sign_in_is_limited_per_username_across_addresses(superuser, monkeypatch):
    monkeypatch.setattr(
        AdminLoginUsernameThrottle, "THROTTLE_RATES", {"admin_login_username": "3/hour"}
    )
    statuses = [
        admin_sign_in(Client(), "ROOT", "guess", REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    another_username = admin_sign_in(Client(), "someone", "guess", REMOTE_ADDR="203.0.113.50")

    assert statuses == [200, 200, 200, 429]
    assert another_username.status_code == 200


def test_admin_sign_in_page_itself_is_not_throttled():
    client = Client()

    statuses = {client.get(ADMIN_LOGIN).status_code for _ in range(15)}

    assert statuses == {200}


def test_the_schema_is_generated_once_per_process(api_client):
    first = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    again = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    yaml = api_client.get("/api/schema/")

    assert first.status_code == again.status_code == yaml.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert "openapi" in again.json()
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.content.startswith(b"openapi:")
    assert 'filename="' in again["Content-Disposition"]


def test_the_schema_answers_the_same_bytes_as_drf_spectacular_generates(api_client):
    from drf_spectacular.views import SpectacularAPIView
    from rest_framework.test import APIRequestFactory

    ours = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    request = APIRequestFactory().get("/api/schema/", HTTP_ACCEPT="application/json")
    theirs = SpectacularAPIView.as_view()(request)
    theirs.render()

    assert ours.content == theirs.content


def test_no_request_makes_the_schema_store_grow_beyond_renderers_times_languages(api_client):
    from config import schema_view

    variants = [{"HTTP_ACCEPT": f"application/vnd.oai.openapi+json; n={n}"} for n in range(5)] + [
        {"QUERY_STRING": f"lang=zz{n}"} for n in range(5)
    ]
    variants += [{"QUERY_STRING": f"version={n}"} for n in range(5)]
    variants += [{"QUERY_STRING": "lang=uk-UA"}, {"QUERY_STRING": "lang=en"}]
    before = set(schema_view._rendered)

    answers = [api_client.get("/api/schema/", **variant) for variant in variants]

    assert {answer.status_code for answer in answers} == {200}
    json, yaml = "application/vnd.oai.openapi+json", "application/vnd.oai.openapi"
    assert set(schema_view._rendered) - before <= {(json, "en"), (yaml, "en"), (yaml, "uk")}
    assert answers[0]["Content-Type"] == "application/vnd.oai.openapi+json"


def test_the_schema_is_throttled_per_address(api_client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"schema": "2/min"})
    statuses = [api_client.get("/api/schema/").status_code for _ in range(3)]
    other_address = api_client.get("/api/schema/", REMOTE_ADDR="198.51.100.3")

    assert statuses == [200, 200, 429]
    assert other_address.status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_a_password_over_the_limit_is_refused_before_it_is_hashed(api_client, path):
    body = {"username": "long", "password": "p" * 2_400_000, "timezone": "UTC"}

    response = api_client.post(path, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["code"], e["attr"]) for e in errors] == [("max_length", "password")]
    assert len(response.content) < 1024


def test_a_password_of_the_limit_registers(api_client):
    body = {"username": "longest", "password": "p4ssw0rd" * (PASSWORD_MAX_LENGTH // 8)}

    response = api_client.post("/api/auth/register/", body, format="json")

    assert response.status_code == 201


def test_the_password_validators_refuse_a_long_password():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password("x" * (PASSWORD_MAX_LENGTH + 1))

    assert "password_too_long" in [error.code for error in refused.value.error_list]


def errors_of(count: int) -> dict:
    item = {"weekday": [ErrorDetail("Bad.", code="invalid_weekday")]}
    return {"slots": [item] * count, "other": [ErrorDetail("Worse.", code="invalid")]}


@pytest.mark.parametrize(
    "detail",
    [
        errors_of(3),
        {"a": {"b": [[ErrorDetail("x", code="c")], {}, {"d": [ErrorDetail("y", code="e")]}]}},
        [ErrorDetail("Plain.", code="invalid")],
        ErrorDetail("One.", code="one"),
    ],
)
def test_errors_flatten_as_drf_standardized_errors_flattens_them(detail):
    assert flatten_errors(detail) == library_flatten_errors(detail)


def test_an_error_body_lists_at_most_max_errors_and_is_flattened_in_linear_time():
    detail = errors_of(400_000)

    errors = flatten_errors(detail)

    assert len(errors) == MAX_ERRORS
    assert errors[0].attr == "other"
    assert errors[-1].attr == f"slots.{MAX_ERRORS - 2}.weekday"


def test_no_response_shows_a_login_name_where_a_person_has_no_display_name(api_client):
    from accounts.hooks import display_name

    nameless = UserFactory(username="secret-login", display_name="")

    assert display_name(nameless) == f"User {nameless.pk}"
    assert not re.search("secret-login", display_name(nameless))


def test_a_student_may_ask_only_a_listed_tutor_and_cannot_tell_why_not(api_client):
    from tutor_marketplace.services import profile_update

    student = UserFactory(username="curious")
    listed = UserFactory(username="listed-login", display_name="")
    profile_update(
        user=listed,
        data={
            "headline": "Maths",
            "is_published": True,
            "settings": {"hourly_rate": "40.00", "subjects": ["math"]},
        },
    )
    unpublished = UserFactory(username="drafting")
    profile_update(user=unpublished, data={"headline": "Soon", "is_published": False})
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    inactive = UserFactory(username="gone", is_active=False)
    api_client.force_authenticate(student)

    refused = [
        api_client.post("/api/student/relations/", {"tutor": tutor_id}, format="json")
        for tutor_id in (unpublished.pk, superuser.pk, inactive.pk, 987_654_321, student.pk)
    ]
    asked = api_client.post("/api/student/relations/", {"tutor": listed.pk}, format="json")

    assert {response.status_code for response in refused} == {400}
    assert len({response.content for response in refused}) == 1
    assert refused[0].json()["errors"][0]["code"] == "unavailable_tutor"
    assert asked.status_code == 201
    # Named by the display-name hook, which never falls back to the login name.
    assert asked.json()["tutor"] == {"id": listed.pk, "display_name": f"User {listed.pk}"}
    assert b"listed-login" not in asked.content
