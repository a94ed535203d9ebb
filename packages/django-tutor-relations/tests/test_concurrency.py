"""Races through real HTTP: a live server, one thread and one connection per request."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.urls import reverse

from tests.factories import PersonFactory, json_id, pending_relations
from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation

PASSWORD = "race-pass-123"
ROUNDS = 8


def _user(username: str):
    user = PersonFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def _send(method: str, url: str, user, payload, headers=None) -> tuple[int, dict, dict]:
    credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    request = Request(
        url,
        data=json.dumps(payload).encode() if payload is not None else None,
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
        method=method,
    )
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def all_at_once(*requests: tuple) -> list[tuple[int, dict, dict]]:
    """Send ``(method, url, user, payload[, headers])`` requests together (a barrier)."""
    barrier = threading.Barrier(len(requests))

    def go(request: tuple) -> tuple[int, dict, dict]:
        barrier.wait(timeout=30)
        return _send(*request)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(go, requests))


def assert_consistent_log(relation: TutorStudentRelation) -> list[tuple[str, str]]:
    """The log is a chain from the creation state to the relation's final status."""
    steps = list(
        RelationStatusLog.objects.filter(relation=relation)
        .order_by("timestamp", "pk")
        .values_list("prev_status", "new_status")
    )
    state = RELATION_STATUS.pending
    for previous, new in steps:
        assert previous == state, steps
        state = new
    assert state == relation.status, steps
    return steps


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_batch_accepts_of_50_ids_process_each_relation_exactly_once(http_server):
    tutor = _user("racing-tutor")
    batch = pending_relations(tutor=tutor, count=50)
    ids = [r.pk for r in batch]
    url = http_server + reverse("relations:tutor-batch-accept")

    answers = all_at_once(*[("POST", url, tutor, {"ids": ids})] * 20)

    assert [status for status, _, _ in answers] == [200] * 20
    processed = Counter(pk for _, body, _ in answers for pk in body["processed"])
    assert processed == Counter(ids), "each relation processed exactly once in total"
    for _, body, _ in answers:
        failed = {item["id"]: item["error"] for item in body["failed"]}
        assert sorted([*body["processed"], *failed]) == sorted(ids), "every id reported once"
        assert set(failed.values()) <= {"already active"}
    assert set(TutorStudentRelation.objects.values_list("status", flat=True)) == {"active"}
    log = RelationStatusLog.objects.filter(prev_status="pending", new_status="active")
    assert Counter(log.values_list("relation_id", flat=True)) == Counter(ids)
    assert RelationStatusLog.objects.count() == 50


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_accept_and_archive_of_one_relation_leave_a_consistent_state_and_log(
    http_server,
):
    tutor = _user("deciding-tutor")
    relations = pending_relations(tutor=tutor, count=ROUNDS)
    outcomes = Counter()
    for relation in relations:
        accept = http_server + reverse("relations:tutor-accept", args=[relation.pk])
        archive = http_server + reverse("relations:tutor-archive", args=[relation.pk])

        (accepted, accept_body, _), (archived, _, _) = all_at_once(
            ("POST", accept, tutor, None), ("POST", archive, tutor, None)
        )

        relation.refresh_from_db()
        assert archived == 200
        assert relation.status == "archived"
        steps = assert_consistent_log(relation)
        if accepted == 200:
            assert steps == [("pending", "active"), ("active", "archived")]
        else:
            assert (accepted, accept_body["errors"][0]["code"]) == (409, "invalid_transition")
            assert steps == [("pending", "archived")]
        outcomes[accepted] += 1
    assert sum(outcomes.values()) == ROUNDS


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_racing_batch_accept_and_batch_archive_over_the_same_ids_stay_consistent(http_server):
    tutor = _user("batch-tutor")
    batch = pending_relations(tutor=tutor, count=30)
    ids = [r.pk for r in batch]
    accept = http_server + reverse("relations:tutor-batch-accept")
    archive = http_server + reverse("relations:tutor-batch-archive")

    answers = all_at_once(
        *[("POST", accept, tutor, {"ids": ids})] * 5,
        *[("POST", archive, tutor, {"ids": list(reversed(ids))})] * 5,
    )

    assert [status for status, _, _ in answers] == [200] * 10
    for relation in TutorStudentRelation.objects.filter(pk__in=ids):
        assert relation.status == "archived"
        assert_consistent_log(relation)
    archived_by = Counter(pk for _, body, _ in answers[5:] for pk in body["processed"])
    assert archived_by == Counter(ids)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_idempotency_key_act_once(http_server):
    tutor = _user("retrying-tutor")
    batch = pending_relations(tutor=tutor, count=10)
    ids = [r.pk for r in batch]
    url = http_server + reverse("relations:tutor-batch-accept")
    headers = {"Idempotency-Key": "retry-storm-1"}

    answers = all_at_once(*[("POST", url, tutor, {"ids": ids}, headers)] * 10)

    assert [status for status, _, _ in answers] == [200] * 10
    assert all(body == {"processed": ids, "failed": []} for _, body, _ in answers)
    replayed = [h.get("Idempotent-Replayed") for _, _, h in answers]
    assert replayed.count("true") == 9
    assert RelationStatusLog.objects.count() == 10


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_to_one_tutor_make_one_relation(http_server):
    tutor, student = _user("wanted-tutor"), _user("eager-student")
    url = http_server + reverse("relations:student-relations")

    answers = all_at_once(*[("POST", url, student, {"tutor": json_id(tutor)})] * 10)

    assert sorted(status for status, _, _ in answers) == [201] + [409] * 9
    codes = {body["errors"][0]["code"] for status, body, _ in answers if status == 409}
    assert codes == {"relation_exists"}
    assert TutorStudentRelation.objects.count() == 1
    assert RelationStatusLog.objects.count() == 1
