"""Correctness under concurrency, over real HTTP, on two app servers at once.

Two gunicorns of the example project (2 workers each, ``tools/processes.py``'s
``serving()``) share pytest-django's test database and the Redis of ``REDIS_URL``, the
way a host scales out. Every request of a burst is sent at once (one thread each, behind
a barrier), alternately to each instance, and the answers are judged together:

- one slot booked by every client: exactly one 201, the others 409 ``time_conflict``
  (the same tutor and student; the same student with different tutors);
- one batch accept of the same pending ids by every client: each id processed exactly
  once over all the answers, the others reported ``already active``;
- one batch archive with one ``Idempotency-Key`` by every client: exactly one answer
  acts, the others replay it with the same body;
- the listing cache across instances: cached through one, written through the other,
  the first one misses with the new headline.

The tests write through the ORM only what needs no request (users and tokens), and
commit it (``transaction=True``) before the servers read it.
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.db import connection

from tests.factories import TokenFactory, UserFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from processes import GUNICORN, THROTTLE_ENVIRONMENT, server_log_errors, serving

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="servers share the test database and Redis: PostgreSQL and REDIS_URL",
    ),
]

#: Requests in each burst, alternately to each instance.
CLIENTS = 8


@pytest.fixture(scope="module")
def instances(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[list[str]]:
    """Two gunicorns on the test database: their base URLs. No ERROR line in their logs."""
    with django_db_blocker.unblock():
        test_database = connection.settings_dict["NAME"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    environment = {
        **os.environ,
        **THROTTLE_ENVIRONMENT,
        "DATABASE_URL": urlunsplit(parts._replace(path=f"/{test_database}")),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        # One key for both, as behind one load balancer: listing cursors are signed.
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    logs = [tmp_path_factory.mktemp("gunicorn") / f"{name}.log" for name in "ab"]
    with ExitStack() as stack:
        servers = [
            stack.enter_context(serving(GUNICORN, environment=environment, log_path=log))
            for log in logs
        ]
        yield [server.url for server in servers]
    for log in logs:
        assert server_log_errors(log) == []


def person(name: str, zone: str = "UTC") -> tuple[int, str]:
    """A user and its token, committed: (id, token)."""
    user = UserFactory(username=f"{name}{secrets.token_hex(3)}", timezone=zone)
    return user.pk, TokenFactory(user=user).key


def call(base_url: str, method: str, path: str, token: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Token {token}", **kwargs.pop("headers", {})}
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as client:
        return client.request(method, path, headers=headers, **kwargs)


def at_once(
    instances: list[str], send: Callable[[str, int], httpx.Response]
) -> list[httpx.Response]:
    """``send(base_url, index)`` for every client, all released together."""
    barrier = threading.Barrier(CLIENTS)

    def run(index: int) -> httpx.Response:
        barrier.wait()
        return send(instances[index % len(instances)], index)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(run, range(CLIENTS)))


def publish(base_url: str, token: str, subject: str = "math", headline: str = "Maths") -> None:
    answer = call(
        base_url,
        "PATCH",
        "/api/me/profile/",
        token,
        json={
            "headline": headline,
            "is_published": True,
            "settings": {"hourly_rate": "40.00", "subjects": [subject]},
        },
    )
    assert answer.status_code == 200, answer.text


def ask(base_url: str, student_token: str, tutor_id: int) -> int:
    """A pending relation of the student with the (published) tutor: its id."""
    answer = call(
        base_url, "POST", "/api/student/relations/", student_token, json={"tutor": tutor_id}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def accept(base_url: str, tutor_token: str, relation_id: int) -> None:
    answer = call(base_url, "POST", f"/api/tutor/relations/{relation_id}/accept/", tutor_token)
    assert answer.status_code == 200, answer.text


def pending_ids(instances: list[str], tutor: tuple[int, str]) -> list[int]:
    """``CLIENTS`` students ask the tutor: their pending relations' ids."""
    publish(instances[0], tutor[1])
    return sorted(ask(instances[1], person("student")[1], tutor[0]) for _ in range(CLIENTS))


def one_slot(hours_ahead: int) -> dict[str, str]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start += timedelta(days=7, hours=hours_ahead)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


def assert_one_booked(answers: list[httpx.Response]) -> None:
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: CLIENTS - 1}, [answer.text for answer in answers]
    codes = {answer.json()["errors"][0]["code"] for answer in answers if answer.status_code == 409}
    assert codes == {"time_conflict"}


