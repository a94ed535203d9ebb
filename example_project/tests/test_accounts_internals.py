"""Accounts pieces behind the API: the admin, the model, race handling, seed edge cases."""

import io
import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

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


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    # No proxy from the environment between the test and its own server.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_blocked_lock(locktype: str, count: int = 1) -> None:
    """Wait until ``count`` sessions wait for a lock of ``locktype`` in PostgreSQL."""
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Only this test database's sessions: other runs may share the server.
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid)"
                " WHERE NOT granted AND locktype = %s AND datname = current_database()",
                [locktype],
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"no request waited for a {locktype} lock within 20 s")


@pytest.mark.django_db(transaction=True)
def test_two_registrations_racing_for_one_username_answer_201_and_400_unique(live_server):
    """Both requests pass the "is the name free?" check before either commits.

    Real requests through a live server, each in its own thread and transaction. Locks
    order them: the first one inserts the user and then waits for a lock this test
    holds on the token table; the second one, not seeing the uncommitted user, inserts
    the same name and waits on the unique index. Releasing the lock lets the first
    commit, and the second must then fail on the index as a 400, never a 500.
    """
    url = f"{live_server.url}/api/auth/register/"
    body = {"username": "taras", "password": "a-long-passphrase"}
    answers: dict[str, tuple[int, dict]] = {}

    def register(name: str) -> None:
        answers[name] = post_json(url, body)

    first = threading.Thread(target=register, args=("first",))
    second = threading.Thread(target=register, args=("second",))
    token_table_lock = psycopg.connect(**connection.get_connection_params())
    try:
        token_table_lock.execute("LOCK TABLE authtoken_token IN SHARE MODE")
        first.start()
        wait_for_blocked_lock("relation")  # the first, at its token insert
        second.start()
        wait_for_blocked_lock("transactionid")  # the second, on the first's new row
    finally:
        token_table_lock.close()  # rolls back, releasing the lock
        first.join(timeout=30)
        second.join(timeout=30)

    assert answers["first"][0] == 201
    assert answers["second"] == (
        400,
        {
            "type": "validation_error",
            "errors": [
                {
                    "code": "unique",
                    "detail": "A user with that username already exists.",
                    "attr": "username",
                }
            ],
        },
    )
    assert User.objects.filter(username="taras").count() == 1


def test_seed_demo_skips_a_slot_taken_by_another_lesson_and_says_so():
    from tutor_lessons.models import Lesson
    from tutor_lessons.services import lesson_create

    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO())
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

    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO(), stderr=errors)

    assert "Skipped olena -> taras" in errors.getvalue()
    assert "time_conflict" in errors.getvalue()


@pytest.mark.parametrize(
    "apps",
    [
        ["accounts"],
        # Every app of the composed project: the packages under this host's user model.
        [],
    ],
    ids=["accounts", "every-app"],
)
def test_models_have_no_changes_without_a_migration(apps):
    """``makemigrations --check``: a model change without its migration fails here."""
    output = io.StringIO()
    try:
        call_command(
            "makemigrations", *apps, check=True, dry_run=True, stdout=output, stderr=output
        )
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{output.getvalue()}")
