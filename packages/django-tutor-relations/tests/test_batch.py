"""Bulk accept and archive: partial success, per-item errors, every 400, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PersonFactory, RelationFactory, log_rows, pending_relations
from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation

ACCEPT = reverse("relations:tutor-batch-accept")
ARCHIVE = reverse("relations:tutor-batch-archive")


def error_codes(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def status_of(relation) -> str:
    return TutorStudentRelation.objects.get(pk=relation.pk).status


@pytest.fixture
def relations(tutor):
    """One relation of the tutor in each status, and one of another tutor."""
    return {
        "pending": RelationFactory(tutor=tutor),
        "active": RelationFactory(tutor=tutor, status=RELATION_STATUS.active),
        "archived": RelationFactory(tutor=tutor, status=RELATION_STATUS.archived),
        "foreign": RelationFactory(),
    }


@pytest.mark.django_db
def test_batch_accept_reports_every_id_once_with_its_per_item_error(tutor_client, relations):
    ids = [r.pk for r in relations.values()]
    missing = max(ids) + 1000

    response = tutor_client.post(ACCEPT, {"ids": [*ids, missing]}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "processed": [relations["pending"].pk],
        "failed": [
            {"id": relations["active"].pk, "error": "already active"},
            {"id": relations["archived"].pk, "error": "invalid transition"},
            {"id": relations["foreign"].pk, "error": "not found"},
            {"id": missing, "error": "not found"},
        ],
    }
    assert status_of(relations["pending"]) == "active"
    assert status_of(relations["foreign"]) == "pending"


@pytest.mark.django_db
def test_batch_archive_reports_already_archived_and_archives_pending_and_active(
    tutor_client, relations
):
    ids = [r.pk for r in relations.values()]

    response = tutor_client.post(ARCHIVE, {"ids": ids}, format="json")

    assert response.json() == {
        "processed": [relations["pending"].pk, relations["active"].pk],
        "failed": [
            {"id": relations["archived"].pk, "error": "already archived"},
            {"id": relations["foreign"].pk, "error": "not found"},
        ],
    }
    assert status_of(relations["active"]) == status_of(relations["pending"]) == "archived"


@pytest.mark.django_db
def test_batch_accept_reports_foreign_relation_as_not_found_and_leaves_it(client_for, relations):
    other_tutor = relations["foreign"].tutor
    mine = RelationFactory(tutor=other_tutor)
    response = client_for(other_tutor).post(
        ACCEPT, {"ids": [relations["pending"].pk, mine.pk]}, format="json"
    )

    assert response.json() == {
        "processed": [mine.pk],
        "failed": [{"id": relations["pending"].pk, "error": "not found"}],
    }
    assert status_of(relations["pending"]) == "pending"
    assert not RelationStatusLog.objects.filter(relation=relations["pending"]).exists()


@pytest.mark.django_db
def test_duplicate_ids_are_reported_once_in_the_order_first_given(tutor_client, relations):
    pending, active = relations["pending"].pk, relations["active"].pk

    response = tutor_client.post(
        ACCEPT, {"ids": [active, pending, active, pending, pending]}, format="json"
    )

    assert response.json() == {
        "processed": [pending],
        "failed": [{"id": active, "error": "already active"}],
    }
    assert RelationStatusLog.objects.filter(relation_id=pending).count() == 1


@pytest.mark.django_db
def test_each_transition_writes_one_log_row_with_source_and_request_id(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=3)

    tutor_client.post(
        ACCEPT, {"ids": [r.pk for r in batch]}, format="json", HTTP_X_REQUEST_ID="req-42"
    )

    rows = RelationStatusLog.objects.filter(relation__in=batch)
    assert rows.count() == 3
    for row in rows:
        assert (row.prev_status, row.new_status, row.actor_id) == ("pending", "active", tutor.pk)
        assert row.metadata == {"source": "batch", "request_id": "req-42"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"ids": None}, "null"),
        ({"ids": []}, "empty"),
        ({"ids": 5}, "not_a_list"),
        ({"ids": "1,2"}, "not_a_list"),
        ({"ids": {"0": 1}}, "not_a_list"),
        ({"ids": ["1"]}, "invalid_id"),
        ({"ids": [1.0]}, "invalid_id"),
        ({"ids": [1.5]}, "invalid_id"),
        ({"ids": [True]}, "invalid_id"),
        ({"ids": [None]}, "invalid_id"),
        ({"ids": [[1]]}, "invalid_id"),
        ({"ids": [0]}, "invalid_id"),
        ({"ids": [-3]}, "invalid_id"),
        ({"ids": [2**63]}, "invalid_id"),
        ({"ids": [1, 2, "x"]}, "invalid_id"),
        ({"ids": list(range(1, 102))}, "too_many_ids"),
    ],
)
def test_a_malformed_batch_is_a_400_and_changes_nothing(tutor_client, relations, body, code):
    for url in (ACCEPT, ARCHIVE):
        response = tutor_client.post(url, body, format="json")

        assert response.status_code == 400, response.json()
        assert error_codes(response) == [(code, "ids")]
    assert status_of(relations["pending"]) == "pending"
    assert not RelationStatusLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ids",
    [[None] * 10_000, [0.5] * 10_000, ["x" * 1000] * 100, [None] * 100],
    ids=["10000 nulls", "10000 floats", "100 long strings", "100 nulls"],
)
def test_a_list_is_refused_by_its_length_before_its_items_with_one_short_error(tutor_client, ids):
    response = tutor_client.post(ACCEPT, {"ids": ids}, format="json")

    assert response.status_code == 400
    expected = "too_many_ids" if len(ids) > 100 else "invalid_id"
    assert error_codes(response) == [(expected, "ids")]
    assert len(response.content) < 300


@pytest.mark.django_db
def test_a_batch_of_exactly_the_maximum_is_accepted(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=100)

    response = tutor_client.post(ACCEPT, {"ids": [r.pk for r in batch]}, format="json")

    assert response.status_code == 200
    assert len(response.json()["processed"]) == 100


@pytest.mark.django_db
def test_the_invalid_id_detail_names_the_value(tutor_client):
    response = tutor_client.post(ACCEPT, {"ids": [3, True]}, format="json")
    assert response.json()["errors"][0]["detail"] == (
        "Each id must be a positive integer; true is not."
    )


@pytest.mark.django_db
def test_a_body_that_is_a_list_is_a_400(tutor_client):
    response = tutor_client.post(ACCEPT, [1, 2], format="json")
    assert response.status_code == 400


def _queries_of_batch(client, tutor, size: int) -> int:
    batch = pending_relations(tutor=tutor, count=size, prefix=f"q{size}")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(ACCEPT, {"ids": [r.pk for r in batch]}, format="json")
    assert len(response.json()["processed"]) == size
    return len(queries)


@pytest.mark.django_db
def test_a_batch_takes_the_same_number_of_queries_for_10_and_100_ids(tutor, tutor_client):
    small = _queries_of_batch(tutor_client, tutor, 10)
    large = _queries_of_batch(tutor_client, tutor, 100)

    assert small == large


@pytest.mark.django_db
def test_the_service_locks_updates_and_logs_in_three_queries(tutor, django_assert_num_queries):
    from tutor_relations.services import relations_transition

    batch = pending_relations(tutor=tutor, count=50)
    # SAVEPOINT + SELECT ... FOR UPDATE + UPDATE + INSERT + RELEASE SAVEPOINT
    with django_assert_num_queries(5) as captured:
        relations_transition(
            tutor=tutor,
            relation_ids=[r.pk for r in batch],
            new_status="active",
            actor=tutor,
            source="batch",
        )
    sql = [query["sql"] for query in captured.captured_queries]
    assert sql[1].startswith("SELECT")
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers instead.
    assert ("FOR UPDATE" in sql[1]) is (connection.vendor == "postgresql")
    assert sql[2].startswith("UPDATE")
    assert sql[3].startswith("INSERT")


@pytest.mark.django_db
def test_accept_then_archive_leaves_a_log_chain(tutor, tutor_client):
    relation = RelationFactory(tutor=tutor, student=PersonFactory())
    tutor_client.post(ACCEPT, {"ids": [relation.pk]}, format="json")
    tutor_client.post(ARCHIVE, {"ids": [relation.pk]}, format="json")

    assert log_rows(relation) == [("pending", "active"), ("active", "archived")]
