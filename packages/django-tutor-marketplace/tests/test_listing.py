"""The listing: filters, orderings, signed cursors, the envelope, constant queries."""

from datetime import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SlotFactory, TutorProfileFactory
from tests.routes import LISTING
from tutor_marketplace.models import TutorProfile


def ids(response):
    return [tutor["user"] for tutor in response.json()["results"]]


def codes(response):
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


@pytest.fixture
def tutors(db):
    math = TutorProfileFactory(hourly_rate=Decimal("30"), subjects=["math"], headline="Algebra")
    physics = TutorProfileFactory(
        hourly_rate=Decimal("50"), subjects=["physics"], description="Quantum stuff"
    )
    both = TutorProfileFactory(hourly_rate=Decimal("40"), subjects=["math", "physics"])
    TutorProfileFactory(is_published=False, subjects=["math"])
    SlotFactory(profile=math, weekday=1, start=time(9), end=time(10))
    SlotFactory(profile=both, weekday=5, start=time(9), end=time(10))
    return {"math": math.user_id, "physics": physics.user_id, "both": both.user_id}


def test_envelope_and_result_shape(browse, tutors):
    response = browse.get(LISTING, {"ordering": "hourly_rate"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "cursor", "has_more"}
    assert body["cursor"] is None
    assert body["has_more"] is False
    assert body["results"][0] == {
        "user": tutors["math"],
        "display_name": body["results"][0]["display_name"],
        "headline": "Algebra",
        "hourly_rate": "30.00",
        "currency": "UAH",
        "subjects": ["math"],
    }


@pytest.mark.parametrize("subject", [None, "physics", "math"])
def test_a_tutor_lists_every_subject_by_name_whatever_the_filter(browse, db, subject):
    # The names are a subquery of their own: a subject filter, which joins the
    # subjects too, must not narrow them.
    TutorProfileFactory(subjects=["physics", "math", "art"])
    params = {"subject": subject} if subject else {}
    [tutor] = browse.get(LISTING, params).json()["results"]
    assert tutor["subjects"] == ["art", "math", "physics"]
    TutorProfileFactory(subjects=[])
    results = browse.get(LISTING, {"page_size": 50}).json()["results"]  # another cache key
    assert [tutor["subjects"] for tutor in results] == [[], ["art", "math", "physics"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ordering": "hourly_rate"}, ["math", "both", "physics"]),
        ({"ordering": "-hourly_rate"}, ["physics", "both", "math"]),
        ({}, ["both", "physics", "math"]),  # -created by default
        ({"subject": " MATH ", "ordering": "hourly_rate"}, ["math", "both"]),
        ({"min_rate": "40", "ordering": "hourly_rate"}, ["both", "physics"]),
        ({"max_rate": "40.00", "ordering": "hourly_rate"}, ["math", "both"]),
        ({"weekday": "5"}, ["both"]),
        ({"q": "quantum"}, ["physics"]),
        ({"q": "algebra"}, ["math"]),
    ],
)
def test_filters_and_orderings(browse, tutors, params, expected):
    assert ids(browse.get(LISTING, params)) == [tutors[name] for name in expected]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"weekday": "7"}, ("weekday", "invalid_weekday")),
        ({"weekday": "x"}, ("weekday", "invalid_weekday")),
        ({"ordering": "name"}, ("ordering", "invalid_choice")),
        ({"min_rate": "abc"}, ("min_rate", "invalid")),
        ({"min_rate": "50", "max_rate": "10"}, ("max_rate", "invalid_rate_range")),
        ({"page_size": "0"}, ("page_size", "min_value")),
        ({"page_size": "101"}, ("page_size", "max_value")),
        ({"cursor": "garbage"}, ("cursor", "invalid_cursor")),
    ],
)
def test_bad_parameters_are_400_with_stable_codes(browse, tutors, params, expected):
    response = browse.get(LISTING, params)
    assert response.status_code == 400
    assert codes(response) == [expected]


