"""The product's story end to end, through HTTP only (SPEC §5, issue 9).

Each scenario runs against pytest-django's ``live_server`` (a real server thread on a
transactional PostgreSQL database, with Redis behind the throttles and the marketplace
listing cache) and talks to it with httpx, as a frontend would: every step, setting up
included, is an API call. Only the metrics scenario reads the database, for the one
thing no endpoint shows (the ``MarketplaceMetrics`` rows).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-scenario-passphrase"


@dataclass
class Person:
    """A registered user and an HTTP client signed in as them with their token."""

    id: int
    username: str
    display_name: str
    zone: str
    http: httpx.Client


@pytest.fixture
def server(live_server) -> str:
    return live_server.url


@pytest.fixture
def people(server: str) -> Iterator[PeopleFactory]:
    factory = PeopleFactory(server)
    yield factory
    factory.close()


class PeopleFactory:
    def __init__(self, server: str) -> None:
        self.server = server
        self.anonymous = httpx.Client(base_url=server, timeout=30)
        self._clients = [self.anonymous]

    def register(self, username: str, zone: str, display_name: str | None = None) -> Person:
        display_name = display_name or username.title()
        registered = self.anonymous.post(
            "/api/auth/register/",
            json={
                "username": username,
                "password": PASSWORD,
                "display_name": display_name,
                "timezone": zone,
            },
        )
        assert registered.status_code == 201, registered.text
        signed_in = self.anonymous.post(
            "/api/auth/token/", json={"username": username, "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        assert token == registered.json()["token"]
        client = httpx.Client(
            base_url=self.server, timeout=30, headers={"Authorization": f"Token {token}"}
        )
        self._clients.append(client)
        return Person(registered.json()["id"], username, display_name, zone, client)

    def close(self) -> None:
        for client in self._clients:
            client.close()


# --- steps, each one API call --------------------------------------------------------


def codes(response: httpx.Response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def publish_profile(tutor: Person, *, headline: str, rate: str, subjects: list[str]) -> dict:
    response = tutor.http.patch(
        "/api/me/profile/",
        json={
            "headline": headline,
            "description": f"{tutor.display_name} teaches {', '.join(subjects)}.",
            "is_published": True,
            "settings": {"hourly_rate": rate, "currency": "UAH", "subjects": subjects},
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def listing(visitor: Person, **filters: str) -> httpx.Response:
    response = visitor.http.get("/api/marketplace/tutors/", params=filters)
    assert response.status_code == 200, response.text
    return response


def listed(tutor: Person) -> None:
    """The tutor's profile published, unless it is already: students ask listed tutors."""
    if tutor.http.get("/api/me/profile/").status_code == 404:
        publish_profile(
            tutor, headline=f"{tutor.display_name} teaches", rate="40.00", subjects=["math"]
        )


