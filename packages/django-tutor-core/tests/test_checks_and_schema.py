import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from tests.sample.package import sample_settings
from tutor_core import checks


def ids(messages):
    return [message.id for message in messages]


def test_required_apps():
    assert checks.required_apps("tutor_sample", ["rest_framework"]) == []
    assert ids(checks.required_apps("tutor_sample", ["django_filters"])) == ["tutor_sample.E001"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ({}, []),
        ([], ["tutor_sample.E002"]),
        ({"MAX_ITEM": 1}, ["tutor_sample.E003"]),
        ({"DISPLAY_NAME": "no.such.module"}, ["tutor_sample.E004"]),
        ({"DISPLAY_NAME": "tests.sample.package.DEFAULTS"}, ["tutor_sample.E004"]),
        ({"DISPLAY_NAME": len}, []),
    ],
)
def test_settings_shape(written, expected):
    with override_settings(TUTOR_SAMPLE=written):
        assert ids(checks.settings_shape("tutor_sample", sample_settings)) == expected


@pytest.mark.parametrize(
    ("rate", "valid"),
    [
        ("60/min", True),
        ("1/s", True),
        ("10/day", True),
        (None, True),
        ("60", False),
        ("x/min", False),
        (60, False),
        ("5/week", False),
    ],
)
def test_rates(rate, valid):
    with override_settings(TUTOR_SAMPLE={"READ_THROTTLE_RATE": rate}):
        found = checks.rates("tutor_sample", sample_settings, ["READ_THROTTLE_RATE"], number=6)
    assert ids(found) == ([] if valid else ["tutor_sample.E006"])


def test_error_shape():
    assert checks.error_shape("tutor_sample", "Sample API") == []
    with override_settings(
        REST_FRAMEWORK={"EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    ):
        assert ids(checks.error_shape("tutor_sample", "Sample API")) == ["tutor_sample.W001"]


@pytest.fixture
def operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema["paths"]["/items/"]["post"], schema


def test_every_operation_documents_401_and_429_with_retry_after(operation):
    post, schema = operation
    assert {"401", "429"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    examples = post["responses"]["401"]["content"]["application/json"]["examples"]
    assert examples["NotSignedIn"]["value"]["errors"][0]["code"] == "not_authenticated"
    get = schema["paths"]["/items/"]["get"]
    assert "Retry-After" in get["responses"]["429"]["headers"]


def test_user_field_has_the_type_of_the_user_key(operation):
    post, schema = operation
    reference = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert component["properties"]["owner"]["type"] == "integer"


def test_core_docstrings_do_not_describe_operations(operation):
    _post, schema = operation
    assert "description" not in schema["paths"]["/items/"]["get"]
    assert "subclass it once" not in str(schema)


def test_shared_checks_register_w001_and_w002_for_a_package(settings):
    from django.core.checks.registry import registry

    before = set(registry.registered_checks)
    shared = checks.register_shared("tutor_sample", "Sample API", sqlite_risk="items twice")
    with_sqlite = registry.registered_checks - before
    checks.register_shared("tutor_other", "Other API")
    registered = registry.registered_checks - before
    registry.registered_checks -= registered  # the other tests' `check` runs without them
    assert shared.error_shape in with_sqlite
    assert (len(with_sqlite), len(registered)) == (2, 3), "no W002 without a risk"
    (warning,) = shared.sqlite_warnings({"default": {"ENGINE": "django.db.backends.sqlite3"}})
    assert (warning.id, "items twice" in warning.msg) == ("tutor_sample.W002", True)
    settings.REST_FRAMEWORK = {"EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    assert [w.id for w in shared.error_shape()] == ["tutor_sample.W001"]