def _walk(client, params):
    seen, cursor = [], None
    while True:
        body = client.get(LISTING, {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen += [tutor["user"] for tutor in body["results"]]
        if not body["has_more"]:
            assert body["cursor"] is None
            return seen
        cursor = body["cursor"]


@pytest.mark.parametrize("ordering", ["hourly_rate", "-hourly_rate", "-created"])
def test_cursor_pages_cover_every_tutor_once_with_ties(browse, db, ordering):
    profiles = [TutorProfileFactory(hourly_rate=Decimal(20 + i % 3)) for i in range(11)]
    seen = _walk(browse, {"ordering": ordering, "page_size": 3})
    assert sorted(seen) == sorted(profile.user_id for profile in profiles)
    assert len(seen) == len(set(seen))


def test_cursor_is_stable_under_concurrent_inserts(browse, db):
    for _ in range(4):
        TutorProfileFactory()
    first = browse.get(LISTING, {"page_size": 2}).json()
    TutorProfileFactory()  # newer: belongs before the cursor under -created
    second = browse.get(LISTING, {"page_size": 2, "cursor": first["cursor"]}).json()
    assert second["has_more"] is False
    shown = [t["user"] for page in (first, second) for t in page["results"]]
    assert len(shown) == len(set(shown)) == 4


def test_tampered_cursor_or_cursor_of_other_filters_is_400(browse, db):
    for _ in range(3):
        TutorProfileFactory(subjects=["math"])
    cursor = browse.get(LISTING, {"page_size": 1, "subject": "math"}).json()["cursor"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for params in (
        {"subject": "math", "cursor": tampered},
        {"subject": "physics", "cursor": cursor},
        {"subject": "math", "ordering": "hourly_rate", "cursor": cursor},
    ):
        response = browse.get(LISTING, {"page_size": 1, **params})
        assert response.status_code == 400
        assert codes(response) == [("cursor", "invalid_cursor")]
    # page size is not part of the binding
    assert (
        browse.get(LISTING, {"page_size": 2, "subject": "math", "cursor": cursor}).status_code
        == 200
    )


@pytest.mark.parametrize("page_size", [1, 10, 50])
def test_a_miss_costs_the_same_queries_whatever_the_page_size(browse, db, page_size):
    for i in range(50):
        TutorProfileFactory(subjects=["math", f"topic {i}"])
    browse.get(LISTING, {"page_size": 1, "q": "warm-up"})  # session, contenttypes, etc.
    with CaptureQueriesContext(connection) as queries:
        response = browse.get(LISTING, {"page_size": page_size})
    assert response["X-Cache"] == "MISS"
    assert len(response.json()["results"]) == page_size
    # the profiles, their users joined and their subjects' names as an array
    assert len(queries) == 1, [q["sql"] for q in queries]


def test_a_repeated_query_is_cleaned_under_the_settings_of_the_moment(browse, tutors, settings):
    """The cleaning of a query is memoised; a settings change must not see the old one."""
    params = {"ordering": "hourly_rate"}
    assert len(browse.get(LISTING, params).json()["results"]) == 3
    settings.TUTOR_MARKETPLACE = {**settings.TUTOR_MARKETPLACE, "PAGE_SIZE": 1}
    response = browse.get(LISTING, params)
    assert ids(response) == [tutors["math"]]
    assert response.json()["has_more"] is True


def test_a_rejected_query_is_rejected_every_time(browse, tutors):
    for _ in range(2):
        response = browse.get(LISTING, {"weekday": "9"})
        assert response.status_code == 400
        assert codes(response) == [("weekday", "invalid_weekday")]


def test_only_the_last_value_of_a_repeated_parameter_counts(browse, tutors):
    response = browse.get(f"{LISTING}?ordering=-hourly_rate&ordering=hourly_rate")
    assert ids(response) == [tutors["math"], tutors["both"], tutors["physics"]]


def test_a_text_search_at_5000_profiles_reads_the_trigram_indexes(browse, db):
    """``q`` keeps its substring (ILIKE) meaning and is answered through a GIN index."""
    people = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk{n}", first_name="Bulk", last_name=str(n))
        for n in range(5000)
    )
    words = ["algebra", "geometry", "chemistry", "history", "biology", "piano", "chess"]
    TutorProfile.objects.bulk_create(
        TutorProfile(
            user=person,
            headline=f"{words[n % 7].title()} lessons, {n}",
            description=f"I teach {words[(n * 3) % 7]} and {words[(n * 5) % 7]}. " * 8,
            is_published=n % 10 != 0,
            hourly_rate=Decimal(10 + n % 90),
        )
        for n, person in enumerate(people)
    )
    TutorProfileFactory(headline="Quantum field theory", subjects=["physics"])
    with connection.cursor() as cursor:
        # As autovacuum would have by then: the rows out of the GIN indexes' pending lists.
        cursor.execute("SELECT gin_clean_pending_list('tutor_mkt_headline_trgm')")
        cursor.execute("SELECT gin_clean_pending_list('tutor_mkt_description_trgm')")
        cursor.execute(f"ANALYZE {TutorProfile._meta.db_table}")
    with CaptureQueriesContext(connection) as queries:
        response = browse.get(LISTING, {"q": "QUANTUM FIELD"})
    assert [tutor["headline"] for tutor in response.json()["results"]] == ["Quantum field theory"]
    [listing_query] = [q["sql"] for q in queries if "LIKE" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {listing_query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tutor_mkt_headline_trgm" in plan, plan
    assert "tutor_mkt_description_trgm" in plan, plan
    assert "Seq Scan on tutor_marketplace_tutorprofile" not in plan, plan
