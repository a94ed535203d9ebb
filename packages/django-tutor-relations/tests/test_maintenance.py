"""The admin, the system checks, the models' guarantees, the migrations and the URL schemes."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from tests.factories import PersonFactory, RelationFactory, json_id, pending_relations
from tests.test_batch import error_codes
from tests.test_single import STUDENT_URL
from tutor_relations.checks import check_error_shape, check_settings, sqlite_transaction_warnings
from tutor_relations.errors import CODES, table
from tutor_relations.models import RelationStatusLog, TutorStudentRelation
from tutor_relations.services import relations_transition
from tutor_testing.migrations import assert_no_missing_migration
from tutor_testing.throttles import assert_counted_on_the_base_class

DEEPLY_NESTED = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def logged(tutor):
    relation = RelationFactory(tutor=tutor)
    relations_transition(
        tutor=tutor, relation_ids=[relation.pk], new_status="active", actor=tutor, source="single"
    )
    return relation, relation.status_log.get()


# The admin --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_relations_read_only(admin_client, logged):
    relation, _ = logged
    changelist = admin_client.get(reverse("admin:tutor_relations_tutorstudentrelation_changelist"))
    assert changelist.status_code == 200
    change_url = reverse("admin:tutor_relations_tutorstudentrelation_change", args=[relation.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert "pending" in page.content.decode()  # the inline log
    assert admin_client.post(change_url, {"status": "archived"}).status_code == 403
    add = reverse("admin:tutor_relations_tutorstudentrelation_add")
    assert admin_client.get(add).status_code == 403
    delete = reverse("admin:tutor_relations_tutorstudentrelation_delete", args=[relation.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    relation.refresh_from_db()
    assert relation.status == "active"


@pytest.mark.django_db
def test_not_even_a_superuser_adds_changes_or_deletes_log_rows(admin_client, admin_user, logged):
    assert admin_user.is_superuser
    _, entry = logged
    changelist = reverse("admin:tutor_relations_relationstatuslog_changelist")
    assert admin_client.get(changelist).status_code == 200
    change_url = reverse("admin:tutor_relations_relationstatuslog_change", args=[entry.pk])
    assert admin_client.get(change_url).status_code == 200
    assert admin_client.post(change_url, {"new_status": "archived"}).status_code == 403
    assert (
        admin_client.get(reverse("admin:tutor_relations_relationstatuslog_add")).status_code == 403
    )
    delete = reverse("admin:tutor_relations_relationstatuslog_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert RelationStatusLog.objects.filter(pk=entry.pk).exists()
    assert RelationStatusLog.objects.get(pk=entry.pk).new_status == "active"


# The models -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_log_is_append_only_through_the_orm(logged):
    _, entry = logged
    entry.new_status = "archived"
    for attempt in (
        entry.save,
        entry.delete,
        lambda: RelationStatusLog.objects.filter(pk=entry.pk).update(new_status="archived"),
        lambda: RelationStatusLog.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(TypeError, match="append-only"):
            attempt()
    assert RelationStatusLog.objects.get(pk=entry.pk).new_status == "active"
    assert "pending → active" in str(RelationStatusLog.objects.get(pk=entry.pk))


def _log_ids() -> list[tuple]:
    return list(
        RelationStatusLog.objects.order_by("pk").values_list("pk", "relation_id", "actor_id")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("deleted", ["student", "tutor"])
def test_deleting_a_user_removes_their_relations_but_not_the_log(
    deleted, tutor, student, tutor_client, student_client, admin_client
):
    created = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")
    relation_id = created.json()["id"]
    accepted = tutor_client.post(reverse("relations:tutor-accept", args=[relation_id]))
    assert accepted.status_code == 200
    before = _log_ids()
    assert [(row[1], row[2]) for row in before] == [
        (relation_id, student.pk),
        (relation_id, tutor.pk),
    ]

    {"student": student, "tutor": tutor}[deleted].delete()

    assert not TutorStudentRelation.objects.exists()
    assert _log_ids() == before
    # The read-only admin still lists and shows the rows of a relation that is gone.
    changelist = admin_client.get(reverse("admin:tutor_relations_relationstatuslog_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 2
    entry_url = reverse("admin:tutor_relations_relationstatuslog_change", args=[before[0][0]])
    assert admin_client.get(entry_url).status_code == 200


@pytest.mark.django_db
def test_the_database_refuses_a_second_relation_of_a_pair_and_a_relation_with_oneself(
    tutor, student
):
    RelationFactory(tutor=tutor, student=student)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationFactory(tutor=tutor, student=student, status="archived")
    with pytest.raises(IntegrityError), transaction.atomic():
        RelationFactory(tutor=tutor, student=tutor)
    assert str(TutorStudentRelation.objects.get()).startswith("Relation ")


@pytest.mark.django_db
def test_a_new_relation_is_pending_with_timestamps(tutor, student):
    relation = TutorStudentRelation.objects.create(tutor=tutor, student=student)
    assert relation.status == "pending"
    assert relation.created
    assert relation.modified


def test_there_is_no_transition_to_pending():
    with pytest.raises(ValueError, match="pending"):
        relations_transition(
            tutor=None, relation_ids=[1], new_status="pending", actor=None, source="single"
        )


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    """``makemigrations --check``: a model change without its migration fails here."""
    assert_no_missing_migration("tutor_relations")


# The API's edges --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["tutor-batch-accept", "student-relations"])
def test_deeply_nested_json_is_a_400_parse_error(tutor_client, name):
    response = tutor_client.post(
        reverse(f"relations:{name}"), DEEPLY_NESTED, content_type="application/json"
    )
    assert response.status_code == 400
    assert error_codes(response) == [("parse_error", None)]


@pytest.mark.django_db
def test_writes_and_reads_are_throttled_per_user_with_retry_after(tutor, tutor_client, settings):
    settings.TUTOR_RELATIONS = {"WRITE_THROTTLE_RATE": "2/min", "READ_THROTTLE_RATE": "3/min"}
    batch = pending_relations(tutor=tutor, count=1)
    accept = reverse("relations:tutor-batch-accept")
    writes = [
        tutor_client.post(accept, {"ids": [batch[0].pk]}, format="json").status_code
        for _ in range(3)
    ]
    reads = [tutor_client.get(reverse("relations:tutor-students")).status_code for _ in range(4)]

    assert writes == [200, 200, 429]
    assert reads == [200, 200, 200, 429]
    throttled = tutor_client.get(reverse("relations:tutor-recent-actions"))
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert error_codes(throttled) == [("throttled", None)]


@pytest.mark.django_db
def test_a_throttle_set_to_none_is_off(tutor_client, settings):
    settings.TUTOR_RELATIONS = {"READ_THROTTLE_RATE": None}
    statuses = {tutor_client.get(reverse("relations:tutor-students")).status_code for _ in range(5)}
    assert statuses == {200}


def test_the_one_include_reverses_every_name_in_the_relations_namespace():
    assert reverse("relations:tutor-students") == "/api/tutor/relations/students/"
    assert reverse("relations:tutor-accept", args=[3]) == "/api/tutor/relations/3/accept/"
    assert reverse("relations:student-relations") == "/api/student/relations/"


@override_settings(ROOT_URLCONF="tests.testapp.split_urls")
def test_the_two_sides_mount_separately_with_an_instance_namespace_each():
    assert reverse("tutor-relations:tutor-students") == "/api/tutor/relations/students/"
    assert reverse("student-relations:student-relations") == "/api/student/relations/"
    assert not [m for m in run_checks(tags=["urls"]) if m.id == "urls.W005"]


@override_settings(ROOT_URLCONF="tests.testapp.clashing_urls")
def test_two_includes_under_one_namespace_are_flagged_and_cannot_both_be_reversed():
    assert [m.id for m in run_checks(tags=["urls"]) if m.id == "urls.W005"] == ["urls.W005"]
    # Only the first include answers to "relations": the student side is unreachable.
    assert reverse("relations:tutor-students") == "/api/tutor/relations/students/"
    with pytest.raises(NoReverseMatch):
        reverse("relations:student-relations")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.testapp.split_urls")
def test_the_api_answers_the_same_when_mounted_separately(tutor, tutor_client, student_client):
    response = student_client.post(
        "/api/student/relations/", {"tutor": str(tutor.pk)}, format="json"
    )
    assert response.status_code == 201
    listed = tutor_client.get("/api/tutor/relations/students/").json()
    assert [r["id"] for r in listed["results"]] == [response.json()["id"]]


# The checks and the registry --------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "error_id"),
    [
        ("not a dict", "tutor_relations.E002"),
        ({"NO_SUCH_KEY": 1}, "tutor_relations.E003"),
        ({"USER_DISPLAY_NAME": "no.such.module.function"}, "tutor_relations.E004"),
        ({"REQUEST_ID": "tutor_relations.conf.SETTING_NAME"}, "tutor_relations.E004"),
        ({"TUTOR_ELIGIBILITY": "no.such.module.function"}, "tutor_relations.E004"),
        ({"MAX_BATCH_SIZE": 0}, "tutor_relations.E005"),
        ({"PAGE_SIZE": "20"}, "tutor_relations.E005"),
        ({"MAX_PAGE_SIZE": True}, "tutor_relations.E005"),
        ({"IDEMPOTENCY_PURGE_BATCH_SIZE": 0}, "tutor_relations.E005"),
        ({"PAGE_SIZE": 50, "MAX_PAGE_SIZE": 10}, "tutor_relations.E005"),
        ({"IDEMPOTENCY_KEY_TTL": 24}, "tutor_relations.E006"),
        ({"IDEMPOTENCY_KEY_TTL": timedelta(0)}, "tutor_relations.E006"),
        ({"WRITE_THROTTLE_RATE": "lots"}, "tutor_relations.E007"),
        ({"READ_THROTTLE_RATE": 600}, "tutor_relations.E007"),
    ],
)
def test_bad_settings_fail_the_system_checks(setting, error_id):
    with override_settings(TUTOR_RELATIONS=setting):
        assert [error.id for error in check_settings()] == [error_id]


# Django 6.1 model checks ask SQLite what it supports: a database connection.
@pytest.mark.django_db
def test_good_settings_pass_the_system_checks():
    good = {
        "USER_DISPLAY_NAME": "tests.test_single.display_name_field",
        "WRITE_THROTTLE_RATE": None,
        "MAX_BATCH_SIZE": 50,
        "IDEMPOTENCY_KEY_TTL": timedelta(hours=1),
    }
    with override_settings(TUTOR_RELATIONS=good):
        assert check_settings() == []
    assert call_command("check", "--fail-level", "WARNING") is None


def test_a_host_without_drf_or_the_error_handler_is_told(settings):
    from django.apps import apps

    with override_settings(
        REST_FRAMEWORK={"EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    ):
        assert [w.id for w in check_error_shape()] == ["tutor_relations.W001"]
    original = apps.is_installed
    apps.is_installed = lambda name: name != "rest_framework"
    try:
        assert [e.id for e in check_settings()] == ["tutor_relations.E001"]
    finally:
        apps.is_installed = original


@pytest.mark.parametrize(
    ("options", "warned"),
    [
        ({"transaction_mode": "IMMEDIATE"}, False),
        ({}, True),
        ({"transaction_mode": "DEFERRED"}, True),
    ],
)
def test_sqlite_without_immediate_transactions_warns(options, warned):
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "OPTIONS": options},
        "other": {"ENGINE": "django.db.backends.postgresql", "NAME": "y"},
    }
    ids = [warning.id for warning in sqlite_transaction_warnings(databases)]
    assert ids == (["tutor_relations.W002"] if warned else [])


def test_every_registry_entry_renders_and_the_docs_table_lists_it():
    rendered = table()
    for code, spec in CODES.items():
        assert spec.example_detail()
        assert f"| `{code}` | {spec.status} |" in rendered
    assert '| `not_found` | 404 |  | Not found. | `"not found"` |' in rendered


def test_registry_messages_are_translatable():
    # Lazy: rendered in the language active when a response or the schema is built.
    assert all(isinstance(spec.message, Promise) for spec in CODES.values())


def test_messages_quote_the_settings_they_enforce():
    with override_settings(TUTOR_RELATIONS={"MAX_BATCH_SIZE": 7}):
        assert CODES["too_many_ids"].detail() == "Send at most 7 ids at once."
    with override_settings(TUTOR_RELATIONS={"IDEMPOTENCY_KEY_TTL": timedelta(hours=1)}):
        assert CODES["idempotency_key_reused"].detail().endswith("in the last 1 hour.")


@pytest.mark.django_db
def test_a_smaller_batch_limit_applies(tutor_client, settings):
    settings.TUTOR_RELATIONS = {"MAX_BATCH_SIZE": 3}
    response = tutor_client.post(
        reverse("relations:tutor-batch-accept"), {"ids": [1, 2, 3, 4]}, format="json"
    )
    assert response.json()["errors"] == [
        {"code": "too_many_ids", "detail": "Send at most 3 ids at once.", "attr": "ids"}
    ]


@pytest.mark.django_db
def test_the_api_reports_users_of_the_other_model_fine(tutor_client, tutor):
    PersonFactory()
    assert tutor_client.get(reverse("relations:tutor-students")).status_code == 200


def test_the_app_config_is_the_packages_own_so_its_checks_are_registered():
    from django.apps import apps
    from django.core.checks.registry import registry

    from tutor_relations.apps import TutorRelationsConfig

    assert type(apps.get_app_config("tutor_relations")) is TutorRelationsConfig
    assert any(check.__module__ == "tutor_relations.checks" for check in registry.registered_checks)


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(tutor_client):
    """THROTTLE_BASE_CLASS (built by core, tested there): this package's end of it."""
    url = reverse("relations:tutor-students")
    assert_counted_on_the_base_class(
        tutor_client, url, setting="TUTOR_RELATIONS", scope="tutor_relations_read"
    )
