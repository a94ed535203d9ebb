"""One relation at a time: accept, archive, the timeline, and the student's side."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PersonFactory, RelationFactory, full_name, json_id, log_rows
from tests.test_batch import error_codes, status_of
from tutor_relations.errors import CODES
from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation

STUDENT_URL = reverse("relations:student-relations")


def accept(client, relation_id):
    return client.post(reverse("relations:tutor-accept", args=[relation_id]))


def archive(client, relation_id):
    return client.post(reverse("relations:tutor-archive", args=[relation_id]))


@pytest.mark.django_db
def test_a_tutor_accepts_a_pending_student(tutor_client, pending, student):
    response = accept(tutor_client, pending.pk)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == pending.pk
    assert body["status"] == "active"
    # The default hook: the full name, or "User <id>" for a user model without one.
    name = "Olena Kovalenko" if full_name("Olena", "Kovalenko") else f"User {student.pk}"
    assert body["student"] == {"id": json_id(student), "display_name": name}
    assert set(body) == {"id", "student", "status", "created_at", "updated_at"}
    assert log_rows(pending) == [("pending", "active")]
    entry = RelationStatusLog.objects.get(relation=pending)
    assert entry.metadata == {"source": "single", "request_id": None}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        ("active", accept, "already_active"),
        ("archived", accept, "invalid_transition"),
        ("archived", archive, "already_archived"),
    ],
)
def test_a_refused_single_transition_is_a_409_with_a_stable_code(
    tutor, tutor_client, status, action, code
):
    relation = RelationFactory(tutor=tutor, status=status)

    response = action(tutor_client, relation.pk)

    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"code": code, "detail": CODES[code].detail(), "attr": None}
    ]
    assert status_of(relation) == status
    assert not RelationStatusLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", [accept, archive])
def test_another_tutors_relation_is_a_404_like_a_missing_one(outsider_client, pending, action):
    foreign = action(outsider_client, pending.pk)
    missing = action(outsider_client, pending.pk + 1000)
    huge = action(outsider_client, 10**30)

    for response in (foreign, missing, huge):
        assert response.status_code == 404
        assert response.json()["errors"] == [
            {"code": "not_found", "detail": "Not found.", "attr": None}
        ]
    assert status_of(pending) == "pending"


@pytest.mark.django_db
def test_the_student_cannot_accept_their_own_request(student_client, pending):
    assert accept(student_client, pending.pk).status_code == 404


@pytest.mark.django_db
def test_archive_works_from_pending_and_from_active(tutor, tutor_client):
    pending = RelationFactory(tutor=tutor)
    active = RelationFactory(tutor=tutor, status=RELATION_STATUS.active)

    assert archive(tutor_client, pending.pk).json()["status"] == "archived"
    assert archive(tutor_client, active.pk).json()["status"] == "archived"
    assert log_rows(active) == [("active", "archived")]


@pytest.mark.django_db
def test_anonymous_requests_are_401(client):
    for url in (
        reverse("relations:tutor-students"),
        reverse("relations:tutor-batch-accept"),
        STUDENT_URL,
    ):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"


# The timeline -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_timeline_lists_a_relations_history_oldest_first(
    tutor, tutor_client, student, student_client
):
    created = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")
    relation_id = created.json()["id"]
    accept(tutor_client, relation_id)
    archive(tutor_client, relation_id)

    response = tutor_client.get(reverse("relations:tutor-timeline", args=[relation_id]))

    assert response.status_code == 200
    body = response.json()
    assert body["relation_id"] == relation_id
    steps = [
        (e["prev_status"], e["new_status"], e["actor_id"], e["metadata"]["source"])
        for e in body["results"]
    ]
    assert steps == [
        ("", "pending", json_id(student), "single"),
        ("pending", "active", json_id(tutor), "single"),
        ("active", "archived", json_id(tutor), "single"),
    ]


@pytest.mark.django_db
def test_another_tutors_timeline_is_a_404(outsider_client, pending):
    url = reverse("relations:tutor-timeline", args=[pending.pk])
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.get(reverse("relations:tutor-timeline", args=[10**30])).status_code == (
        404
    )


# The student's side -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_student_asks_a_tutor_and_gets_a_pending_relation(student_client, student, tutor):
    response = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["tutor"]["id"] == json_id(tutor)
    relation = TutorStudentRelation.objects.get(pk=body["id"])
    assert (relation.tutor, relation.student) == (tutor, student)
    entry = RelationStatusLog.objects.get(relation=relation)
    assert (entry.prev_status, entry.new_status, entry.actor_id) == ("", "pending", student.pk)
    assert entry.metadata == {"source": "single", "request_id": None}


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "active", "archived"])
def test_a_second_request_to_the_same_tutor_is_a_409_in_any_status(
    student_client, student, tutor, status
):
    RelationFactory(tutor=tutor, student=student, status=status)

    response = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == [("relation_exists", None)]
    assert TutorStudentRelation.objects.count() == 1


@pytest.mark.django_db
def test_the_reverse_pair_is_another_relation(student_client, student, tutor):
    RelationFactory(tutor=student, student=tutor)
    response = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")
    assert response.status_code == 201


def _unknown_tutor_ids(user) -> list:
    if isinstance(user.pk, int):
        return [user.pk + 1000, 0, -1, 2**63, 10**30]
    return ["00000000-0000-0000-0000-000000000000"]


def tutors_named_tutor(users):
    """A ``TUTOR_ELIGIBILITY`` hook: only users whose username starts with "tutor"."""
    return users.filter(username__startswith="tutor")


@pytest.mark.django_db
def test_unknown_inactive_ineligible_and_own_ids_get_one_and_the_same_400(
    student_client, student, tutor, settings
):
    settings.TUTOR_RELATIONS = {"TUTOR_ELIGIBILITY": "tests.test_single.tutors_named_tutor"}
    refused = [*_unknown_tutor_ids(student), json_id(student)]
    refused.append(json_id(PersonFactory(username="superuser", is_superuser=True, is_staff=True)))
    if any(field.name == "is_active" for field in type(student)._meta.get_fields()):
        refused.append(json_id(PersonFactory(username="tutor-gone", is_active=False)))

    bodies = []
    for tutor_id in refused:
        response = student_client.post(STUDENT_URL, {"tutor": tutor_id}, format="json")
        assert response.status_code == 400, tutor_id
        bodies.append(response.json())

    expected = {
        "type": "validation_error",
        "errors": [
            {
                "code": "unavailable_tutor",
                "detail": CODES["unavailable_tutor"].detail(),
                "attr": "tutor",
            }
        ],
    }
    assert bodies == [expected] * len(refused)
    assert not TutorStudentRelation.objects.exists()
    eligible = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")
    assert eligible.status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("value", [True, 1.5, None, [1], "abc", ""])
def test_a_tutor_id_of_the_wrong_type_is_a_400(student_client, value):
    response = student_client.post(STUDENT_URL, {"tutor": value}, format="json")
    assert response.status_code == 400
    assert error_codes(response)[0][1] == "tutor"


@pytest.mark.django_db
def test_a_missing_tutor_is_a_400(student_client):
    response = student_client.post(STUDENT_URL, {}, format="json")
    assert error_codes(response) == [("required", "tutor")]


@pytest.mark.django_db
def test_a_student_lists_only_their_own_relations(student_client, student):
    mine = [RelationFactory(student=student) for _ in range(3)]
    RelationFactory()

    response = student_client.get(STUDENT_URL)

    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [r.pk for r in reversed(mine)]
    assert (body["cursor"], body["has_more"]) == (None, False)
    assert set(body["results"][0]) == {"id", "tutor", "status", "created_at", "updated_at"}


@pytest.mark.django_db
def test_the_tutors_student_list_filters_by_status(tutor, tutor_client):
    by_status = {s: RelationFactory(tutor=tutor, status=s) for s in RELATION_STATUS._db_values}
    RelationFactory()

    everyone = tutor_client.get(reverse("relations:tutor-students")).json()
    assert {r["id"] for r in everyone["results"]} == {r.pk for r in by_status.values()}
    for status, relation in by_status.items():
        body = tutor_client.get(reverse("relations:tutor-students"), {"status": status}).json()
        assert [(r["id"], r["status"]) for r in body["results"]] == [(relation.pk, status)]

    bad = tutor_client.get(reverse("relations:tutor-students"), {"status": "deleted"})
    assert error_codes(bad) == [("invalid_choice", "status")]


@pytest.mark.django_db
def test_display_names_come_from_the_settings_hook(tutor_client, tutor, settings):
    student = PersonFactory(username="nick", display_name="Nick the Learner")
    RelationFactory(tutor=tutor, student=student)
    settings.TUTOR_RELATIONS = {"USER_DISPLAY_NAME": "tests.test_single.display_name_field"}

    body = tutor_client.get(reverse("relations:tutor-students")).json()

    assert body["results"][0]["student"]["display_name"] == "Nick the Learner"


@pytest.mark.django_db
def test_no_response_names_a_user_by_their_login_name(client_for, settings):
    settings.TUTOR_RELATIONS = {"TUTOR_ELIGIBILITY": "tests.test_single.tutors_named_tutor"}
    tutor = PersonFactory(username="tutor-login-secret")
    student = PersonFactory(username="student-login-secret")
    tutor_client, student_client = client_for(tutor), client_for(student)

    created = student_client.post(STUDENT_URL, {"tutor": json_id(tutor)}, format="json")
    relation_id = created.json()["id"]
    other = RelationFactory(tutor=tutor, student=PersonFactory(username="other-login-secret"))
    responses = [
        created,
        student_client.get(STUDENT_URL),
        accept(tutor_client, relation_id),
        archive(tutor_client, other.pk),
        tutor_client.post(
            reverse("relations:tutor-batch-archive"), {"ids": [relation_id]}, format="json"
        ),
        tutor_client.get(reverse("relations:tutor-students")),
        tutor_client.get(reverse("relations:tutor-recent-actions")),
        tutor_client.get(reverse("relations:tutor-timeline", args=[relation_id])),
    ]

    assert [response.status_code for response in responses] == [201, *[200] * 7]
    for response in responses:
        assert b"login-secret" not in response.content, response.content
    assert created.json()["tutor"]["display_name"] == f"User {tutor.pk}"
    names = {row["student"]["display_name"] for row in responses[5].json()["results"]}
    assert names == {f"User {student.pk}", f"User {other.student.pk}"}


def test_the_old_name_of_the_default_hook_still_works_and_says_it_is_deprecated():
    from tutor_relations.policies import full_name_or_username

    user = PersonFactory.build(username="login", pk=42, **full_name("", ""))
    with pytest.warns(DeprecationWarning, match="full_name_or_label"):
        assert full_name_or_username(user) == "User 42"


def display_name_field(user) -> str:
    return user.display_name
