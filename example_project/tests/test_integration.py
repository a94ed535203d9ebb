"""Cross-package checks in process (DRF's APIClient): accounts, lessons, relations, marketplace.

The end-to-end story over real HTTP is in test_scenarios.py; these cover what it does not:
double booking across two tutors, the schema, the access log, the demo data and a profile
PATCH reaching the listing.
"""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.management.commands.seed_demo import DEMO_USERS, MARKET_TUTORS
from accounts.models import User
from tutor_lessons.models import Lesson
from tutor_relations.models import RelationStatusLog, TutorStudentRelation

pytestmark = pytest.mark.django_db


def register(username: str, timezone: str) -> tuple[APIClient, dict]:
    """A client signed in (by token, as a real client would) as a freshly registered user."""
    anonymous = APIClient()
    registered = anonymous.post(
        "/api/auth/register/",
        {
            "username": username,
            "password": "a-long-passphrase",
            "display_name": username.title(),
            "timezone": timezone,
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    token = anonymous.post(
        "/api/auth/token/", {"username": username, "password": "a-long-passphrase"}, format="json"
    )
    assert token.json()["token"] == registered.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client, registered.json()


def connect(tutor: APIClient, tutor_profile: dict, student: APIClient) -> int:
    """The student asks the tutor for a relation and the tutor accepts it; its id.

    Students ask only listed tutors (``accounts.hooks.published_tutors``): the tutor
    publishes a profile first.
    """
    published = tutor.patch(
        "/api/me/profile/",
        {
            "headline": "Maths",
            "is_published": True,
            "settings": {"hourly_rate": "40.00", "subjects": ["math"]},
        },
        format="json",
    )
    assert published.status_code == 200, published.json()
    requested = student.post(
        "/api/student/relations/", {"tutor": tutor_profile["id"]}, format="json"
    )
    assert requested.status_code == 201, requested.json()
    relation_id = requested.json()["id"]
    accepted = tutor.post(f"/api/tutor/relations/{relation_id}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.json()
    return relation_id


def next_week_at(hour: int) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def iso_z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def error_codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def test_student_cannot_be_double_booked_by_two_tutors():
    olena, olena_profile = register("olena", "Europe/Kyiv")
    james, james_profile = register("james", "America/New_York")
    student, student_profile = register("taras", "Europe/Kyiv")
    connect(olena, olena_profile, student)
    connect(james, james_profile, student)
    start = next_week_at(10)

    first = olena.post(
        "/api/lessons/",
        {
            "student": student_profile["id"],
            "start": iso_z(start),
            "end": iso_z(start + timedelta(hours=1)),
        },
        format="json",
    )
    overlapping = james.post(
        "/api/lessons/",
        {
            "student": student_profile["id"],
            "start": iso_z(start + timedelta(minutes=30)),
            "end": iso_z(start + timedelta(minutes=90)),
        },
        format="json",
    )

    assert first.status_code == 201
    assert overlapping.status_code == 409
    assert overlapping.json()["type"] == "client_error"
    assert error_codes(overlapping) == ["time_conflict"]


def test_lessons_name_people_by_display_name_and_a_conflict_hides_the_other_tutors_lesson():
    olena, olena_profile = register("olena", "Europe/Kyiv")
    james, james_profile = register("james", "America/New_York")
    student, student_profile = register("taras", "Europe/Kyiv")
    connect(olena, olena_profile, student)
    connect(james, james_profile, student)
    start = next_week_at(10)
    window = {"start": iso_z(start), "end": iso_z(start + timedelta(hours=1))}

    first = olena.post("/api/lessons/", {"student": student_profile["id"], **window}, format="json")
    clash = james.post("/api/lessons/", {"student": student_profile["id"], **window}, format="json")
    calendar = student.get(
        "/api/lessons/my/", {"from": iso_z(start), "to": iso_z(start + timedelta(days=1))}
    )

    assert first.status_code == 201, first.json()
    names = (first.json()["tutor_display_name"], first.json()["student_display_name"])
    assert names == ("Olena", "Taras")
    [shown] = calendar.json()["results"]
    assert (shown["tutor_display_name"], shown["student_display_name"]) == names
    [error] = clash.json()["errors"]
    assert (error["code"], error["busy"], error["lesson_id"]) == (
        "time_conflict",
        ["student"],
        None,
    )
    assert error["detail"] == "The student already has a lesson at that time."


def test_lessons_api_requires_a_token():
    response = APIClient().get("/api/lessons/my/", {"from": "2030-01-01", "to": "2030-01-02"})

    assert response.status_code == 401
    assert error_codes(response) == ["not_authenticated"]


def test_the_schema_lists_every_operation_of_the_three_packages_with_examples():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    prefixes = {path.split("/")[2] for path, _method in operations}
    assert {"auth", "lessons", "tutor", "student", "marketplace", "me"} <= prefixes
    assert len(operations) >= 27
    for key, operation in operations.items():
        examples = [
            name
            for response in operation["responses"].values()
            for content in response.get("content", {}).values()
            for name in content.get("examples", {})
        ]
        assert len(examples) >= 3, key
        assert "Retry-After" in operation["responses"]["429"]["headers"], key


@pytest.mark.django_db(transaction=True)
def test_scheduling_logs_one_access_line_and_a_domain_event_with_the_same_request_id(capsys):
    tutor, tutor_profile = register("olena", "Europe/Kyiv")
    student, student_profile = register("emma", "Europe/London")
    connect(tutor, tutor_profile, student)
    capsys.readouterr()
    start = next_week_at(8)

    response = tutor.post(
        "/api/lessons/",
        {
            "student": student_profile["id"],
            "start": iso_z(start),
            "end": iso_z(start + timedelta(hours=1)),
        },
        format="json",
        HTTP_X_REQUEST_ID="schedule-1",
    )

    assert response.status_code == 201
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    access = [line for line in lines if line.get("event") == "http_request"]
    events = [line for line in lines if line.get("event") == "lesson_scheduled"]
    assert len(access) == 1
    assert access[0]["user_id"] == User.objects.get(username="olena").pk
    assert len(events) == 1
    assert events[0]["lesson_id"] == response.json()["id"]
    assert events[0]["request_id"] == access[0]["request_id"] == "schedule-1"


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo", "--force-demo-data")
    counts = (User.objects.count(), Token.objects.count(), Lesson.objects.count())
    tokens = dict(Token.objects.values_list("user__username", "key"))

    call_command("seed_demo", "--force-demo-data")

    assert (User.objects.count(), Token.objects.count(), Lesson.objects.count()) == counts
    assert dict(Token.objects.values_list("user__username", "key")) == tokens
    # the demo users, the admin and the marketplace tutors
    assert counts[0] == len(DEMO_USERS) + 1 + MARKET_TUTORS
    assert counts[2] > 0
    statuses = set(TutorStudentRelation.objects.values_list("status", flat=True))
    assert statuses == {"pending", "active", "archived"}
    # The history is written once: a second run moves nothing.
    assert RelationStatusLog.objects.count() == 2 * 6 + 1 + 3 + 2
    assert {"olena", "james", "taras", "emma", "kenji"} <= set(tokens)
    output = capsys.readouterr().out
    assert "demo-pass-123" in output
    assert tokens["kenji"] in output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    # The superuser's password is random, new on each run, and printed.
    assert not admin.check_password("demo-pass-123")
    printed = [line.split()[1] for line in output.splitlines() if line.startswith("admin ")]
    assert len(printed) == 2
    assert printed[0] != printed[1]
    assert admin.check_password(printed[1])


def test_seed_demo_lessons_are_visible_to_demo_students_in_their_zone():
    call_command("seed_demo", "--force-demo-data", stdout=io.StringIO(), stderr=io.StringIO())
    client = APIClient()
    token = Token.objects.get(user__username="kenji")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    today = datetime.now(UTC).date()

    response = client.get(
        "/api/lessons/my/", {"from": str(today), "to": str(today + timedelta(days=14))}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "Asia/Tokyo"
    assert body["results"]
    assert all(lesson["user_local_start"].endswith("+09:00") for lesson in body["results"])


@pytest.mark.django_db(transaction=True)
def test_a_profile_edit_shows_in_the_marketplace_at_once():
    # transaction=True: the listing cache is invalidated after each write commits.
    tutor, _profile = register("olena", "Europe/Kyiv")
    visitor, _profile = register("emma", "Europe/London")
    published = tutor.patch(
        "/api/me/profile/",
        {
            "headline": "Maths for school",
            "description": "Algebra and geometry.",
            "is_published": True,
            "settings": {"hourly_rate": "400.00", "currency": "UAH", "subjects": ["Math"]},
        },
        format="json",
    )
    assert published.status_code in (200, 201), published.json()

    first = visitor.get("/api/marketplace/tutors/", {"subject": "math"})
    second = visitor.get("/api/marketplace/tutors/", {"subject": "math"})
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert [row["headline"] for row in second.json()["results"]] == ["Maths for school"]

    tutor.patch("/api/me/profile/", {"headline": "Maths and physics"}, format="json")
    after = visitor.get("/api/marketplace/tutors/", {"subject": "math"})
    assert after["X-Cache"] == "MISS"
    assert [row["headline"] for row in after.json()["results"]] == ["Maths and physics"]

    # The tutor's display name is the listing's too: renaming through /api/auth/me/
    # invalidates it (TUTOR_MARKETPLACE["USER_LISTED_FIELDS"]).
    visitor.get("/api/marketplace/tutors/", {"subject": "math"})
    tutor.patch("/api/auth/me/", {"display_name": "Olena K."}, format="json")
    renamed = visitor.get("/api/marketplace/tutors/", {"subject": "math"})
    assert renamed["X-Cache"] == "MISS"
    assert [row["display_name"] for row in renamed.json()["results"]] == ["Olena K."]
    # A change of the zone shows nowhere in the listing, and keeps the cached page.
    tutor.patch("/api/auth/me/", {"timezone": "Europe/Warsaw"}, format="json")
    assert visitor.get("/api/marketplace/tutors/", {"subject": "math"})["X-Cache"] == "HIT"
