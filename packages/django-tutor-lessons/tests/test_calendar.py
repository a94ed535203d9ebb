import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from tests.dst import next_date, next_transition
from tests.factories import LessonFactory, PersonFactory, fill_calendar
from tests.test_create import error_codes
from tutor_lessons.api.serializers import LessonSerializer
from tutor_lessons.models import Lesson, LessonStatus

URL = reverse("lessons:calendar")


def calendar(client, **params):
    return client.get(URL, params)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [lesson["id"] for lesson in response.json()["results"]]


def window(start: datetime, days: int = 7) -> dict[str, str]:
    return {"from": start.isoformat(), "to": (start + timedelta(days=days)).isoformat()}


@pytest.mark.django_db
def test_the_calendar_lists_overlapping_lessons_by_start_in_the_envelope(
    tutor_client, tutor, student, soon
):
    later = LessonFactory(
        tutor=tutor, student=student, start=soon + timedelta(hours=3), end=soon + timedelta(hours=4)
    )
    earlier = LessonFactory(tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1))
    straddling = LessonFactory(
        student=tutor, start=soon - timedelta(minutes=30), end=soon + timedelta(minutes=30)
    )
    LessonFactory(tutor=tutor, start=soon - timedelta(hours=2), end=soon - timedelta(hours=1))
    LessonFactory(tutor=tutor, start=soon + timedelta(hours=5), end=soon + timedelta(hours=6))

    response = calendar(
        tutor_client, **{"from": soon.isoformat(), "to": (soon + timedelta(hours=5)).isoformat()}
    )

    assert ids(response) == [straddling.pk, earlier.pk, later.pk]
    body = response.json()
    assert body["has_more_events"] is False
    assert body["timezone"] == "Europe/Kyiv"
    first = body["results"][1]
    assert set(first) >= {
        "utc_start",
        "utc_end",
        "user_local_start",
        "user_local_end",
        "timezone",
        "status",
        "tutor",
        "student",
    }


@pytest.mark.django_db
def test_each_participant_sees_local_times_in_their_own_zone(
    tutor_client, student_client, lesson, soon
):
    as_tutor = calendar(tutor_client, **window(soon - timedelta(days=1))).json()
    as_student = calendar(student_client, **window(soon - timedelta(days=1))).json()
    tutor_view, student_view = as_tutor["results"][0], as_student["results"][0]
    assert tutor_view["utc_start"] == student_view["utc_start"]
    assert datetime.fromisoformat(tutor_view["user_local_start"]) == lesson.start
    assert (
        tutor_view["user_local_start"]
        == lesson.start.astimezone(ZoneInfo("Europe/Kyiv")).isoformat()
    )
    assert (
        student_view["user_local_start"]
        == lesson.start.astimezone(ZoneInfo("America/New_York")).isoformat()
    )
    assert as_student["timezone"] == "America/New_York"


@pytest.mark.django_db
def test_the_lesson_serializer_renders_a_lesson_as_the_calendar_does(tutor_client, lesson, soon):
    [shown] = calendar(tutor_client, **window(soon - timedelta(days=1))).json()["results"]
    tutors_zone = ZoneInfo("Europe/Kyiv")
    rendered = JSONRenderer().render(
        LessonSerializer(lesson, context={"timezone": tutors_zone}).data
    )
    assert json.loads(rendered) == shown


@pytest.mark.django_db
def test_outsiders_see_nothing_of_others_lessons(client_for, lesson, soon):
    outsider = client_for(PersonFactory())
    assert ids(calendar(outsider, **window(soon - timedelta(days=1)))) == []


