"""The two relation lists answer what the ORM's query would, rendered, in one query.

On PostgreSQL the lists read their rows from SQL written once (``selectors``); on
other databases from the ORM's query. Either way a page must be what
``filter(...).select_related(...)``, newest first, gives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonFactory, RelationFactory, full_name
from tutor_core.sql import written_select
from tutor_relations.api.serializers import relation_for_student, relation_for_tutor
from tutor_relations.models import RELATION_STATUS, TutorStudentRelation

STUDENTS = reverse("relations:tutor-students")
STUDENT_SIDE = reverse("relations:student-relations")

SIDES = {
    # url: (the requester's side, the other side, how a row is rendered)
    STUDENTS: ("tutor", "student", relation_for_tutor),
    STUDENT_SIDE: ("student", "tutor", relation_for_student),
}


def expected_rows(user, url, status=None) -> list[dict]:
    owner, other, render = SIDES[url]
    queryset = TutorStudentRelation.objects.filter(**{owner: user}).select_related(other)
    if status:
        queryset = queryset.filter(status=status)
    return [render(relation) for relation in queryset.order_by("-created", "-pk")]


def all_pages(client, url, params) -> tuple[list[dict], int]:
    """Every row of the list, page by page, and the number of queries the pages ran."""
    params, rows, queries = dict(params), [], 0
    while True:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, response.json()
        queries = max(queries, len(captured))
        body = response.json()
        rows += body["results"]
        if not body["has_more"]:
            return rows, queries
        params["cursor"] = body["cursor"]


@pytest.fixture
def crowded(tutor, student):
    """Relations of both users in every status, some at one instant, with names."""
    now = timezone.now()
    statuses = [RELATION_STATUS.pending, RELATION_STATUS.active, RELATION_STATUS.archived]
    for i in range(12):
        other = PersonFactory(**full_name(f"First{i}", f"Last{i}"))
        created = now - timedelta(minutes=i // 3)  # three rows share each instant
        RelationFactory(tutor=tutor, student=other, status=statuses[i % 3], created=created)
        RelationFactory(tutor=other, student=student, status=statuses[i % 3], created=created)
    RelationFactory()  # someone else's


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STUDENTS, STUDENT_SIDE])
@pytest.mark.parametrize("status", [None, "pending", "active", "archived"])
@pytest.mark.parametrize("page_size", [1, 5, 100])
def test_every_page_is_the_orms_rows_rendered(
    crowded, tutor, student, client_for, url, status, page_size
):
    user = tutor if url == STUDENTS else student
    params = {"page_size": page_size, **({"status": status} if status else {})}

    rows, queries = all_pages(client_for(user), url, params)

    assert rows == expected_rows(user, url, status)
    assert rows
    assert queries == 1


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STUDENTS, STUDENT_SIDE])
def test_on_postgresql_the_page_is_read_by_the_written_select(
    crowded, tutor, student, client_for, url
):
    """Where the written path is (PostgreSQL) the list takes it, not the ORM's query."""
    _owner, other, _render = SIDES[url]
    written = written_select(TutorStudentRelation, connection.alias, link=other)
    with CaptureQueriesContext(connection) as captured:
        response = client_for(tutor if url == STUDENTS else student).get(url)
    assert response.status_code == 200
    (query,) = captured.captured_queries
    on_the_written_path = written is not None and query["sql"].startswith(written.select)
    assert on_the_written_path == (connection.vendor == "postgresql")
