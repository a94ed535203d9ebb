import pytest
from django.core import signing

from tutor_core.cursors import CursorError, SignedCursors

cursors = SignedCursors(salt="tests.cursor")
PLACE = {"listing": "students", "owner": 7, "filters": {"status": "active"}}


def code_of(cursor: str, **place) -> str:
    with pytest.raises(CursorError) as raised:
        cursors.loads(cursor, **{**PLACE, **place})
    return raised.value.code


def test_a_cursor_reads_back_its_position():
    cursor = cursors.dumps(**PLACE, position=["2026-07-14T13:00:00+00:00", 42])
    assert cursors.loads(cursor, **PLACE) == ["2026-07-14T13:00:00+00:00", 42]


def test_a_list_for_everyone_has_no_owner():
    cursor = cursors.dumps(listing="tutors", owner=None, filters="abc", position=["40.00", 3])
    assert cursors.loads(cursor, listing="tutors", owner=None, filters="abc") == ["40.00", 3]
    assert code_of(cursor, listing="tutors", owner=1, filters="abc") == "foreign_cursor"


def test_refusals_have_stable_codes():
    cursor = cursors.dumps(**PLACE, position=[1])
    assert code_of(cursor[:-2] + "xx") == "invalid_cursor"
    assert code_of("not a cursor") == "invalid_cursor"
    assert code_of(cursor, listing="tutors") == "invalid_cursor"
    assert code_of(cursor, owner=8) == "foreign_cursor"
    assert code_of(cursor, filters={"status": "archived"}) == "stale_cursor"
    assert code_of("a" * 2000) == "invalid_cursor"


def test_another_salt_or_payload_shape_is_invalid():
    other = SignedCursors(salt="tests.other").dumps(**PLACE, position=[1])
    assert code_of(other) == "invalid_cursor"
    not_a_position = signing.dumps(
        {"l": "students", "u": "7", "f": {}, "p": 5}, salt="tests.cursor"
    )
    assert code_of(not_a_position) == "invalid_cursor"
    not_a_dict = signing.dumps([1, 2], salt="tests.cursor")
    assert code_of(not_a_dict) == "invalid_cursor"
