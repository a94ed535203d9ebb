"""Accounts pieces behind the API: the admin, the model, race handling, seed edge cases."""

import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models.query import QuerySet
from rest_framework.exceptions import ValidationError

from accounts import services
from accounts.models import User
from accounts.timezones import is_valid_timezone, valid_timezone_names
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_is_shown_by_display_name_or_username():
    assert str(UserFactory.build(username="kenji", display_name="Kenji Sato")) == "Kenji Sato"
    assert str(UserFactory.build(username="kenji", display_name="")) == "kenji"


def test_timezone_names_are_iana_and_cached():
    assert is_valid_timezone("Europe/Kyiv")
    assert not is_valid_timezone("Kyiv")
    assert valid_timezone_names() is valid_timezone_names()


def test_admin_lists_users_and_refuses_unknown_timezone(client):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    user = UserFactory(username="taras", timezone="Europe/Kyiv")
    client.force_login(admin)

    listing = client.get("/admin/accounts/user/")
    change_url = f"/admin/accounts/user/{user.pk}/change/"
    form = client.get(change_url)
    refused = client.post(
        change_url,
        {
            "username": "taras",
            "display_name": "Taras",
            "timezone": "Mars/Olympus",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
        },
    )

    assert listing.status_code == 200
    assert b"taras" in listing.content
    assert form.status_code == 200
    assert refused.status_code == 200  # the form again, with the error
    assert b"not a known IANA time zone name" in refused.content
    user.refresh_from_db()
    assert user.timezone == "Europe/Kyiv"


def test_register_reports_a_concurrent_duplicate_username_as_validation_error():
    UserFactory(username="taras")

    # As if another request created "taras" between the check and the insert.
    with (
        mock.patch.object(QuerySet, "exists", return_value=False),
        pytest.raises(ValidationError) as error,
    ):
        services.user_register(username="taras", password="a-long-passphrase")

    assert error.value.get_codes() == {"username": ["unique"]}
    assert User.objects.filter(username="taras").count() == 1


def test_seed_demo_skips_a_slot_taken_by_another_lesson_and_says_so():
    from tutor_lessons.models import Lesson
    from tutor_lessons.services import lesson_create

    call_command("seed_demo", stdout=io.StringIO())
    first = Lesson.objects.filter(tutor__username="olena", student__username="taras").earliest(
        "start"
    )
    start, end = first.start, first.end
    first.delete()
    lesson_create(
        actor=User.objects.get(username="james"),
        student=User.objects.get(username="taras"),
        start=start,
        end=end,
    )
    errors = io.StringIO()

    call_command("seed_demo", stdout=io.StringIO(), stderr=errors)

    assert "Skipped olena -> taras" in errors.getvalue()
    assert "time_conflict" in errors.getvalue()


def test_models_have_no_changes_without_a_migration():
    # Raises SystemExit(1) when makemigrations would write a migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