def ask_to_be_taught(student: Person, tutor: Person, **headers: str) -> int:
    listed(tutor)
    response = student.http.post(
        "/api/student/relations/", json={"tutor": tutor.id}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def batch_accept(tutor: Person, ids: list[int], **headers: str) -> dict:
    response = tutor.http.post(
        "/api/tutor/relations/batch/accept/", json={"ids": ids}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def students(tutor: Person, status: str) -> list[tuple[int, dict]]:
    response = tutor.http.get("/api/tutor/relations/students/", params={"status": status})
    assert response.status_code == 200, response.text
    return [(row["id"], row["student"]) for row in response.json()["results"]]


def connect(tutor: Person, student: Person) -> int:
    relation_id = ask_to_be_taught(student, tutor)
    assert batch_accept(tutor, [relation_id])["processed"] == [relation_id]
    return relation_id


def schedule(tutor: Person, student: Person, start: str, end: str) -> httpx.Response:
    return tutor.http.post(
        "/api/lessons/", json={"student": student.id, "start": start, "end": end}
    )


def calendar(person: Person, first_day: date, last_day: date, **filters: str) -> dict:
    response = person.http.get(
        "/api/lessons/my/", params={"from": str(first_day), "to": str(last_day), **filters}
    )
    assert response.status_code == 200, response.text
    return response.json()


def metric_samples(server: str) -> dict[tuple[str, tuple], float]:
    """``/metrics`` as {(sample name, sorted labels): value}."""
    response = httpx.get(f"{server}/metrics", timeout=30)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def in_a_week() -> date:
    return datetime.now(UTC).date() + timedelta(days=7)


def meta(request_id: str, source: str) -> tuple[tuple[str, str], ...]:
    """An audit-log entry's ``metadata``, as the hashable form the feed test compares."""
    return (("request_id", request_id), ("source", source))


# --- the scenarios -----------------------------------------------------------------


def test_scenario_a_student_finds_a_tutor_in_the_marketplace_and_asks_for_a_relation(people):
    olena = people.register("olena", "Europe/Kyiv", "Olena Kovalenko")
    james = people.register("james", "America/New_York")
    taras = people.register("taras", "Europe/Kyiv")
    publish_profile(
        olena, headline="Maths for school finals", rate="400", subjects=[" Math", "Physics"]
    )
    slots = olena.http.put(
        "/api/me/profile/availability/", json=[{"weekday": 0, "start": "09:00", "end": "12:00"}]
    )
    assert slots.status_code == 200, slots.text
    publish_profile(james, headline="Chemistry", rate="35", subjects=["chemistry"])

    # Subjects are matched by their normalised name; Monday is weekday 0.
    found = listing(taras, subject="MATH", weekday="0", max_rate="500").json()

    assert found["has_more"] is False
    assert found["results"] == [
        {
            "user": olena.id,
            "display_name": "Olena Kovalenko",
            "headline": "Maths for school finals",
            "hourly_rate": "400.00",
            "currency": "UAH",
            "subjects": ["math", "physics"],
        }
    ]
    assert listing(taras, subject="math", weekday="1").json()["results"] == []

    asked = taras.http.post("/api/student/relations/", json={"tutor": found["results"][0]["user"]})
    assert asked.status_code == 201, asked.text
    relation = asked.json()
    assert (relation["tutor"], relation["status"]) == (
        {"id": olena.id, "display_name": "Olena Kovalenko"},
        "pending",
    )
    mine = taras.http.get("/api/student/relations/").json()
    assert [(row["id"], row["status"]) for row in mine["results"]] == [(relation["id"], "pending")]
    assert students(olena, "pending") == [
        (relation["id"], {"id": taras.id, "display_name": "Taras"})
    ]
    assert students(james, "pending") == []
    # Pending is not active yet: the example project's policy still refuses a booking.
    day = in_a_week()
    refused = schedule(olena, taras, f"{day}T10:00", f"{day}T11:00")
    assert refused.status_code == 403
    assert codes(refused) == ["scheduling_not_allowed"]

    again = taras.http.post("/api/student/relations/", json={"tutor": olena.id})
    assert again.status_code == 409
    assert codes(again) == ["relation_exists"]


def test_scenario_a_tutor_bulk_accepts_and_a_foreign_id_is_reported_not_found(people):
    olena = people.register("olena", "Europe/Kyiv")
    james = people.register("james", "America/New_York")
    taras = people.register("taras", "Europe/Kyiv")
    emma = people.register("emma", "Europe/London")
    kenji = people.register("kenji", "Asia/Tokyo")
    tarass = ask_to_be_taught(taras, olena)
    emmas = ask_to_be_taught(emma, olena)
    foreign = ask_to_be_taught(kenji, james)  # james's relation: olena must not see it
    nowhere = foreign + 1000

    accepted = batch_accept(olena, [tarass, emmas, foreign, nowhere])

    assert accepted == {
        "processed": [tarass, emmas],
        "failed": [{"id": foreign, "error": "not found"}, {"id": nowhere, "error": "not found"}],
    }
    assert {relation for relation, _student in students(olena, "active")} == {tarass, emmas}
    assert students(olena, "pending") == []
    # The foreign relation is untouched, and its tutor still has it to decide on.
    assert students(james, "pending") == [(foreign, {"id": kenji.id, "display_name": "Kenji"})]
    seen_by_kenji = kenji.http.get("/api/student/relations/").json()["results"]
    assert [row["status"] for row in seen_by_kenji] == ["pending"]

    # The same batch again: every id is reported once more, nothing changes twice.
    assert batch_accept(olena, [tarass, emmas, foreign]) == {
        "processed": [],
        "failed": [
            {"id": tarass, "error": "already active"},
            {"id": emmas, "error": "already active"},
            {"id": foreign, "error": "not found"},
        ],
    }
    timeline = olena.http.get(f"/api/tutor/relations/{tarass}/timeline/").json()["results"]
    assert [(row["prev_status"], row["new_status"]) for row in timeline] == [
        ("", "pending"),
        ("pending", "active"),
    ]


def test_scenario_scheduled_lessons_show_in_the_students_calendar_in_the_students_zone(people):
    olena = people.register("olena", "Europe/Kyiv")
    emma = people.register("emma", "America/New_York")
    day = in_a_week()
    kyiv, new_york = ZoneInfo("Europe/Kyiv"), ZoneInfo("America/New_York")

    # Only a student in an active relation may be booked (the example project's policy).
    refused = schedule(olena, emma, f"{day}T10:00", f"{day}T11:00")
    assert refused.status_code == 403
    assert codes(refused) == ["scheduling_not_allowed"]
    connect(olena, emma)

    # Naive times are read in the tutor's zone (Kyiv); an offset is taken as given.
    morning = schedule(olena, emma, f"{day}T10:00", f"{day}T11:00")
    night = schedule(olena, emma, f"{day}T01:00:00+02:00", f"{day}T01:45:00+02:00")
    assert morning.status_code == 201, morning.text
    assert night.status_code == 201, night.text
    morning_start = datetime(day.year, day.month, day.day, 10, tzinfo=kyiv)
    night_start = datetime(day.year, day.month, day.day, 1, tzinfo=dt_timezone(timedelta(hours=2)))
    assert morning.json()["utc_start"] == iso_z(morning_start)
    assert morning.json()["user_local_start"] == morning_start.isoformat()
    assert morning.json()["timezone"] == "Europe/Kyiv"

    # Emma's calendar of the day before, in her zone: 01:00 in Kyiv is her evening.
    evening = calendar(emma, day - timedelta(days=1), day - timedelta(days=1))
    assert evening["timezone"] == "America/New_York"
    assert evening["has_more_events"] is False
    (lesson,) = evening["results"]
    assert lesson["id"] == night.json()["id"]
    assert lesson["user_local_start"] == night_start.astimezone(new_york).isoformat()
    assert (
        lesson["user_local_end"]
        == (night_start + timedelta(minutes=45)).astimezone(new_york).isoformat()
    )
    assert lesson["utc_start"] == iso_z(night_start)
    # For Olena, in Kyiv, that is not the day before.
    assert calendar(olena, day - timedelta(days=1), day - timedelta(days=1))["results"] == []

    week = calendar(emma, day - timedelta(days=1), day, role="student")
    assert [row["id"] for row in week["results"]] == [night.json()["id"], morning.json()["id"]]
    for row in week["results"]:
        local = datetime.fromisoformat(row["user_local_start"])
        assert (
            local.utcoffset()
            == datetime.fromisoformat(row["utc_start"]).astimezone(new_york).utcoffset()
        )
        assert row["timezone"] == "America/New_York"
    assert calendar(emma, day - timedelta(days=1), day, role="tutor")["results"] == []

    # Emma moves to Tokyo: the same lessons now read in Tokyo time.
    moved = emma.http.patch("/api/auth/me/", json={"timezone": "Asia/Tokyo"})
    assert moved.status_code == 200, moved.text
    tokyo = calendar(emma, day - timedelta(days=1), day + timedelta(days=1))
    assert tokyo["timezone"] == "Asia/Tokyo"
    assert [row["user_local_start"] for row in tokyo["results"]] == [
        night_start.astimezone(ZoneInfo("Asia/Tokyo")).isoformat(),
        morning_start.astimezone(ZoneInfo("Asia/Tokyo")).isoformat(),
    ]


def test_scenario_a_reschedule_onto_a_busy_slot_is_a_time_conflict_and_a_cancel_frees_it(people):
    olena = people.register("olena", "Europe/Kyiv")
    taras = people.register("taras", "Europe/Kyiv")
    kenji = people.register("kenji", "Asia/Tokyo")
    connect(olena, taras)
    day = in_a_week()
    ten = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    first = schedule(olena, taras, iso_z(ten), iso_z(ten + timedelta(hours=1))).json()
    second = schedule(
        olena, taras, iso_z(ten + timedelta(hours=2)), iso_z(ten + timedelta(hours=3))
    ).json()

    # The student drags the second lesson onto the first: start alone keeps the length.
    clash = taras.http.patch(
        f"/api/lessons/{second['id']}/reschedule/",
        json={"start": iso_z(ten + timedelta(minutes=30))},
    )

    assert clash.status_code == 409
    assert codes(clash) == ["time_conflict"]
    unchanged = calendar(olena, day, day)["results"]
    assert [(row["id"], row["utc_start"]) for row in unchanged] == [
        (first["id"], iso_z(ten)),
        (second["id"], iso_z(ten + timedelta(hours=2))),
    ]
    # Someone else cannot tell the lessons exist.
    for response in (
        kenji.http.post(f"/api/lessons/{first['id']}/cancel/", json={}),
        kenji.http.patch(
            f"/api/lessons/{first['id']}/reschedule/",
            json={"start": iso_z(ten + timedelta(days=1))},
        ),
    ):
        assert response.status_code == 404
        assert codes(response) == ["not_found"]

    cancelled = taras.http.post(f"/api/lessons/{first['id']}/cancel/", json={"reason": "Exam week"})
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["cancelled_by"]) == ("cancelled", taras.id)

    # A cancelled lesson blocks nothing: the same drag now goes through.
    moved = taras.http.patch(
        f"/api/lessons/{second['id']}/reschedule/",
        json={"start": iso_z(ten + timedelta(minutes=30))},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["utc_start"], moved.json()["utc_end"]) == (
        iso_z(ten + timedelta(minutes=30)),
        iso_z(ten + timedelta(minutes=90)),
    )
    again = olena.http.post(f"/api/lessons/{first['id']}/cancel/", json={})
    assert again.status_code == 409
    assert codes(again) == ["lesson_not_scheduled"]
    scheduled = calendar(taras, day, day, status="scheduled")["results"]
    assert [row["id"] for row in scheduled] == [second["id"]]
    (gone,) = calendar(olena, day, day, status="cancelled")["results"]
    assert (gone["id"], gone["cancellation_reason"]) == (first["id"], "Exam week")


def test_scenario_an_autosaved_profile_edit_is_diffed_published_and_listed_miss_then_hit(people):
    olena = people.register("olena", "Europe/Kyiv")
    emma = people.register("emma", "Europe/London")
    published = publish_profile(olena, headline="Maths for school", rate="400", subjects=["math"])

    first, second = listing(emma, subject="math"), listing(emma, subject="math")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.json() == first.json()
    assert [row["headline"] for row in second.json()["results"]] == ["Maths for school"]

    # The frontend autosaves the whole edited profile as the tutor types.
    draft = {
        **published,
        "headline": "Maths and physics for finals",
        "settings": {
            **published["settings"],
            "hourly_rate": "450",
            "subjects": ["math", "physics"],
        },
    }
    saved = olena.http.put("/api/me/profile/autosave/", json=draft)
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == f'"{saved.json()["version"]}"'

    diff = olena.http.get("/api/me/profile/autosave/diff/")
    assert diff.json() == {"dirty": ["headline", "settings.hourly_rate", "settings.subjects"]}
    # A draft is not the profile: the listing still serves the published one, from Redis.
    while_drafting = listing(emma, subject="math")
    assert while_drafting.headers["X-Cache"] == "HIT"
    assert [row["headline"] for row in while_drafting.json()["results"]] == ["Maths for school"]

    publish = olena.http.post(
        "/api/me/profile/autosave/publish/", headers={"If-Match": saved.headers["ETag"]}
    )
    assert publish.status_code == 200, publish.text
    assert publish.json()["headline"] == "Maths and physics for finals"
    assert olena.http.get("/api/me/profile/autosave/diff/").json() == {"dirty": []}
    assert olena.http.get("/api/me/profile/").json() == publish.json()

    after, cached = listing(emma, subject="math"), listing(emma, subject="math")
    assert (after.headers["X-Cache"], cached.headers["X-Cache"]) == ("MISS", "HIT")
    (row,) = cached.json()["results"]
    assert (row["headline"], row["hourly_rate"], row["subjects"]) == (
        "Maths and physics for finals",
        "450.00",
        ["math", "physics"],
    )
    assert [row["user"] for row in listing(emma, subject="physics").json()["results"]] == [olena.id]


def test_scenario_the_recent_actions_feed_and_a_relation_timeline_tell_the_story(people):
    olena = people.register("olena", "Europe/Kyiv")
    james = people.register("james", "America/New_York")
    taras = people.register("taras", "Europe/Kyiv")
    emma = people.register("emma", "Europe/London")
    tarass = ask_to_be_taught(taras, olena, **{"X-Request-ID": "taras-asks"})
    emmas = ask_to_be_taught(emma, olena, **{"X-Request-ID": "emma-asks"})
    batch_accept(olena, [tarass, emmas], **{"X-Request-ID": "olena-accepts"})
    archived = olena.http.post(
        f"/api/tutor/relations/{emmas}/archive/", headers={"X-Request-ID": "olena-archives"}
    )
    assert archived.status_code == 200, archived.text

    feed = olena.http.get("/api/tutor/relations/recent-actions/").json()

    assert (feed["cursor"], feed["has_more"]) == (None, False)
    story = [
        (
            row["relation_id"],
            row["student"]["display_name"],
            row["prev_status"],
            row["new_status"],
            row["actor_id"],
            tuple(sorted(row["metadata"].items())),
        )
        for row in feed["results"]
    ]
    archive = ("olena-archives", "single")
    assert story[0] == (emmas, "Emma", "active", "archived", olena.id, meta(*archive))
    # The batch's two rows share a transaction; newest first holds within each request.
    assert set(story[1:3]) == {
        (tarass, "Taras", "pending", "active", olena.id, meta("olena-accepts", "batch")),
        (emmas, "Emma", "pending", "active", olena.id, meta("olena-accepts", "batch")),
    }
    assert story[3:] == [
        (emmas, "Emma", "", "pending", emma.id, meta("emma-asks", "single")),
        (tarass, "Taras", "", "pending", taras.id, meta("taras-asks", "single")),
    ]
    # Page by page, the cursor walks the same feed.
    pages, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = olena.http.get("/api/tutor/relations/recent-actions/", params=params).json()
        pages.append([row["id"] for row in page["results"]])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert [entry for page in pages for entry in page] == [row["id"] for row in feed["results"]]
    assert [len(page) for page in pages] == [2, 2, 1]

    timeline = olena.http.get(f"/api/tutor/relations/{emmas}/timeline/").json()
    assert timeline["relation_id"] == emmas
    assert [
        (row["prev_status"], row["new_status"], row["actor_id"], row["metadata"]["source"])
        for row in timeline["results"]
    ] == [
        ("", "pending", emma.id, "single"),
        ("pending", "active", olena.id, "batch"),
        ("active", "archived", olena.id, "single"),
    ]
    hidden = james.http.get(f"/api/tutor/relations/{emmas}/timeline/")
    assert hidden.status_code == 404
    assert codes(hidden) == ["not_found"]
    assert james.http.get("/api/tutor/relations/recent-actions/").json()["results"] == []

    # What the story means for lessons: archived is no longer bookable, active is.
    day = in_a_week()
    assert schedule(olena, emma, f"{day}T10:00", f"{day}T11:00").status_code == 403
    assert schedule(olena, taras, f"{day}T10:00", f"{day}T11:00").status_code == 201


def test_scenario_listing_requests_leave_metrics_rows_and_prometheus_counters(people, server):
    from tutor_marketplace.telemetry import metrics_buffer

    started = timezone.now()
    before = metric_samples(server)
    olena = people.register("olena", "Europe/Kyiv")
    emma = people.register("emma", "Europe/London")
    publish_profile(olena, headline="Maths", rate="400", subjects=["math"])

    answers = [
        listing(emma, subject="math").headers["X-Cache"],
        listing(emma, subject="math").headers["X-Cache"],
        listing(emma, subject="math").headers["X-Cache"],
        listing(emma, subject="chemistry").headers["X-Cache"],
    ]

    assert answers == ["MISS", "HIT", "HIT", "MISS"]
    after = metric_samples(server)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("marketplace_cache_hit_total") == 2
    assert grew("marketplace_cache_miss_total") == 2
    assert grew("marketplace_query_duration_ms_count", cache="hit") == 2
    assert grew("marketplace_query_duration_ms_count", cache="miss") == 2
    assert grew("marketplace_result_count_count") == 4
    assert grew("marketplace_result_count_sum") == 3  # one tutor thrice, none once
    # The example's own counters: the four listings and the first scrape itself (GET 200),
    # the two registrations (POST 201), the token sign-ins (POST 200) and the PATCH.
    assert grew("http_requests_total", method="GET", status="200") == 5
    assert grew("http_requests_total", method="POST", status="201") == 2
    assert grew("http_requests_total", method="PATCH", status="200") == 1

    # The MarketplaceMetrics rows are for analytics and no endpoint shows them, so this
    # reads the table. They are sums per minute, metric and label set, written off the
    # request path by a background thread: flush what is still buffered, then wait for a
    # flush that may be under way. Four requests are 16 samples in 8 rows (16 if the
    # minute turned meanwhile).
    rows = metrics_rows_since(started, samples=16, flush=metrics_buffer.flush)
    sums: dict[tuple[str, str], tuple[float, int]] = {}
    for metric, value, count, labels in rows:
        assert labels["ordering"] == "-created"
        total, samples = sums.get((metric, labels["cache"]), (0.0, 0))
        sums[(metric, labels["cache"])] = (total + value, samples + count)
    assert sums[("marketplace_cache_hit", "hit")] == (2, 2)
    assert sums[("marketplace_cache_hit", "miss")] == (0, 2)
    assert sums[("marketplace_cache_miss", "miss")] == (2, 2)
    assert sums[("marketplace_cache_miss", "hit")] == (0, 2)
    assert sums[("marketplace_result_count", "hit")] == (2, 2)  # one tutor, twice
    assert sums[("marketplace_result_count", "miss")] == (1, 2)  # one tutor, then none
    for cache in ("hit", "miss"):
        total, samples = sums[("marketplace_query_duration_ms", cache)]
        assert samples == 2
        assert total > 0
    assert len(rows) in (8, 16)


def metrics_rows_since(started: datetime, *, samples: int, flush) -> list[tuple]:
    from django.db.models import Sum

    from tutor_marketplace.models import MarketplaceMetrics

    # Rows are dated by the start of their minute.
    since = MarketplaceMetrics.objects.filter(
        created_at__gte=started.replace(second=0, microsecond=0)
    )
    flush()
    # Not a timing assertion: a bound on waiting for the writer thread's INSERT to commit.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (since.aggregate(total=Sum("count"))["total"] or 0) >= samples:
            break
        time.sleep(0.05)
        flush()
    rows = list(since.values_list("metric", "value", "count", "labels"))
    assert sum(count for _metric, _value, count, _labels in rows) == samples, rows
    return rows
