"""Cursor pagination: each row exactly once under concurrent inserts; bad cursors are 400s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, RelationFactory, pending_relations
from tests.test_batch import error_codes
from tutor_relations.models import RelationStatusLog, TutorStudentRelation

STUDENTS = reverse("relations:tutor-students")
RECENT = reverse("relations:tutor-recent-actions")
STUDENT_SIDE = reverse("relations:student-relations")


def walk(client, url, params=None, *, between_pages=None) -> tuple[list[int], int]:
    """Follow the cursors to the end; return the ids seen and the number of pages."""
    params = dict(params or {})
    seen, pages = [], 0
    while True:
        body = client.get(url, params).json()
        pages += 1
        seen += [row["id"] for row in body["results"]]
        assert body["has_more"] is (body["cursor"] is not None)
        if not body["has_more"]:
            return seen, pages
        params["cursor"] = body["cursor"]
        if between_pages:
            between_pages()


@pytest.mark.django_db
def test_paging_visits_each_row_once_while_rows_are_inserted_between_pages(tutor, tutor_client):
    existing = pending_relations(tutor=tutor, count=25)
    oldest = min(r.created for r in existing)
    newer, older = [], []

    def insert_rows():
        # One row newer than every page (it belongs before the first page), and one that
        # committed late with an older timestamp (it belongs to a page still to come).
        newer.append(RelationFactory(tutor=tutor))
        older.append(
            RelationFactory(tutor=tutor, created=oldest - timedelta(seconds=len(older) + 1))
        )

    seen, pages = walk(tutor_client, STUDENTS, {"page_size": 4}, between_pages=insert_rows)

    assert len(seen) == len(set(seen)), "no row twice"
    assert set(seen) == {r.pk for r in existing + older}, "no row skipped"
    assert not set(seen) & {r.pk for r in newer}
    assert pages >= 7
    # Newest first: the newer rows come first on a fresh walk.
    again, _ = walk(tutor_client, STUDENTS, {"page_size": 100})
    assert again[: len(newer)] == [r.pk for r in reversed(newer)]
    assert len(again) == len(set(again)) == 25 + len(newer) + len(older)


@pytest.mark.django_db
def test_rows_with_equal_timestamps_are_neither_repeated_nor_skipped(tutor, tutor_client):
    same_instant = timezone.now()
    tied = [RelationFactory(tutor=tutor) for _ in range(9)]
    TutorStudentRelation.objects.filter(tutor=tutor).update(created=same_instant)

    seen, pages = walk(tutor_client, STUDENTS, {"page_size": 2})

    assert pages == 5
    assert seen == sorted((r.pk for r in tied), reverse=True)


@pytest.mark.django_db
def test_the_recent_actions_feed_pages_the_tutors_log_newest_first(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=6)
    accept = reverse("relations:tutor-batch-accept")
    archive = reverse("relations:tutor-batch-archive")
    tutor_client.post(accept, {"ids": [r.pk for r in batch]}, format="json")
    tutor_client.post(archive, {"ids": [r.pk for r in batch[:3]]}, format="json")
    foreign = RelationFactory()
    PersonFactory()

    seen, pages = walk(tutor_client, RECENT, {"page_size": 4})

    mine = RelationStatusLog.objects.filter(relation__tutor=tutor).order_by("-timestamp", "-pk")
    assert seen == [entry.pk for entry in mine]
    assert len(seen) == 9
    assert pages == 3
    assert not RelationStatusLog.objects.filter(pk__in=seen, relation=foreign).exists()
    first = tutor_client.get(RECENT, {"page_size": 1}).json()["results"][0]
    assert set(first) == {
        "id",
        "relation_id",
        "prev_status",
        "new_status",
        "actor_id",
        "timestamp",
        "metadata",
        "student",
    }
    assert (first["prev_status"], first["new_status"]) == ("active", "archived")


@pytest.mark.django_db
def test_the_student_side_pages_too(student, student_client):
    mine = [RelationFactory(student=student) for _ in range(5)]

    seen, pages = walk(student_client, STUDENT_SIDE, {"page_size": 2})

    assert seen == [r.pk for r in reversed(mine)]
    assert pages == 3


def _first_cursor(client, url, params=None) -> str:
    return client.get(url, {**(params or {}), "page_size": 1}).json()["cursor"]


@pytest.mark.django_db
def test_a_tampered_cursor_is_a_400(tutor, tutor_client):
    pending_relations(tutor=tutor, count=3)
    cursor = _first_cursor(tutor_client, STUDENTS)
    payload, _, signature = cursor.rpartition(":")
    flipped = "A" if signature[0] != "A" else "B"
    forged_payload = signing.dumps(
        {
            "l": "tutor-students",
            "u": str(tutor.pk),
            "f": {"status": None},
            "t": timezone.now().isoformat(),
            "i": 10**6,
        },
        salt="wrong-salt",
        compress=True,
    )

    for bad in (
        payload + ":" + flipped + signature[1:],
        cursor[:-3],
        cursor + "x",
        forged_payload,
        "not-a-cursor",
        "::",
        "x" * 5000,
    ):
        response = tutor_client.get(STUDENTS, {"cursor": bad})
        assert response.status_code == 400, bad
        assert error_codes(response) == [("invalid_cursor", "cursor")]


@pytest.mark.django_db
def test_a_validly_signed_but_malformed_cursor_is_a_400_not_a_500(tutor_client, tutor):
    def signed(payload) -> str:
        return signing.dumps(payload, salt="tutor_relations.cursor", compress=True)

    good = {"l": "tutor-students", "u": str(tutor.pk), "f": {"status": None}}
    for payload in (
        [],
        "text",
        {**good},
        {**good, "t": "yesterday", "i": 1},
        {**good, "t": timezone.now().isoformat(), "i": "1"},
        {**good, "t": timezone.now().isoformat(), "i": True},
        {**good, "t": timezone.now().replace(tzinfo=None).isoformat(), "i": 1},
        {**good, "t": 12, "i": 1},
    ):
        response = tutor_client.get(STUDENTS, {"cursor": signed(payload)})
        assert response.status_code == 400, payload
        assert error_codes(response) == [("invalid_cursor", "cursor")]


@pytest.mark.django_db
def test_a_validly_signed_cursor_with_a_malformed_position_is_a_400(tutor_client, tutor):
    # Core's SignedCursors carries the position as a list; the package reads it strictly.
    def signed(position) -> str:
        payload = {"l": "tutor-students", "u": str(tutor.pk), "f": {"status": None}}
        return signing.dumps({**payload, "p": position}, salt="tutor_relations.cursor")

    now = timezone.now()
    for position in (
        [],
        [now.isoformat()],
        ["yesterday", 1],
        [now.isoformat(), "1"],
        [now.isoformat(), True],
        [now.replace(tzinfo=None).isoformat(), 1],
        [12, 1],
        [now.isoformat(), 1, 2],
    ):
        response = tutor_client.get(STUDENTS, {"cursor": signed(position)})
        assert response.status_code == 400, position
        assert error_codes(response) == [("invalid_cursor", "cursor")]


@pytest.mark.django_db
def test_another_users_cursor_is_a_400(tutor, tutor_client, client_for):
    pending_relations(tutor=tutor, count=3)
    cursor = _first_cursor(tutor_client, STUDENTS)
    other = PersonFactory(username="other-tutor")
    pending_relations(tutor=other, count=3)

    response = client_for(other).get(STUDENTS, {"cursor": cursor})

    assert response.status_code == 400
    assert error_codes(response) == [("foreign_cursor", "cursor")]


@pytest.mark.django_db
def test_a_cursor_with_other_filters_is_a_400(tutor, tutor_client):
    pending_relations(tutor=tutor, count=3)
    cursor = _first_cursor(tutor_client, STUDENTS, {"status": "pending"})

    for params in ({}, {"status": "active"}):
        response = tutor_client.get(STUDENTS, {**params, "cursor": cursor})
        assert response.status_code == 400
        assert error_codes(response) == [("stale_cursor", "cursor")]
    assert tutor_client.get(STUDENTS, {"status": "pending", "cursor": cursor}).status_code == 200


@pytest.mark.django_db
def test_a_cursor_of_another_list_is_a_400(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=3)
    tutor_client.post(
        reverse("relations:tutor-batch-accept"), {"ids": [r.pk for r in batch]}, format="json"
    )
    feed_cursor = _first_cursor(tutor_client, RECENT)

    response = tutor_client.get(STUDENTS, {"cursor": feed_cursor})

    assert error_codes(response) == [("invalid_cursor", "cursor")]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STUDENTS, RECENT, STUDENT_SIDE])
@pytest.mark.parametrize("blank", ["", "  ", "\x1e"])
def test_an_empty_cursor_is_the_first_page(tutor, student, tutor_client, client_for, url, blank):
    # Found by schemathesis (nox -s fuzz): ``?cursor=%1E`` was an undocumented 400 `blank`.
    batch = pending_relations(tutor=tutor, count=3)
    accept = reverse("relations:tutor-batch-accept")
    tutor_client.post(accept, {"ids": [r.pk for r in batch]}, format="json")
    for _ in range(3):
        RelationFactory(student=student)
    client = client_for(student) if url == STUDENT_SIDE else tutor_client
    first = client.get(url, {"page_size": 2})

    response = client.get(url, {"page_size": 2, "cursor": blank})

    assert response.status_code == 200
    page, first_page = response.json(), first.json()
    assert page["results"] == first_page["results"]
    assert len(page["results"]) == 2
    assert page["has_more"] is first_page["has_more"] is True
    # The same position; the signature's timestamp may have ticked between the two.
    assert page["cursor"].split(":")[0] == first_page["cursor"].split(":")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page_size", "code"),
    [("101", "max_value"), ("0", "min_value"), ("-1", "min_value"), ("ten", "invalid")],
)
def test_a_page_size_out_of_range_is_a_400(tutor_client, page_size, code):
    response = tutor_client.get(STUDENTS, {"page_size": page_size})
    assert error_codes(response) == [(code, "page_size")]


@pytest.mark.django_db
def test_page_size_defaults_and_maximum_follow_the_settings(tutor, tutor_client, settings):
    pending_relations(tutor=tutor, count=30)
    assert len(tutor_client.get(STUDENTS).json()["results"]) == 20
    assert len(tutor_client.get(STUDENTS, {"page_size": 100}).json()["results"]) == 30

    settings.TUTOR_RELATIONS = {"PAGE_SIZE": 5, "MAX_PAGE_SIZE": 10}
    assert len(tutor_client.get(STUDENTS).json()["results"]) == 5
    assert error_codes(tutor_client.get(STUDENTS, {"page_size": 11})) == [
        ("max_value", "page_size")
    ]


@pytest.mark.django_db
def test_a_cursor_stays_valid_when_its_row_changes_status(tutor, tutor_client):
    batch = pending_relations(tutor=tutor, count=4)
    first = tutor_client.get(STUDENTS, {"page_size": 2}).json()
    tutor_client.post(
        reverse("relations:tutor-batch-archive"), {"ids": [r.pk for r in batch]}, format="json"
    )

    rest = tutor_client.get(STUDENTS, {"page_size": 2, "cursor": first["cursor"]}).json()

    assert [r["id"] for r in first["results"] + rest["results"]] == [r.pk for r in reversed(batch)]
    assert rest["has_more"] is False