@pytest.mark.django_db
def test_a_date_only_window_is_whole_local_days_with_to_inclusive(client_for):
    kyiv = ZoneInfo("Europe/Kyiv")
    tutor = PersonFactory(timezone="Europe/Kyiv")
    day = next_date(7, 15)
    local = lambda hour, minute=0, days=0: (  # noqa: E731
        day.replace(hour=hour, minute=minute, tzinfo=kyiv) + timedelta(days=days)
    ).astimezone(UTC)
    just_before = LessonFactory(tutor=tutor, start=local(23, 0, -1), end=local(23, 45, -1))
    first_minute = LessonFactory(tutor=tutor, start=local(0, 0), end=local(0, 30))
    last_day_late = LessonFactory(tutor=tutor, start=local(23, 30, 1), end=local(23, 59, 1))
    next_day = LessonFactory(tutor=tutor, start=local(0, 0, 2), end=local(0, 30, 2))

    response = calendar(
        client_for(tutor),
        **{"from": f"{day:%Y-%m-%d}", "to": f"{day + timedelta(days=1):%Y-%m-%d}"},
    )

    assert ids(response) == [first_minute.pk, last_day_late.pk]
    assert just_before.pk not in ids(response)
    assert next_day.pk not in ids(response)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/Kyiv", "America/New_York"])
def test_a_date_only_day_of_a_dst_change_has_its_true_length(client_for, zone):
    tutor = PersonFactory(timezone=zone)
    change = next_transition(zone, forward=True)
    local_day = change.astimezone(ZoneInfo(zone)).date()
    midnight = datetime.combine(local_day, datetime.min.time(), tzinfo=ZoneInfo(zone))
    next_midnight = datetime.combine(
        local_day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(zone)
    )
    assert next_midnight - midnight == timedelta(hours=24)  # wall clock
    assert next_midnight.astimezone(UTC) - midnight.astimezone(UTC) == timedelta(hours=23)
    last = LessonFactory(
        tutor=tutor, start=next_midnight - timedelta(minutes=30), end=next_midnight
    )
    after = LessonFactory(tutor=tutor, start=next_midnight, end=next_midnight + timedelta(hours=1))

    response = calendar(client_for(tutor), start=f"{local_day}", end=f"{local_day}")

    assert ids(response) == [last.pk]
    assert after.pk not in ids(response)


@pytest.mark.django_db
def test_start_and_end_are_aliases_of_from_and_to(tutor_client, lesson, soon):
    params = window(soon - timedelta(days=1))
    by_alias = calendar(tutor_client, start=params["from"], end=params["to"])
    assert ids(by_alias) == ids(calendar(tutor_client, **params)) == [lesson.pk]


@pytest.mark.django_db
def test_naive_window_bounds_are_read_in_the_users_zone(tutor_client, tutor, soon):
    kyiv_start = soon.astimezone(ZoneInfo("Europe/Kyiv"))
    inside = LessonFactory(tutor=tutor, start=soon, end=soon + timedelta(hours=1))
    response = calendar(
        tutor_client,
        **{
            "from": kyiv_start.replace(tzinfo=None).isoformat(),
            "to": (kyiv_start + timedelta(minutes=1)).replace(tzinfo=None).isoformat(),
        },
    )
    assert ids(response) == [inside.pk]


@pytest.mark.django_db
def test_status_filter_takes_one_or_several_values(tutor_client, tutor, soon):
    made = {
        status: LessonFactory(
            tutor=tutor,
            status=status,
            start=soon + timedelta(hours=i),
            end=soon + timedelta(hours=i + 1),
        )
        for i, status in enumerate(LessonStatus.values)
    }
    params = window(soon - timedelta(days=1))
    assert ids(calendar(tutor_client, status="cancelled", **params)) == [made["cancelled"].pk]
    assert ids(calendar(tutor_client, status="scheduled,completed", **params)) == [
        made["scheduled"].pk,
        made["completed"].pk,
    ]
    assert len(ids(calendar(tutor_client, **params))) == 3
    # Found by schemathesis (nox -s fuzz): `?status=%1E` was an undocumented 400 `blank`.
    # Empty, or only whitespace, is every status, as when absent.
    for blank in ("", " ", "\x1e"):
        assert len(ids(calendar(tutor_client, status=blank, **params))) == 3, repr(blank)
    assert error_codes(calendar(tutor_client, status=" , ", **params)) == [
        ("invalid_choice", "status")
    ]


