"""The signal after commit, robust receivers, and one JSON-ready log line per transition."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import json_id, pending_relations
from tutor_relations.models import TutorStudentRelation
from tutor_relations.policies import request_id_of
from tutor_relations.signals import relation_status_changed

ACCEPT = reverse("relations:tutor-batch-accept")


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    relation_status_changed.connect(receiver, weak=False, dispatch_uid="test-receiver")
    yield calls
    relation_status_changed.disconnect(dispatch_uid="test-receiver")


@pytest.fixture
def failing_receiver():
    def explode(sender, relation, **kwargs):
        raise RuntimeError(f"receiver broke on relation {relation.pk}")

    relation_status_changed.connect(explode, weak=False, dispatch_uid="test-explode")
    yield
    relation_status_changed.disconnect(dispatch_uid="test-explode")


@pytest.mark.django_db
def test_the_signal_is_sent_only_after_commit_with_every_keyword(
    tutor, tutor_client, received, django_capture_on_commit_callbacks
):
    batch = pending_relations(tutor=tutor, count=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tutor_client.post(ACCEPT, {"ids": [r.pk for r in batch]}, format="json")
    assert received == [], "nothing before the commit"

    for callback in callbacks:
        callback()

    assert [(c["relation"].pk, c["relation"].status) for c in received] == [
        (r.pk, "active") for r in batch
    ]
    for call in received:
        assert call["sender"] is TutorStudentRelation
        assert (call["previous_status"], call["new_status"]) == ("pending", "active")
        assert (call["actor"], call["source"]) == (tutor, "batch")


@pytest.mark.django_db
def test_a_creation_is_announced_with_an_empty_previous_status(
    student, student_client, tutor, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        student_client.post(
            reverse("relations:student-relations"), {"tutor": json_id(tutor)}, format="json"
        )
    assert [(c["previous_status"], c["new_status"], c["actor"], c["source"]) for c in received] == [
        ("", "pending", student, "single")
    ]


@pytest.mark.django_db
def test_refused_items_send_no_signal(
    tutor, tutor_client, received, django_capture_on_commit_callbacks
):
    batch = pending_relations(tutor=tutor, count=1)
    with django_capture_on_commit_callbacks(execute=True):
        tutor_client.post(ACCEPT, {"ids": [batch[0].pk]}, format="json")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tutor_client.post(ACCEPT, {"ids": [batch[0].pk, 10**6]}, format="json")
    assert len(received) == 1
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_raises_never_changes_the_response_of_a_committed_write(
    tutor, tutor_client, failing_receiver, caplog
):
    # transaction=True: the service's atomic block really commits, so the on_commit
    # callbacks run inside the request, as in production.
    caplog.set_level(logging.INFO, logger="tutor_relations")
    batch = pending_relations(tutor=tutor, count=2)

    response = tutor_client.post(ACCEPT, {"ids": [r.pk for r in batch]}, format="json")

    assert response.status_code == 200
    assert response.json()["processed"] == [r.pk for r in batch]
    assert set(TutorStudentRelation.objects.values_list("status", flat=True)) == {"active"}
    failures = [
        (record.levelno, record.relation_id, str(record.exc_info[1]))
        for record in caplog.records
        if getattr(record, "event", None) == "signal_receiver_failed"
    ]
    assert failures == [(logging.ERROR, r.pk, f"receiver broke on relation {r.pk}") for r in batch]


@pytest.mark.django_db(transaction=True)
def test_each_transition_logs_one_structured_line_with_the_request_id(tutor, tutor_client, caplog):
    caplog.set_level(logging.INFO, logger="tutor_relations")
    batch = pending_relations(tutor=tutor, count=3)

    tutor_client.post(
        ACCEPT, {"ids": [r.pk for r in batch]}, format="json", HTTP_X_REQUEST_ID="abc-123"
    )

    lines = [r for r in caplog.records if getattr(r, "event", None) == "relation_status_changed"]
    assert [line.relation_id for line in lines] == [r.pk for r in batch]
    for line in lines:
        assert line.name == "tutor_relations"
        assert line.levelno == logging.INFO
        assert (line.prev_status, line.new_status, line.source) == ("pending", "active", "batch")
        assert (line.actor_id, line.request_id) == (tutor.pk, "abc-123")
        assert (line.tutor_id, line.student_id) == (
            tutor.pk,
            TutorStudentRelation.objects.get(pk=line.relation_id).student_id,
        )


def test_the_request_id_comes_from_the_middleware_then_a_sane_header():
    factory = RequestFactory()
    tagged = factory.get("/", HTTP_X_REQUEST_ID="from-header")
    tagged.request_id = "from-middleware"
    assert request_id_of(tagged) == "from-middleware"
    assert request_id_of(factory.get("/", HTTP_X_REQUEST_ID="from-header")) == "from-header"
    assert request_id_of(factory.get("/", HTTP_X_REQUEST_ID='bad "id"\n')) is None
    assert request_id_of(factory.get("/")) is None


@pytest.mark.django_db
def test_the_request_id_hook_is_a_setting(tutor, tutor_client, settings):
    settings.TUTOR_RELATIONS = {"REQUEST_ID": "tests.test_signals_and_logs.fixed_request_id"}
    batch = pending_relations(tutor=tutor, count=1)
    tutor_client.post(ACCEPT, {"ids": [batch[0].pk]}, format="json")
    assert batch[0].status_log.get().metadata["request_id"] == "fixed"


def fixed_request_id(request) -> str:
    return "fixed"
