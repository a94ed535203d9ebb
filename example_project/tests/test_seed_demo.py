"""``seed_demo`` refuses a production database and never touches an account it did not make."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import User
from tutor_lessons.models import Lesson
from tutor_marketplace.models import TutorProfile
from tutor_relations.models import TutorStudentRelation

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_without_debug_and_creates_nothing():
    with pytest.raises(CommandError, match="--force-demo-data"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_seed_demo_runs_with_debug_on():
    call_command("seed_demo", stdout=io.StringIO())

    assert User.objects.get(username="olena").check_password("demo-pass-123")


def test_seed_demo_leaves_an_account_it_did_not_create_as_it_was():
    olena = User.objects.create_user(
        username="olena", password="her-own-secret-42", display_name="The real Olena"
    )
    errors = io.StringIO()

    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO(), stderr=errors)

    olena.refresh_from_db()
    assert olena.check_password("her-own-secret-42")
    assert olena.display_name == "The real Olena"
    assert not olena.is_superuser
    # Nothing was planned around her: no relation, lesson or profile.
    assert not TutorStudentRelation.objects.filter(tutor=olena).exists()
    assert not Lesson.objects.filter(tutor=olena).exists()
    assert not TutorProfile.objects.filter(user=olena).exists()
    assert "Skipped 'olena'" in errors.getvalue()
    # The rest of the demo is there.
    assert Lesson.objects.filter(tutor__username="james").exists()


def test_seed_demo_does_not_take_over_an_existing_admin():
    admin = User.objects.create_superuser(username="admin", password="the-hosts-admin-pw")
    output = io.StringIO()

    call_command("seed_demo", "--force-demo-data", stdout=output, stderr=io.StringIO())

    admin.refresh_from_db()
    assert admin.check_password("the-hosts-admin-pw")
    assert "superuser" not in output.getvalue()


def test_seed_demo_keeps_its_own_users_as_they_were_changed():
    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO())
    taras = User.objects.get(username="taras")
    taras.set_password("changed-in-the-demo-1")
    taras.display_name = "Taras S."
    taras.save()

    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO())

    taras.refresh_from_db()
    assert taras.check_password("changed-in-the-demo-1")
    assert taras.display_name == "Taras S."