@pytest.mark.django_db
def test_a_status_list_of_thousands_of_unknown_names_answers_a_short_error(tutor_client, soon):
    names = ",".join(f"status-{n}-" + "x" * 30 for n in range(5_000))
    response = calendar(tutor_client, status=names, **window(soon - timedelta(days=1)))

    assert error_codes(response) == [("invalid_choice", "status")]
    assert len(response.content) < 500
    assert "and 4997 more" in response.json()["errors"][0]["detail"]


@pytest.mark.django_db
def test_a_status_repeated_thousands_of_times_is_one_filter(tutor_client, soon):
    params = window(soon - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        response = calendar(tutor_client, status=",".join(["scheduled"] * 5_000), **params)

    assert response.status_code == 200
    assert all(query["sql"].count("'scheduled'") <= 1 for query in queries.captured_queries)


@pytest.mark.django_db
def test_role_filter(tutor_client, tutor, soon):
    teaching = LessonFactory(tutor=tutor, start=soon, end=soon + timedelta(hours=1))
    learning = LessonFactory(
        student=tutor, start=soon + timedelta(hours=2), end=soon + timedelta(hours=3)
    )
    params = window(soon - timedelta(days=1))
    assert ids(calendar(tutor_client, role="tutor", **params)) == [teaching.pk]
    assert ids(calendar(tutor_client, role="student", **params)) == [learning.pk]
    assert ids(calendar(tutor_client, **params)) == [teaching.pk, learning.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            [
                ("required", "from"),
            ],
        ),
        ({"from": "2026-01-01"}, [("required", "to")]),
        ({"from": "yesterday", "to": "2026-01-01"}, [("invalid", "from")]),
        ({"from": "2026-02-30", "to": "2026-03-01"}, [("invalid", "from")]),
        ({"from": "2026-03-01", "to": "2026-02-01"}, [("invalid_range", "to")]),
        ({"from": "2026-01-01T10:00Z", "to": "2026-01-01T10:00Z"}, [("invalid_range", "to")]),
        ({"from": "2026-01-01", "to": "2027-01-02"}, [("range_too_long", "to")]),
        (
            {"from": "2026-01-01", "to": "2026-01-31", "status": "done"},
            [("invalid_choice", "status")],
        ),
        ({"from": "2026-01-01", "to": "2026-01-31", "role": "admin"}, [("invalid_choice", "role")]),
        (
            {"from": "2026-01-01", "start": "2026-01-02", "to": "2026-01-31"},
            [("conflict", "start")],
        ),
    ],
)
def test_a_bad_window_is_a_400_with_a_code(tutor_client, params, expected):
    response = calendar(tutor_client, **params)
    assert response.status_code == 400
    assert error_codes(response) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Well formed, but no such day: Django's parse_datetime raises.
        ({"from": "2026-02-30T10:00", "to": "2026-03-01"}, [("invalid", "from")]),
        # Year 1's first local day in Kyiv (UTC+2:02 then) begins before year 1 in UTC.
        ({"from": "0001-01-01", "to": "0001-01-02"}, [("overflow", "from")]),
        # `to` is inclusive: the day after 9999-12-31 does not exist.
        ({"from": "9999-12-30", "to": "9999-12-31"}, [("overflow", "to")]),
    ],
)
def test_a_bound_at_the_edge_of_the_calendar_is_a_400_with_a_code(tutor_client, params, expected):
    response = calendar(tutor_client, **params)
    assert response.status_code == 400
    assert error_codes(response) == expected


