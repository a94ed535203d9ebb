"""The command, the admin, the system checks and the migrations."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import modify_settings, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import LessonFactory, PersonFactory
from tutor_lessons.checks import check_error_shape, check_settings
from tutor_lessons.models import TUTOR_NO_OVERLAP, Lesson, LessonStatus
from tutor_testing.migrations import assert_no_missing_migration


@pytest.mark.django_db
def test_complete_past_lessons_completes_only_ended_scheduled_lessons():
    now = timezone.now()
    ended = LessonFactory(start=now - timedelta(hours=2), end=now - timedelta(hours=1))
    running = LessonFactory(start=now - timedelta(minutes=10), end=now + timedelta(minutes=50))
    upcoming = LessonFactory(start=now + timedelta(hours=1), end=now + timedelta(hours=2))
    cancelled = LessonFactory(
        start=now - timedelta(hours=4), end=now - timedelta(hours=3), status=LessonStatus.CANCELLED
    )
    out = StringIO()

    call_command("complete_past_lessons", stdout=out)

    assert "Marked 1 lesson(s) completed." in out.getvalue()
    statuses = dict(Lesson.objects.values_list("pk", "status"))
    assert statuses == {
        ended.pk: "completed",
        running.pk: "scheduled",
        upcoming.pk: "scheduled",
        cancelled.pk: "cancelled",
    }
    call_command("complete_past_lessons", stdout=out)
    assert "Marked 0 lesson(s) completed." in out.getvalue()


@pytest.mark.django_db
def test_the_admin_lists_and_shows_lessons_read_only(admin_client, lesson):
    changelist = admin_client.get(reverse("admin:tutor_lessons_lesson_changelist"))
    assert changelist.status_code == 200
    change_url = reverse("admin:tutor_lessons_lesson_change", args=[lesson.pk])
    assert admin_client.get(change_url).status_code == 200
    moved = admin_client.post(change_url, {"start_0": "2030-01-01", "start_1": "10:00:00"})
    assert moved.status_code == 403
    assert admin_client.get(reverse("admin:tutor_lessons_lesson_add")).status_code == 403
    lesson.refresh_from_db()
    assert lesson.start.year != 2030


@pytest.mark.django_db
def test_the_admin_cancels_through_the_service(admin_client, admin_user, lesson):
    now = timezone.now()
    started = LessonFactory(start=now - timedelta(minutes=5), end=now + timedelta(minutes=30))

    response = admin_client.post(
        reverse("admin:tutor_lessons_lesson_changelist"),
        {"action": "cancel_lessons", "_selected_action": [lesson.pk, started.pk]},
        follow=True,
    )

    text = response.content.decode()
    assert "Cancelled 1 lesson(s)." in text
    assert f"#{started.pk}: The lesson has already started" in text
    lesson.refresh_from_db()
    started.refresh_from_db()
    assert (lesson.status, lesson.cancelled_by) == (LessonStatus.CANCELLED, admin_user)
    assert started.status == LessonStatus.SCHEDULED


@pytest.mark.django_db
def test_staff_who_may_only_view_lessons_cannot_cancel_them(client, lesson):
    viewer = PersonFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_lesson"))
    client.force_login(viewer)
    changelist = reverse("admin:tutor_lessons_lesson_changelist")

    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "cancel_lessons", "_selected_action": [lesson.pk]})

    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED


@pytest.mark.parametrize(
    ("setting", "error_id"),
    [
        ("not a dict", "tutor_lessons.E002"),
        ({"NO_SUCH_KEY": 1}, "tutor_lessons.E003"),
        ({"USER_TIMEZONE": "no.such.module.function"}, "tutor_lessons.E004"),
        ({"SCHEDULING_POLICY": "tutor_lessons.conf.SETTING_NAME"}, "tutor_lessons.E004"),
        ({"MIN_DURATION": 15}, "tutor_lessons.E005"),
        ({"BOOKING_HORIZON": "2 years"}, "tutor_lessons.E005"),
        ({"CALENDAR_MAX_EVENTS": 0}, "tutor_lessons.E006"),
        ({"WRITE_THROTTLE_RATE": "lots"}, "tutor_lessons.E007"),
        ({"READ_THROTTLE_RATE": "10/"}, "tutor_lessons.E007"),
        ({"READ_THROTTLE_RATE": 600}, "tutor_lessons.E007"),
        ({"LOCK_TIMEOUT": 5}, "tutor_lessons.E008"),
        ({"LOCK_TIMEOUT": timedelta(seconds=-1)}, "tutor_lessons.E008"),
    ],
)
def test_bad_settings_fail_the_system_checks(setting, error_id):
    with override_settings(TUTOR_LESSONS=setting):
        assert [error.id for error in check_settings()] == [error_id]


def test_good_settings_pass_the_system_checks():
    good = {
        "USER_TIMEZONE": "tests.test_create.tokyo_for_everyone",
        "WRITE_THROTTLE_RATE": None,
        "MAX_DURATION": timedelta(hours=2),
        "LOCK_TIMEOUT": None,
    }
    with override_settings(TUTOR_LESSONS=good):
        assert check_settings() == []
    with override_settings(TUTOR_LESSONS={"LOCK_TIMEOUT": timedelta(0)}):
        assert check_settings() == []
    assert call_command("check", "--fail-level", "WARNING") is None


def test_a_missing_drf_fails_the_checks():
    with modify_settings(INSTALLED_APPS={"remove": ["rest_framework"]}):
        assert "tutor_lessons.E001" in [error.id for error in check_settings()]


def test_another_exception_handler_warns_about_the_error_shape(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
    }
    assert [warning.id for warning in check_error_shape()] == ["tutor_lessons.W001"]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """``makemigrations --check``: a model change without its migration fails here."""
    assert_no_missing_migration("tutor_lessons")


def test_settings_reject_unknown_names():
    from tutor_lessons.conf import lessons_settings

    with pytest.raises(AttributeError, match="NOPE"):
        lessons_settings.NOPE  # noqa: B018


def test_a_person_is_not_a_lesson():
    assert "scheduled" in str(
        LessonFactory.build(tutor=PersonFactory.build(), student=PersonFactory.build())
    )


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["constraint_sql", "create_sql", "remove_sql"])
def test_the_exclusion_constraint_exists_on_postgresql_only(method):
    [constraint] = [c for c in Lesson._meta.constraints if c.name == TUTOR_NO_OVERLAP]
    # Not entered: collecting the SQL needs no transaction (SQLite refuses one here).
    editor = connection.schema_editor(collect_sql=True)
    sql = getattr(constraint, method)(Lesson, editor)
    if connection.vendor == "postgresql":
        assert "EXCLUDE USING GIST" in str(sql) or TUTOR_NO_OVERLAP in str(sql)
    else:
        assert sql is None
    assert constraint.check(Lesson, connection) == []


def test_the_exclusion_constraint_survives_a_deconstruct_round_trip():
    [constraint] = [c for c in Lesson._meta.constraints if c.name == TUTOR_NO_OVERLAP]
    path, args, kwargs = constraint.deconstruct()
    rebuilt = constraint.__class__(*args, **kwargs)

    assert path == "tutor_lessons.models.PostgresOnlyExclusionConstraint"
    assert rebuilt == constraint
    assert hash(rebuilt) == hash(constraint)
    assert rebuilt != constraint.clone().__class__(**{**kwargs, "name": "other"})
    assert TUTOR_NO_OVERLAP in repr(constraint)


def test_the_app_config_is_the_packages_own_so_its_checks_are_registered():
    from django.apps import apps
    from django.core.checks.registry import registry

    from tutor_lessons.apps import TutorLessonsConfig

    assert type(apps.get_app_config("tutor_lessons")) is TutorLessonsConfig
    assert any(check.__module__ == "tutor_lessons.checks" for check in registry.registered_checks)
