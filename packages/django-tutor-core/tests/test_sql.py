"""The written select answers as the ORM's query does (auth's models stand in for a package's)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection

from tutor_core.sql import written_select

pytestmark = pytest.mark.django_db


def as_dict(instance):
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_a_join_reads_the_instances_select_related_would(django_assert_num_queries):
    written = written_select(Permission, "default", link="content_type")
    assert written is not None
    tail = f"WHERE {written.column('codename')} LIKE %s ORDER BY {written.column('id')} LIMIT %s"
    with django_assert_num_queries(1):
        found = written.instances(tail, ["add_%", 3])
        related = [permission.content_type for permission in found]
    expected = list(
        Permission.objects.select_related("content_type")
        .filter(codename__startswith="add_")
        .order_by("id")[:3]
    )
    assert [as_dict(p) for p in found] == [as_dict(p) for p in expected]
    assert [as_dict(c) for c in related] == [as_dict(p.content_type) for p in expected]
    assert len(found) == 3
    assert all(p._state.db == "default" and not p._state.adding for p in found)


def test_columns_are_converted_as_the_orm_converts_them():
    user = get_user_model().objects.create_user("taras", password="pw")
    written = written_select(get_user_model(), "default")
    (found,) = written.instances(
        f"WHERE {written.column('id')} = %s", [written.prepare("id", user.pk)]
    )
    fetched = get_user_model().objects.get(pk=user.pk)
    assert as_dict(found) == as_dict(fetched)
    assert found.date_joined.tzinfo is not None


def test_prepare_prepares_a_foreign_key_as_its_target():
    written = written_select(Permission, "default", link="content_type")
    assert written.prepare("content_type", 3) == 3
    quoted = connection.ops.quote_name
    assert (
        written.column("content_type") == f"{quoted('auth_permission')}.{quoted('content_type_id')}"
    )


def test_a_link_that_is_not_a_foreign_key_keeps_the_orm_query():
    assert written_select(get_user_model(), "default", link="groups") is None
