"""The OpenAPI description, the system checks, the admin and the migrations."""

import re

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import reverse
from redis import ConnectionPool
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.factories import TutorProfileFactory
from tutor_marketplace.checks import check_metrics_retention, check_redis_timeouts, check_settings
from tutor_marketplace.errors import CODES, table
from tutor_testing.migrations import assert_no_missing_migration
from tutor_testing.schema import (
    assert_documented,
    assert_every_429_has_retry_after,
    attr_pattern,
    documented_errors,
    registry_error_codes,
)

OPERATIONS = {
    ("/api/marketplace/tutors/", "get"): {"200", "400", "401", "429"},
    ("/api/me/profile/", "get"): {"200", "401", "404", "429"},
    ("/api/me/profile/", "patch"): {"200", "400", "401", "409", "429"},
    ("/api/me/profile/availability/", "get"): {"200", "401", "404", "429"},
    ("/api/me/profile/availability/", "put"): {"200", "400", "401", "404", "429"},
    ("/api/me/profile/autosave/", "get"): {"200", "401", "404", "429"},
    ("/api/me/profile/autosave/", "put"): {"200", "400", "401", "412", "413", "429"},
    ("/api/me/profile/autosave/", "delete"): {"204", "401", "412", "429"},
    ("/api/me/profile/autosave/diff/", "get"): {"200", "401", "429"},
    ("/api/me/profile/autosave/publish/", "post"): {
        "200",
        "400",
        "401",
        "404",
        "409",
        "412",
        "429",
    },
}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_documents_its_statuses_with_examples(schema, path, method):
    statuses = OPERATIONS[(path, method)]
    refusals = ("401", "403", "404", "409", "412", "413", "429")
    assert_documented(
        schema, path, method, statuses, refusals=refusals, validation="400" in statuses
    )


def test_every_operation_documents_429_with_retry_after(schema):
    assert_every_429_has_retry_after(schema)


