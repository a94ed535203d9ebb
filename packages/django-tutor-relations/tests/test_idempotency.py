"""Idempotency-Key: a retried write returns the first response and does nothing again."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import RelationFactory, json_id, pending_relations
from tests.test_batch import error_codes
from tutor_relations.models import IdempotencyKey, RelationStatusLog, TutorStudentRelation

ACCEPT = reverse("relations:tutor-batch-accept")
ARCHIVE = reverse("relations:tutor-batch-archive")


def post(client, url, body, key):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retried_batch_returns_the_first_response_and_acts_once(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=3)
    body = {"ids": [r.pk for r in batch]}

    first = post(tutor_client, ACCEPT, body, "key-1")
    retry = post(tutor_client, ACCEPT, body, "key-1")
    without_key = tutor_client.post(ACCEPT, body, format="json")

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() == {"processed": body["ids"], "failed": []}
    assert "Idempotent-Replayed" not in first
    assert retry["Idempotent-Replayed"] == "true"
    # Without the key the same request acts again: now every id is already active.
    assert [f["error"] for f in without_key.json()["failed"]] == ["already active"] * 3
    assert RelationStatusLog.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=3)
    post(tutor_client, ACCEPT, {"ids": [batch[0].pk]}, "key-2")

    other_body = post(tutor_client, ACCEPT, {"ids": [batch[1].pk]}, "key-2")
    other_path = post(tutor_client, ARCHIVE, {"ids": [batch[0].pk]}, "key-2")

    for response in (other_body, other_path):
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "code": "idempotency_key_reused",
                "detail": "This Idempotency-Key was used for another request in the last 24 hours.",
                "attr": None,
            }
        ]
    assert TutorStudentRelation.objects.filter(status="active").count() == 1


@pytest.mark.django_db
def test_keys_are_per_user(tutor, tutor_client, client_for):
    mine = pending_relations(tutor=tutor, count=1)
    other = RelationFactory()
    post(tutor_client, ACCEPT, {"ids": [mine[0].pk]}, "shared")

    theirs = post(client_for(other.tutor), ACCEPT, {"ids": [other.pk]}, "shared")

    assert theirs.json() == {"processed": [other.pk], "failed": []}


@pytest.mark.django_db
def test_the_same_json_written_differently_is_the_same_request(student_client, tutor):
    url = reverse("relations:student-relations")
    first = post(student_client, url, {"tutor": json_id(tutor)}, "k")
    retry = student_client.post(
        url,
        json.dumps({"tutor": json_id(tutor)}, indent=4),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert TutorStudentRelation.objects.count() == 1


@pytest.mark.django_db
def test_an_expired_key_acts_anew(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=1)
    body = {"ids": [batch[0].pk]}
    post(tutor_client, ACCEPT, body, "old")
    IdempotencyKey.objects.update(created=timezone.now() - timedelta(hours=24, seconds=1))

    again = post(tutor_client, ACCEPT, body, "old")

    assert again.json() == {
        "processed": [],
        "failed": [{"id": batch[0].pk, "error": "already active"}],
    }
    assert "Idempotent-Replayed" not in again
    assert IdempotencyKey.objects.get().response_body == again.json()


@pytest.mark.django_db
def test_a_refused_request_is_not_remembered(tutor, tutor_client):
    active = RelationFactory(tutor=tutor, status="active")
    url = reverse("relations:tutor-accept", args=[active.pk])

    refused = tutor_client.post(url, HTTP_IDEMPOTENCY_KEY="single-1")

    assert refused.status_code == 409
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_single_transitions_replay_too(tutor, tutor_client):
    relation = RelationFactory(tutor=tutor)
    url = reverse("relations:tutor-accept", args=[relation.pk])

    first = tutor_client.post(url, HTTP_IDEMPOTENCY_KEY="single-2")
    retry = tutor_client.post(url, HTTP_IDEMPOTENCY_KEY="single-2")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "naïve"])
def test_a_malformed_key_is_a_400(tutor, tutor_client, key):
    batch = pending_relations(tutor=tutor, count=1)

    response = tutor_client.post(
        ACCEPT, {"ids": [batch[0].pk]}, format="json", headers={"Idempotency-Key": key}
    )

    assert response.status_code == 400
    assert error_codes(response) == [("invalid_idempotency_key", "Idempotency-Key")]
    assert not RelationStatusLog.objects.exists()


@pytest.mark.django_db
def test_a_malformed_body_is_a_400_and_does_not_burn_the_key(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=1)
    assert post(tutor_client, ACCEPT, {"ids": []}, "k3").status_code == 400
    assert post(tutor_client, ACCEPT, {"ids": [batch[0].pk]}, "k3").status_code == 200


@pytest.mark.django_db
def test_the_purge_command_deletes_only_expired_keys(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=2)
    post(tutor_client, ACCEPT, {"ids": [batch[0].pk]}, "expired")
    post(tutor_client, ACCEPT, {"ids": [batch[1].pk]}, "fresh")
    IdempotencyKey.objects.filter(key="expired").update(created=timezone.now() - timedelta(days=2))
    out = StringIO()

    call_command("purge_relation_idempotency_keys", stdout=out)

    assert "Deleted 1 expired idempotency key(s)." in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_storing_a_new_key_deletes_a_bounded_batch_of_expired_keys(tutor, tutor_client, settings):
    settings.TUTOR_RELATIONS = {"IDEMPOTENCY_PURGE_BATCH_SIZE": 100}
    batch = pending_relations(tutor=tutor, count=3)
    long_ago = timezone.now() - timedelta(days=3)
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(user=tutor, key=f"old-{n}", fingerprint="x", created=long_ago)
        for n in range(150)
    )
    post(tutor_client, ACCEPT, {"ids": [batch[0].pk]}, "fresh")
    assert IdempotencyKey.objects.filter(created=long_ago).count() == 50

    replay = post(tutor_client, ACCEPT, {"ids": [batch[0].pk]}, "fresh")
    assert replay["Idempotent-Replayed"] == "true"
    assert IdempotencyKey.objects.filter(created=long_ago).count() == 50  # nothing stored

    post(tutor_client, ACCEPT, {"ids": [batch[1].pk]}, "newer")
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh", "newer"]
