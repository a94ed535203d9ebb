"""Subjects no profile uses any more are deleted (issue 15, item 8).

Every PATCH may create up to ``MAX_SUBJECTS`` global subjects; without pruning they
would pile up forever. A concurrent PATCH adding a subject that another is pruning must
neither fail nor lose it (tested with threads against PostgreSQL).
"""

import threading

import pytest
from django.db import connection
from django.test import override_settings

from tests.factories import PersonFactory
from tests.routes import LISTING, PROFILE
from tutor_marketplace.models import Subject, TutorProfile


def profile_with(subjects):
    return {
        "headline": "Maths for finals",
        "is_published": True,
        "settings": {"hourly_rate": "40", "currency": "UAH", "subjects": subjects},
    }


def saved(client, subjects) -> bool:
    return client.patch(PROFILE, profile_with(subjects), format="json").status_code == 200


def subject_names():
    return sorted(Subject.objects.values_list("name", flat=True))


def listed(browse, subject):
    response = browse.get(LISTING, {"subject": subject})
    assert response.status_code == 200
    return [tutor["user"] for tutor in response.json()["results"]]


def test_replacing_subjects_leaves_no_unused_subject(api):
    for round_ in range(5):
        names = [f"made-up {round_} {n}" for n in range(20)]
        assert saved(api, names)
    assert subject_names() == sorted(f"made-up 4 {n}" for n in range(20))
    response = api.patch(PROFILE, {"settings": {"subjects": []}}, format="json")
    assert response.status_code == 409, "a published profile keeps a subject"
    assert subject_names() == sorted(f"made-up 4 {n}" for n in range(20)), "nothing pruned"


def test_a_subject_another_profile_uses_is_kept(api, client_for, browse, user):
    other = PersonFactory(username="other")
    assert saved(api, ["math", "art"])
    assert saved(client_for(other), ["math"])
    assert saved(api, ["physics"])
    assert subject_names() == ["math", "physics"]
    assert listed(browse, "math") == [other.pk]
    assert listed(browse, "physics") == [user.pk]
    assert listed(browse, "art") == []


def test_clearing_the_subjects_of_an_unpublished_profile_prunes_them(api):
    api.patch(PROFILE, {"settings": {"subjects": ["math", "chess"]}}, format="json")
    assert api.patch(PROFILE, {"settings": {"subjects": []}}, format="json").status_code == 200
    assert subject_names() == []


def race(rounds, setup, bodies):
    """Per round: ``setup()``, then each ``(client, body)`` of ``bodies(round)`` sent at once
    from its own thread; answers the statuses that were not 200."""
    failures: list[str] = []

    def send(client, body, barrier):
        try:
            barrier.wait(timeout=30)
            response = client.patch(PROFILE, body, format="json")
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.content[:300]!r}")
        finally:
            connection.close()

    for round_ in range(rounds):
        setup(round_)
        pairs = bodies(round_)
        barrier = threading.Barrier(len(pairs))
        threads = [threading.Thread(target=send, args=(*pair, barrier)) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        yield round_, failures


def subjects_of(user):
    return sorted(TutorProfile.objects.get(user=user).subjects.values_list("name", flat=True))


def no_unused_subjects():
    used = TutorProfile.subjects.through.objects.values("subject_id")
    return not Subject.objects.exclude(pk__in=used).exists()


@pytest.fixture
def two_tutors(client_for):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    first, second = PersonFactory(username="first"), PersonFactory(username="second")
    # Two PATCHes a round each: more than the default write rate allows a minute.
    unthrottled = {"METRICS_FLUSH_INTERVAL": None, "WRITE_THROTTLE_RATE": None}
    with override_settings(TUTOR_MARKETPLACE=unthrottled):
        yield (first, client_for(first)), (second, client_for(second))


@pytest.mark.django_db(transaction=True)
def test_a_subject_taken_up_while_another_tutor_drops_it_is_kept(two_tutors):
    """One tutor drops "shared N" (pruning it) while another takes it up, many times over.

    Django's foreign keys are checked at commit on PostgreSQL: without the row locks the
    pruner deletes the subject (and the new use of it) or the adder's commit fails.
    """
    (_dropper, dropping), (adder, adding) = two_tutors

    def setup(round_):
        assert saved(dropping, [f"shared {round_}"])
        assert saved(adding, ["own"])

    def bodies(round_):
        return [
            (dropping, profile_with(["other"])),
            (adding, profile_with(["own", f"shared {round_}"])),
        ]

    for round_, failures in race(40, setup, bodies):
        assert failures == [], failures
        assert subjects_of(adder) == ["own", f"shared {round_}"]
    assert no_unused_subjects()


@pytest.mark.django_db(transaction=True)
def test_two_tutors_swapping_subjects_neither_deadlock_nor_lose_them(two_tutors):
    (first, first_client), (second, second_client) = two_tutors

    def setup(round_):
        assert saved(first_client, [f"a {round_}"])
        assert saved(second_client, [f"b {round_}"])

    def bodies(round_):
        return [
            (first_client, profile_with([f"b {round_}"])),
            (second_client, profile_with([f"a {round_}"])),
        ]

    for round_, failures in race(40, setup, bodies):
        assert failures == [], failures
        assert subjects_of(first) == [f"b {round_}"]
        assert subjects_of(second) == [f"a {round_}"]
    assert no_unused_subjects()
