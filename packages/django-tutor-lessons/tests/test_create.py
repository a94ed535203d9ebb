from datetime import timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test import override_settings
from django.urls import reverse

from tests.dst import naive_ambiguous_time, naive_gap_time, next_date
from tests.factories import LessonFactory, PersonFactory, json_id
from tutor_lessons.conf import DEFAULTS
from tutor_lessons.models import Lesson, LessonStatus
from tutor_testing.throttles import assert_counted_on_the_base_class

URL = reverse("lessons:lesson-create")


def error_codes(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def create(client, student, start, end, **extra):
    payload = {"student": json_id(student), "start": start, "end": end, **extra}
    return client.post(URL, payload, format="json")


@pytest.mark.django_db
def test_create_returns_the_lesson_in_utc_and_in_the_users_zone(tutor_client, student):
    start = next_date(7, 15).replace(hour=16)
    response = create(
        tutor_client, student, f"{start:%Y-%m-%dT%H:%M}+03:00", f"{start:%Y-%m-%dT}17:00+03:00"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["utc_start"] == f"{start:%Y-%m-%d}T13:00:00Z"
    assert body["utc_end"] == f"{start:%Y-%m-%d}T14:00:00Z"
    assert body["user_local_start"] == f"{start:%Y-%m-%d}T16:00:00+03:00"
    assert body["timezone"] == "Europe/Kyiv"
    assert body["status"] == "scheduled"
    assert body["student"] == json_id(student)
    lesson = Lesson.objects.get(pk=body["id"])
    assert lesson.tutor.username == "tutor"
    assert lesson.start.utcoffset() == timedelta(0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "month", "expected_utc_hour"),
    [
        ("Europe/Kyiv", 7, 7),  # EEST, +03:00
        ("Europe/Kyiv", 1, 8),  # EET, +02:00
        ("America/New_York", 7, 14),  # EDT, -04:00
        ("America/New_York", 1, 15),  # EST, -05:00
    ],
)
def test_create_reads_a_naive_time_in_the_users_zone_in_summer_and_winter(
    client_for, student, zone, month, expected_utc_hour
):
    tutor = PersonFactory(timezone=zone)
    day = next_date(month, 15)
    response = create(client_for(tutor), student, f"{day:%Y-%m-%d}T10:00", f"{day:%Y-%m-%d}T11:00")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["utc_start"] == f"{day:%Y-%m-%d}T{expected_utc_hour:02d}:00:00Z"
    local = day.replace(hour=10, tzinfo=ZoneInfo(zone))
    assert body["user_local_start"] == local.isoformat()
    assert body["timezone"] == zone


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/Kyiv", "America/New_York"])
def test_create_refuses_a_naive_time_skipped_by_dst(client_for, student, zone):
    start = naive_gap_time(zone)
    response = create(
        client_for(PersonFactory(timezone=zone)),
        student,
        start.isoformat(),
        (start + timedelta(hours=1)).isoformat(),
    )

    assert response.status_code == 400
    assert error_codes(response) == [("nonexistent_local_time", "start")]
    assert "DST" in response.json()["errors"][0]["detail"]
    assert not Lesson.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/Kyiv", "America/New_York"])
def test_create_refuses_a_naive_time_repeated_by_dst(client_for, student, zone):
    start = naive_ambiguous_time(zone)
    response = create(
        client_for(PersonFactory(timezone=zone)),
        student,
        start.isoformat(),
        (start + timedelta(hours=2)).isoformat(),
    )

    assert response.status_code == 400
    assert error_codes(response) == [("ambiguous_local_time", "start")]


@pytest.mark.django_db
def test_create_takes_a_time_with_an_offset_as_given_even_inside_a_local_dst_gap(
    client_for, student
):
    gap = naive_gap_time("Europe/Kyiv")
    tutor = PersonFactory(timezone="Europe/Kyiv")
    response = create(
        client_for(tutor),
        student,
        f"{gap.isoformat()}Z",
        f"{(gap + timedelta(hours=1)).isoformat()}Z",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["utc_start"] == f"{gap.isoformat()}Z"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start_offset", "length", "code", "attr"),
    [
        (timedelta(days=1), timedelta(0), "end_before_start", "end"),
        (timedelta(days=1), -timedelta(hours=1), "end_before_start", "end"),
        (timedelta(days=1), timedelta(minutes=14), "duration_too_short", "end"),
        (timedelta(days=1), timedelta(hours=8, minutes=1), "duration_too_long", "end"),
        (-timedelta(hours=1), timedelta(hours=1), "start_in_past", "start"),
    ],
)
def test_create_enforces_the_time_rules(
    tutor_client, student, soon, start_offset, length, code, attr
):
    start = soon - timedelta(days=3) + start_offset
    response = create(tutor_client, student, start.isoformat(), (start + length).isoformat())

    assert response.status_code == 400
    assert error_codes(response) == [(code, attr)]


@pytest.mark.django_db
def test_create_refuses_a_lesson_beyond_the_booking_horizon(tutor_client, student, soon):
    start = soon + timedelta(days=731)
    response = create(
        tutor_client, student, start.isoformat(), (start + timedelta(hours=1)).isoformat()
    )
    assert response.status_code == 400
    assert error_codes(response) == [("start_too_far_ahead", "start")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T22:00:00-05:00", "9999-12-31T23:00:00-05:00"),
        ("9999-12-31T22:00:00", "9999-12-31T23:00:00"),
    ],
)
def test_create_answers_times_at_the_end_of_the_calendar_with_a_400(
    tutor_client, student, start, end
):
    response = create(tutor_client, student, start, end)
    assert response.status_code == 400
    assert {code for code, _ in error_codes(response)} <= {"overflow", "start_too_far_ahead"}
    assert not Lesson.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("length", [timedelta(minutes=15), timedelta(hours=8)])