def test_one_slot_booked_by_every_client_of_the_same_tutor_is_booked_once(instances):
    tutor_id, tutor = person("tutor")
    student_id, student = person("student")
    publish(instances[0], tutor)
    accept(instances[1], tutor, ask(instances[0], student, tutor_id))
    lesson = {"student": student_id, **one_slot(0)}

    answers = at_once(
        instances, lambda url, i: call(url, "POST", "/api/lessons/", tutor, json=lesson)
    )

    assert_one_booked(answers)


def test_one_slot_of_one_student_booked_by_every_tutor_at_once_is_booked_once(instances):
    student_id, student = person("student")
    tutors = [person("tutor") for _ in range(CLIENTS)]
    for tutor_id, tutor in tutors:
        publish(instances[0], tutor)
        accept(instances[1], tutor, ask(instances[0], student, tutor_id))
    lesson = {"student": student_id, **one_slot(2)}

    answers = at_once(
        instances, lambda url, i: call(url, "POST", "/api/lessons/", tutors[i][1], json=lesson)
    )

    assert_one_booked(answers)


def test_a_batch_accept_of_the_same_ids_by_every_client_processes_each_id_once(instances):
    tutor = person("tutor")
    ids = pending_ids(instances, tutor)

    answers = at_once(
        instances,
        lambda url, i: call(
            url,
            "POST",
            "/api/tutor/relations/batch/accept/",
            tutor[1],
            json={"ids": random.Random(i).sample(ids, len(ids))},
        ),
    )

    assert [answer.status_code for answer in answers] == [200] * CLIENTS
    processed = Counter(pk for answer in answers for pk in answer.json()["processed"])
    assert processed == dict.fromkeys(ids, 1)
    for answer in answers:
        body = answer.json()
        assert sorted(body["processed"] + [failed["id"] for failed in body["failed"]]) == ids
        assert {failed["error"] for failed in body["failed"]} <= {"already active"}
    for pk in ids:
        timeline = call(instances[pk % 2], "GET", f"/api/tutor/relations/{pk}/timeline/", tutor[1])
        entries = timeline.json()["results"]
        assert [(e["prev_status"], e["new_status"]) for e in entries] == [
            ("", "pending"),
            ("pending", "active"),
        ]
        assert entries[1]["metadata"]["source"] == "batch"


def test_a_batch_archive_with_one_key_by_every_client_acts_once_and_replays(instances):
    tutor = person("tutor")
    ids = pending_ids(instances, tutor)
    for pk in ids:
        accept(instances[0], tutor[1], pk)
    key = f"archive-{secrets.token_hex(4)}"

    answers = at_once(
        instances,
        lambda url, i: call(
            url,
            "POST",
            "/api/tutor/relations/batch/archive/",
            tutor[1],
            json={"ids": ids},
            headers={"Idempotency-Key": key},
        ),
    )

    assert [answer.status_code for answer in answers] == [200] * CLIENTS
    assert [answer.json() for answer in answers] == [{"processed": ids, "failed": []}] * CLIENTS
    replayed = [answer.headers.get("Idempotent-Replayed") == "true" for answer in answers]
    assert replayed.count(False) == 1


def test_the_listing_cached_through_one_instance_misses_after_a_write_through_the_other(
    instances,
):
    tutor_id, tutor = person("tutor")
    _student_id, student = person("student")
    subject = f"s{secrets.token_hex(4)}"
    publish(instances[0], tutor, subject=subject, headline="First")
    first, second = instances

    def read(base_url: str, cache: str, headline: str) -> bytes:
        answer = call(
            base_url, "GET", "/api/marketplace/tutors/", student, params={"subject": subject}
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Cache"] == cache
        rows = answer.json()["results"]
        assert [(row["user"], row["headline"]) for row in rows] == [(tutor_id, headline)]
        return answer.content

    # Cached through one instance; a write through the other: the first one misses.
    assert read(second, "MISS", "First") == read(first, "HIT", "First")
    for writer, reader, headline in ((first, second, "Second"), (second, first, "Third")):
        written = call(writer, "PATCH", "/api/me/profile/", tutor, json={"headline": headline})
        assert written.status_code == 200, written.text
        assert read(reader, "MISS", headline) == read(writer, "HIT", headline)