def test_listing_documents_every_parameter_and_x_cache(schema):
    operation = schema["paths"]["/api/marketplace/tutors/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    filters = {"subject", "min_rate", "max_rate", "weekday", "q", "ordering"}
    assert filters | {"cursor", "page_size"} <= names
    assert "X-Cache" in operation["responses"]["200"]["headers"]


def test_error_examples_show_the_registry_detail(schema):
    seen = registry_error_codes(schema, CODES)
    assert {
        "invalid_cursor",
        "slot_overlap",
        "draft_version_mismatch",
        "profile_incomplete",
    } <= seen


def test_error_table_lists_every_code():
    text = table()
    assert all(f"`{code}`" in text for code in CODES)


def test_checks_pass_for_the_test_settings():
    ids = {message.id for message in run_checks()}
    assert not {i for i in ids if i.startswith("tutor_marketplace")}
    assert "urls.W005" not in ids


def test_a_warning_says_when_nothing_prunes_the_metric_rows():
    def ids():
        return [warning.id for warning in check_metrics_retention()]

    assert ids() == []
    with override_settings(TUTOR_MARKETPLACE={"METRICS_PRUNE_INTERVAL": None}):
        assert ids() == ["tutor_marketplace.W003"]
    off = {"METRICS_PRUNE_INTERVAL": None, "METRICS_DATABASE": False}
    with override_settings(TUTOR_MARKETPLACE=off):
        assert ids() == []


def test_checks_report_bad_settings():
    bad = {
        "NOPE": 1,
        "USER_DISPLAY_NAME": "no.such.hook",
        "INVALIDATE_ON_SIGNALS": ["no.such.signal", "tests.testapp.hooks.display_name"],
        "READ_THROTTLE_RATE": "lots",
        "SLOW_MISS_WARNING_MS": 500,
        "DEFAULT_CURRENCY": "GBP",
        "CACHED_PAGE_SIZES": [20, 500],
        "USER_LISTED_FIELDS": "is_active",
    }
    with override_settings(TUTOR_MARKETPLACE=bad):
        ids = sorted(error.id for error in check_settings())
    assert ids == [
        "tutor_marketplace.E003",
        "tutor_marketplace.E004",
        "tutor_marketplace.E005",
        "tutor_marketplace.E005",
        "tutor_marketplace.E006",
        "tutor_marketplace.E007",
        "tutor_marketplace.E008",
        "tutor_marketplace.E009",
        "tutor_marketplace.E010",
    ]
    with override_settings(TUTOR_MARKETPLACE=[]):
        assert [e.id for e in check_settings()] == ["tutor_marketplace.E002"]
    with override_settings(CACHEOPS_REDIS="redis://127.0.0.1:6379/4"):
        assert [w.id for w in check_redis_timeouts()] == ["tutor_marketplace.W002"]
    # A ready pool (how a rediss:// URL's TLS options reach cacheops) is read for them.
    bare_pool = ConnectionPool.from_url("rediss://127.0.0.1:6380/4?ssl_cert_reqs=none")
    with override_settings(CACHEOPS_REDIS={"connection_pool": bare_pool}):
        assert [w.id for w in check_redis_timeouts()] == ["tutor_marketplace.W002"]
    failing_fast = ConnectionPool.from_url(
        "rediss://127.0.0.1:6380/4?ssl_cert_reqs=none",
        socket_timeout=0.25,
        socket_connect_timeout=0.25,
        retry=Retry(NoBackoff(), 0),
    )
    with override_settings(CACHEOPS_REDIS={"connection_pool": failing_fast}):
        assert check_redis_timeouts() == []
    # A host without Redis switches the cache off and needs no Redis settings at all.
    with override_settings(
        CACHEOPS_REDIS="redis://127.0.0.1:6379/4", TUTOR_MARKETPLACE={"CACHE_ENABLED": False}
    ):
        assert check_redis_timeouts() == []


def test_no_model_change_lacks_a_migration(db):
    """``makemigrations --check``: a model change without its migration fails here."""
    assert_no_missing_migration("tutor_marketplace")


def test_admin_pages_render(admin_client):
    profile = TutorProfileFactory()
    for name in ("tutorprofile", "marketplacemetrics", "subject", "profiledraft"):
        assert (
            admin_client.get(reverse(f"admin:tutor_marketplace_{name}_changelist")).status_code
            == 200
        )
    url = reverse("admin:tutor_marketplace_tutorprofile_change", args=[profile.pk])
    assert admin_client.get(url).status_code == 200
    metrics = reverse("admin:tutor_marketplace_marketplacemetrics_changelist")
    assert admin_client.get(metrics, {"metric": "marketplace_cache_hit"}).status_code == 200


# --- every 400 names a field and a code the schema documents --------------------------


SLOTS_URL = "/api/me/profile/availability/"
SLOT = {"weekday": 1, "start": "09:00", "end": "10:00"}
ANSWERED_400S = [
    # Found by schemathesis (nox -s fuzz): each slot code under the field it names, an
    # item that is not an object, a null settings object, and the draft publish.
    ("put", SLOTS_URL, [{**SLOT, "weekday": 9}]),
    ("put", SLOTS_URL, [{**SLOT, "start": "9am", "end": "25:00"}]),
    ("put", SLOTS_URL, [{**SLOT, "end": "08:00"}]),
    ("put", SLOTS_URL, [SLOT, {**SLOT, "start": "09:30", "end": "11:00"}]),
    ("put", SLOTS_URL, [SLOT] * 51),
    ("put", SLOTS_URL, [None, 5, {}]),
    ("patch", "/api/me/profile/", {"is_published": True, "settings": None}),
    ("put", "/api/me/profile/autosave/", {"headline": "a\x00b"}),
    ("post", "/api/me/profile/autosave/publish/", {"headline": None, "settings": None}),
    ("post", "/api/me/profile/autosave/publish/", {"settings": {"hourly_rate": "x"}}),
]


@pytest.mark.parametrize(("method", "path", "data"), ANSWERED_400S)
def test_every_400_names_a_documented_field_and_code(schema, api, method, path, data):
    api.patch("/api/me/profile/", {"headline": "Maths"}, format="json")
    if path.endswith("/publish/"):
        api.put("/api/me/profile/autosave/", data, format="json")
        response = api.post(path)
    else:
        response = getattr(api, method)(path, data, format="json")

    assert response.status_code == 400, response.content
    documented = list(documented_errors(schema, path, method))
    for error in response.json()["errors"]:
        assert any(
            re.fullmatch(attr_pattern(attr), error["attr"]) and error["code"] in codes
            for attr, codes in documented
        ), error


def test_the_app_config_is_the_packages_own_so_its_checks_are_registered():
    from django.apps import apps
    from django.core.checks.registry import registry

    from tutor_marketplace.apps import TutorMarketplaceConfig

    assert type(apps.get_app_config("tutor_marketplace")) is TutorMarketplaceConfig
    assert any(
        check.__module__ == "tutor_marketplace.checks" for check in registry.registered_checks
    )