def test_create_accepts_the_shortest_and_longest_lessons(tutor_client, student, soon, length):
    response = create(tutor_client, student, soon.isoformat(), (soon + length).isoformat())
    assert response.status_code == 201


@pytest.mark.django_db
def test_create_refuses_a_lesson_with_yourself(tutor_client, tutor, soon):
    response = create(
        tutor_client, tutor, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    assert response.status_code == 400
    assert error_codes(response) == [("same_participant", "student")]


def _user_model_tracks_activity() -> bool:
    return any(field.name == "is_active" for field in get_user_model()._meta.get_fields())


@pytest.mark.django_db
def test_create_refuses_an_unknown_student(tutor_client, soon):
    unknown = str(uuid4()) if isinstance(get_user_model()._meta.pk, models.UUIDField) else 999_999
    response = tutor_client.post(
        URL,
        {
            "student": unknown,
            "start": soon.isoformat(),
            "end": (soon + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert error_codes(response) == [("does_not_exist", "student")]


@pytest.mark.django_db
def test_only_active_students_can_be_booked_when_the_user_model_tracks_activity(tutor_client, soon):
    if _user_model_tracks_activity():
        student = PersonFactory(is_active=False)
        expected = (400, [("does_not_exist", "student")])
    else:
        # A user model without ``is_active`` (a bare AbstractBaseUser): every user counts.
        student = PersonFactory()
        expected = (201, [])
    response = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    assert (
        response.status_code,
        error_codes(response) if response.status_code == 400 else [],
    ) == expected


@pytest.mark.django_db
def test_create_lists_every_missing_or_malformed_field(tutor_client):
    response = tutor_client.post(URL, {"start": "tomorrow", "series_id": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert sorted(error_codes(response)) == [
        ("invalid", "series_id"),
        ("invalid", "start"),
        ("required", "end"),
        ("required", "student"),
    ]


@pytest.mark.django_db
def test_create_answers_malformed_json_with_a_parse_error(tutor_client):
    response = tutor_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


@pytest.mark.django_db
def test_create_needs_authentication(client, student, soon):
    response = client.post(URL, {"student": json_id(student)}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_create_keeps_the_series_id(tutor_client, student, soon):
    series = "7d3c2a7e-3f5b-4f0e-9d8c-1b2a3c4d5e6f"
    response = create(
        tutor_client,
        student,
        soon.isoformat(),
        (soon + timedelta(hours=1)).isoformat(),
        series_id=series,
    )
    assert response.json()["series_id"] == series
    assert str(Lesson.objects.get().series_id) == series


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    [
        "tutor_busy_as_tutor",
        "student_busy_as_student",
        "tutor_busy_as_student",
        "student_busy_as_tutor",
    ],
)
def test_create_refuses_an_overlap_for_either_participant_in_either_role(
    tutor_client, tutor, student, soon, who
):
    other = PersonFactory()
    pairs = {
        "tutor_busy_as_tutor": (tutor, other),
        "student_busy_as_student": (other, student),
        "tutor_busy_as_student": (other, tutor),
        "student_busy_as_tutor": (student, other),
    }
    busy_tutor, busy_student = pairs[who]
    LessonFactory(
        tutor=busy_tutor,
        student=busy_student,
        start=soon + timedelta(minutes=30),
        end=soon + timedelta(minutes=90),
    )

    response = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )

    assert response.status_code == 409
    assert error_codes(response) == [("time_conflict", None)]
    assert Lesson.objects.count() == 1


@pytest.mark.django_db
def test_back_to_back_lessons_do_not_overlap(tutor_client, student, soon):
    first = create(tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat())
    second = create(
        tutor_client,
        student,
        (soon + timedelta(hours=1)).isoformat(),
        (soon + timedelta(hours=2)).isoformat(),
    )
    assert (first.status_code, second.status_code) == (201, 201)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [LessonStatus.CANCELLED, LessonStatus.COMPLETED])
def test_a_lesson_that_is_not_scheduled_does_not_block_the_slot(
    tutor_client, tutor, student, soon, status
):
    LessonFactory(
        tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1), status=status
    )
    response = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    assert response.status_code == 201


def refuse_everyone(*, actor, student):
    return False


@pytest.mark.django_db
def test_the_scheduling_policy_hook_can_forbid_with_403(tutor_client, student, soon):
    hook = {"SCHEDULING_POLICY": "tests.test_create.refuse_everyone"}
    with override_settings(TUTOR_LESSONS=hook):
        response = create(
            tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
        )
    assert response.status_code == 403
    assert error_codes(response) == [("scheduling_not_allowed", None)]
    assert not Lesson.objects.exists()


def tokyo_for_everyone(user):
    return "Asia/Tokyo"


@pytest.mark.django_db
def test_the_timezone_hook_decides_the_users_zone(tutor_client, student):
    day = next_date(7, 15)
    with override_settings(TUTOR_LESSONS={"USER_TIMEZONE": "tests.test_create.tokyo_for_everyone"}):
        response = create(tutor_client, student, f"{day:%Y-%m-%d}T10:00", f"{day:%Y-%m-%d}T11:00")
    assert response.json()["timezone"] == "Asia/Tokyo"
    assert response.json()["utc_start"] == f"{day:%Y-%m-%d}T01:00:00Z"


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons"])
def test_an_unknown_or_empty_zone_falls_back_to_utc(client_for, student, zone):
    tutor = PersonFactory(timezone=zone)
    day = next_date(7, 15)
    response = create(client_for(tutor), student, f"{day:%Y-%m-%d}T10:00", f"{day:%Y-%m-%d}T11:00")
    assert response.json()["timezone"] == "UTC"
    assert response.json()["user_local_start"] == f"{day:%Y-%m-%d}T10:00:00+00:00"


@pytest.mark.django_db
def test_writes_are_throttled_with_retry_after(tutor_client, student, soon):
    with override_settings(TUTOR_LESSONS={"WRITE_THROTTLE_RATE": "2/min"}):
        statuses = [
            create(
                tutor_client,
                student,
                (soon + timedelta(hours=i)).isoformat(),
                (soon + timedelta(hours=i, minutes=30)).isoformat(),
            )
            for i in range(3)
        ]
    assert [response.status_code for response in statuses] == [201, 201, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert error_codes(statuses[-1]) == [("throttled", None)]
    assert Lesson.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "url_name"),
    [("WRITE_THROTTLE_RATE", "lessons:lesson-cancel"), ("READ_THROTTLE_RATE", "lessons:calendar")],
)
def test_a_throttle_set_to_none_is_off(tutor_client, setting, url_name):
    # One request more than the default rate allows: with the default it would be a 429.
    allowed = int(DEFAULTS[setting].split("/")[0])
    with override_settings(TUTOR_LESSONS={setting: None}):
        if url_name == "lessons:calendar":
            statuses = {
                tutor_client.get(
                    reverse(url_name), {"from": "2030-01-01", "to": "2030-01-02"}
                ).status_code
                for _ in range(allowed + 1)
            }
        else:
            # Someone else's lesson: a cheap 404 that the throttle counts all the same.
            url = reverse(url_name, args=[999_999])
            statuses = {
                tutor_client.post(url, {}, format="json").status_code for _ in range(allowed + 1)
            }
    assert 429 not in statuses
    assert statuses == {200 if url_name == "lessons:calendar" else 404}


@pytest.mark.django_db
def test_the_calendar_is_throttled_per_user_with_retry_after(tutor_client, client_for, student):
    window = {"from": "2030-01-01", "to": "2030-01-02"}
    with override_settings(TUTOR_LESSONS={"READ_THROTTLE_RATE": "2/min"}):
        statuses = [tutor_client.get(reverse("lessons:calendar"), window) for _ in range(3)]
        # Per user: someone else is not held back by the tutor's requests.
        other = client_for(student).get(reverse("lessons:calendar"), window)
    assert [response.status_code for response in statuses] == [200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert error_codes(statuses[-1]) == [("throttled", None)]
    assert other.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", [5, 0, True, 1.5, ["7d3c2a7e-3f5b-4f0e-9d8c-1b2a3c4d5e6f"]])
def test_create_takes_a_series_id_only_as_a_uuid_string(tutor_client, student, soon, value):
    response = create(
        tutor_client,
        student,
        soon.isoformat(),
        (soon + timedelta(hours=1)).isoformat(),
        series_id=value,
    )

    assert response.status_code == 400
    assert error_codes(response) == [("invalid", "series_id")]
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(tutor_client):
    """THROTTLE_BASE_CLASS (built by core, tested there): this package's end of it."""
    url = reverse("lessons:calendar")
    assert_counted_on_the_base_class(
        tutor_client, url, setting="TUTOR_LESSONS", scope="tutor_lessons_read"
    )