@pytest.mark.django_db
def test_a_leap_year_and_a_month_both_fit(tutor_client):
    assert calendar(tutor_client, **{"from": "2028-01-01", "to": "2028-12-31"}).status_code == 200
    assert calendar(tutor_client, **{"from": "2026-01-01", "to": "2026-01-31"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Europe/Kyiv", "Europe/London", "America/New_York"])
def test_the_range_limit_counts_local_days_across_dst_changes(client_for, zone):
    # 366 local days that an hour of DST makes longer or shorter in UTC.
    client = client_for(PersonFactory(timezone=zone))
    year = {"from": "2025-10-26", "to": "2026-10-26"}
    one_more_day = {"from": "2025-10-26", "to": "2026-10-27"}

    assert calendar(client, **year).status_code == 200
    assert error_codes(calendar(client, **one_more_day)) == [("range_too_long", "to")]


@pytest.mark.django_db
def test_the_range_limit_and_its_message_follow_the_setting(tutor_client):
    with override_settings(TUTOR_LESSONS={"CALENDAR_MAX_RANGE_DAYS": 31}):
        month = calendar(tutor_client, **{"from": "2026-01-01", "to": "2026-01-31"})
        longer = calendar(tutor_client, **{"from": "2026-01-01", "to": "2026-02-01"})
    assert month.status_code == 200
    assert longer.json()["errors"][0]["detail"] == "The window may span at most 31 days."


@pytest.mark.django_db
def test_an_offset_must_be_url_encoded(tutor_client, lesson, soon):
    # A bare "+" in a query string is a space: the encoded form finds the lesson.
    kyiv = soon.astimezone(ZoneInfo("Europe/Kyiv"))
    window = {
        "from": (kyiv - timedelta(hours=1)).isoformat(),
        "to": (kyiv + timedelta(hours=2)).isoformat(),
    }
    assert "+" in window["from"]
    encoded = tutor_client.get(f"{URL}?{urlencode(window)}")
    assert ids(encoded) == [lesson.pk]
    bare = tutor_client.get(f"{URL}?from={window['from']}&to={window['to']}")
    assert bare.status_code == 400
    # The 400 says what happened: the "+" arrived as a space.
    errors = [(e["attr"], e["code"]) for e in bare.json()["errors"]]
    assert errors == [("from", "unencoded_offset"), ("to", "unencoded_offset")]
    assert "%2B" in bare.json()["errors"][0]["detail"]
    # Any other unreadable bound stays the plain `invalid`.
    garbled = tutor_client.get(URL, {"from": "2026-07-14 noon", "to": window["to"]})
    assert [(e["attr"], e["code"]) for e in garbled.json()["errors"]] == [("from", "invalid")]


@pytest.mark.django_db
def test_the_calendar_needs_authentication(client):
    response = client.get(URL, {"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code in (401, 403)


@pytest.mark.django_db
def test_the_calendar_returns_at_most_500_events_and_says_there_are_more(tutor_client, tutor, soon):
    fill_calendar(tutor=tutor, count=501, start=soon)
    response = calendar(tutor_client, **window(soon, days=30))
    body = response.json()
    assert len(body["results"]) == 500
    assert body["has_more_events"] is True
    starts = [lesson["utc_start"] for lesson in body["results"]]
    assert starts == sorted(starts)

    Lesson.objects.order_by("-start").first().delete()
    body = calendar(tutor_client, **window(soon, days=30)).json()
    assert (len(body["results"]), body["has_more_events"]) == (500, False)


@pytest.mark.django_db
def test_the_event_cap_is_a_setting(tutor_client, tutor, soon):
    fill_calendar(tutor=tutor, count=4, start=soon)
    with override_settings(TUTOR_LESSONS={"CALENDAR_MAX_EVENTS": 3}):
        body = calendar(tutor_client, **window(soon, days=3)).json()
    assert (len(body["results"]), body["has_more_events"]) == (3, True)


@pytest.mark.django_db
def test_the_calendar_query_count_does_not_grow_with_events(tutor_client, tutor, soon):
    def queries_for_calendar() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert calendar(tutor_client, **window(soon, days=30)).status_code == 200
        return len(queries)

    fill_calendar(tutor=tutor, count=5, start=soon)
    few = queries_for_calendar()
    fill_calendar(tutor=tutor, count=400, start=soon + timedelta(days=1))
    assert queries_for_calendar() == few == 1
