"""Keyset pagination through HTTP on the sample package's notes: each row once, bad cursors 400."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.sample.models import Note
from tests.sample.views import CURSORS, NotePagination
from tutor_core.pagination import KeysetPagination, Position

pytestmark = pytest.mark.django_db

NOTES = "/notes/"
BY_PRICE = "/notes/by-price/"


def errors(response):
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def walk(client, url, params=None, *, between_pages=None) -> tuple[list[int], int]:
    """Follow the cursors to the end; the ids seen and the number of pages."""
    params = dict(params or {})
    seen, pages = [], 0
    while True:
        response = client.get(url, params)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert list(body) == ["results", "cursor", "has_more"]
        assert body["has_more"] is (body["cursor"] is not None)
        pages += 1
        seen += [row["id"] for row in body["results"]]
        if not body["has_more"]:
            return seen, pages
        params["cursor"] = body["cursor"]
        if between_pages:
            between_pages()


def client_for(user) -> APIClient:
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    return api


@pytest.fixture
def other():
    return get_user_model().objects.create_user("petro", password="pw")


def notes(owner, count, **fields) -> list[Note]:
    start = timezone.now() - timedelta(hours=1)
    made = [Note(owner=owner, created=start + timedelta(seconds=i), **fields) for i in range(count)]
    return Note.objects.bulk_create(made)


def first_cursor(client, url=NOTES, params=None) -> str:
    return client.get(url, {**(params or {}), "page_size": 1}).json()["cursor"]


def test_pages_visit_each_row_once_while_rows_are_added_between_pages(client, user):
    existing = notes(user, 12)
    oldest = min(note.created for note in existing)
    newer, older = [], []

    def add_rows():
        # One newer than every page (it belongs before the first), one older than every
        # row so far (it belongs to a page still to come).
        newer.append(Note.objects.create(owner=user))
        older.append(
            Note.objects.create(owner=user, created=oldest - timedelta(seconds=len(older) + 1))
        )

    seen, pages = walk(client, NOTES, {"page_size": 3}, between_pages=add_rows)

    assert len(seen) == len(set(seen)), "no row twice"
    assert set(seen) == {note.pk for note in existing + older}, "no row skipped"
    assert not set(seen) & {note.pk for note in newer}
    assert pages >= 5
    print(f"pages: {pages}, rows: {len(seen)}")


def test_equal_sort_values_are_neither_repeated_nor_skipped(client, user):
    tied = notes(user, 9)
    Note.objects.filter(owner=user).update(created=timezone.now())

    seen, pages = walk(client, NOTES, {"page_size": 2})

    assert seen == sorted((note.pk for note in tied), reverse=True)
    assert pages == 5


def test_an_ascending_list_for_everyone_pages_by_value_then_id(client, user, other):
    cheap = notes(user, 3, price=Decimal("5.50"))
    dear = notes(other, 2, price=Decimal("40.00"))
    cheapest = notes(other, 2, price=Decimal("0.99"))

    seen, pages = walk(client, BY_PRICE, {"page_size": 2})

    expected = [note.pk for note in cheapest + cheap + dear]
    assert seen == expected
    assert pages == 4
    # A list that is the same for everyone: anyone may follow its cursor.
    cursor = first_cursor(client, BY_PRICE)
    page = client_for(other).get(BY_PRICE, {"cursor": cursor, "page_size": 1}).json()
    assert [row["id"] for row in page["results"]] == expected[1:2]


def test_the_first_page_ignores_a_blank_cursor_and_honours_page_size(client, user):
    notes(user, 8)
    default = client.get(NOTES).json()
    assert len(default["results"]) == 8
    assert default == {**default, "cursor": None, "has_more": False}
    for blank in ("", "  ", "\x1e"):
        page = client.get(NOTES, {"cursor": blank, "page_size": 3}).json()
        assert [row["id"] for row in page["results"]] == [r["id"] for r in default["results"][:3]]


@pytest.mark.parametrize(
    ("page_size", "code"), [("6", "max_value"), ("0", "min_value"), ("ten", "invalid")]
)
def test_a_page_size_out_of_range_is_a_400(client, page_size, code):
    response = client.get(NOTES, {"page_size": page_size})
    assert (response.status_code, errors(response)) == (400, [(code, "page_size")])


def test_an_altered_malformed_or_over_long_cursor_is_invalid(client, user):
    notes(user, 3)
    cursor = first_cursor(client)
    payload, _, signature = cursor.rpartition(":")
    flipped = "A" if signature[0] != "A" else "B"
    wrong_salt = signing.dumps(
        {
            "l": "notes",
            "u": str(user.pk),
            "f": {"kind": None},
            "p": [timezone.now().isoformat(), 1],
        },
        salt="another.salt",
        compress=True,
    )
    for bad in (
        f"{payload}:{flipped}{signature[1:]}",
        cursor[:-3],
        cursor + "x",
        wrong_salt,
        "not-a-cursor",
        "::",
        "x" * 2000,
    ):
        response = client.get(NOTES, {"cursor": bad})
        assert response.status_code == 400, bad
        assert errors(response) == [("invalid_cursor", "cursor")]
    detail = client.get(NOTES, {"cursor": "x"}).json()["errors"][0]["detail"]
    assert detail == "This cursor is not valid; start again from the first page."


def test_another_users_cursor_is_foreign(client, user, other):
    notes(user, 3)
    notes(other, 3)
    response = client_for(other).get(NOTES, {"cursor": first_cursor(client)})
    assert (response.status_code, errors(response)) == (400, [("foreign_cursor", "cursor")])


def test_a_cursor_sent_with_other_filters_is_stale(client, user):
    notes(user, 3, kind="todo")
    cursor = first_cursor(client, NOTES, {"kind": "todo"})
    for params in ({}, {"kind": "plain"}):
        response = client.get(NOTES, {**params, "cursor": cursor})
        assert (response.status_code, errors(response)) == (400, [("stale_cursor", "cursor")])
    assert client.get(NOTES, {"kind": "todo", "cursor": cursor}).status_code == 200


def test_another_lists_cursor_is_invalid(client, user):
    notes(user, 3)
    by_price, by_time = first_cursor(client, BY_PRICE), first_cursor(client, NOTES)
    assert errors(client.get(NOTES, {"cursor": by_price})) == [("invalid_cursor", "cursor")]
    # The price list reports every refusal as the sample's own invalid_cursor.
    assert errors(client.get(BY_PRICE, {"cursor": by_time})) == [("invalid_cursor", "cursor")]


def signed(position, *, listing="notes", owner=None, filters=None) -> str:
    return CURSORS.dumps(
        listing=listing,
        owner=owner,
        filters={"kind": None} if filters is None else filters,
        position=position,
    )


def test_a_signed_cursor_whose_position_is_not_of_the_fields_types_is_invalid(client, user):
    notes(user, 3)
    now = timezone.now()
    for position in (
        [],
        [now.isoformat()],
        [now.isoformat(), 1, 2],
        ["yesterday", 1],
        [12, 1],
        [now.replace(tzinfo=None).isoformat(), 1],  # naive
        [now.isoformat(), True],  # a bool id
        [now.isoformat(), 1.0],  # a float id
        [now.isoformat(), "1"],
        [now.isoformat(), None],
    ):
        response = client.get(NOTES, {"cursor": signed(position, owner=user.pk)})
        assert response.status_code == 400, position
        assert errors(response) == [("invalid_cursor", "cursor")], position
    good = signed([now.isoformat(), 10**9], owner=user.pk)
    assert client.get(NOTES, {"cursor": good}).status_code == 200
    for position in (["NaN", 1], ["Infinity", 1], ["cheap", 1], [1.5, 1], ["1.50", False]):
        cursor = signed(position, listing="notes-by-price", filters={})
        response = client.get(BY_PRICE, {"cursor": cursor})
        assert (response.status_code, errors(response)) == (400, [("invalid_cursor", "cursor")])


def test_the_schema_documents_the_envelope_and_the_query():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][NOTES]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["cursor"] == {"type": "string", "maxLength": 1024}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 5}
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert page["required"] == ["results", "cursor", "has_more"]
    assert page["properties"]["cursor"]["nullable"] is True
    assert page["properties"]["has_more"]["type"] == "boolean"
    assert page["properties"]["results"]["type"] == "array"


# Without a request: a selector's own calls (a cached page is computed without one). -----


def test_a_pages_own_row_source_is_used_and_the_orm_is_its_fallback(user):
    mine = notes(user, 5)
    pagination = NotePagination()
    asked = []

    def only_even(after, limit):
        asked.append((after, limit))
        return list(
            pagination.keyset(Note.objects.filter(pk__in=[n.pk for n in mine[::2]]), after)[:limit]
        )

    page = pagination.paginate(
        Note.objects.all(),
        cursor=None,
        size=2,
        owner=user.pk,
        filters={"kind": None},
        rows=only_even,
    )
    assert [n.pk for n in page.rows] == [mine[4].pk, mine[2].pk]
    assert asked == [(None, 3)]
    rest = pagination.paginate(
        Note.objects.all(),
        cursor=page.cursor,
        size=2,
        owner=user.pk,
        filters={"kind": None},
        rows=only_even,
    )
    assert [n.pk for n in rest.rows] == [mine[0].pk]
    assert asked[1] == (Position(mine[2].created, mine[2].pk), 3)
    assert rest.envelope([]) == {"results": [], "cursor": None, "has_more": False}

    fallback = NotePagination(model=Note).paginate(
        lambda: Note.objects.filter(owner=user),
        cursor=page.cursor,
        size=10,
        owner=user.pk,
        filters={"kind": None},
        rows=lambda after, limit: None,
    )
    assert [n.pk for n in fallback.rows] == [mine[1].pk, mine[0].pk]


def test_a_queryset_builder_needs_the_model(user):
    with pytest.raises(TypeError):
        NotePagination(model=None).paginate(Note.objects.all, cursor=None, size=1)
    with pytest.raises(TypeError):
        KeysetPagination(salt="nope")
    with pytest.raises(RuntimeError):
        NotePagination().get_paginated_response([])
    with pytest.raises(TypeError):
        NotePagination().paginate_queryset([], request=None)


def test_dates_and_text_sort_values_read_back_typed(user):
    for i, (day, kind) in enumerate(
        [(date(2026, 1, 3), "b"), (date(2026, 1, 1), "c"), (date(2026, 1, 2), "a")]
    ):
        Note.objects.create(owner=user, day=day, kind=kind, created=timezone.now() + timedelta(i))
    for field, expected in (("day", ["c", "a", "b"]), ("kind", ["a", "b", "c"])):
        pagination = KeysetPagination(
            listing=field, field=field, descending=False, owner_bound=False
        )
        seen, cursor = [], None
        while True:
            page = pagination.paginate(Note.objects.all(), cursor=cursor, size=1)
            seen += [note.kind for note in page.rows]
            if not page.has_more:
                break
            cursor = page.cursor
        assert seen == expected
