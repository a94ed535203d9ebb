import pytest
from django.test import override_settings
from django.utils.functional import Promise
from rest_framework import exceptions

from tests.sample.package import CODES, ItemConflict, SampleError
from tutor_core.api.errors import (
    DomainAPIError,
    RegistryErrors,
    api_exception_for,
    not_found,
    validation_error,
)
from tutor_core.errors import ErrorCode, ErrorRegistry


def test_a_detail_fills_settings_and_its_own_placeholders():
    assert CODES["too_many_items"].detail(count=5) == "At most 3 items, not 5."
    with override_settings(TUTOR_SAMPLE={"MAX_ITEMS": 4}):
        assert CODES["too_many_items"].example_detail() == "At most 4 items, not 9."


def test_messages_are_translatable():
    assert all(isinstance(spec.message, Promise) for spec in CODES.values())


def test_a_domain_error_carries_its_code_message_and_field():
    error = SampleError("too_many_items", count=4)
    assert (error.code, str(error), error.attr) == (
        "too_many_items",
        "At most 3 items, not 4.",
        "items",
    )
    assert SampleError("too_many_items", attr="other", count=4).attr == "other"
    assert ItemConflict(item=2).code == "item_conflict"


def test_an_unknown_code_is_a_key_error():
    with pytest.raises(KeyError):
        SampleError("nope")


def test_a_400_becomes_a_validation_error_on_its_field():
    exception = api_exception_for(SampleError("too_many_items", count=4))
    assert isinstance(exception, exceptions.ValidationError)
    assert exception.get_codes() == {"items": ["too_many_items"]}


def test_other_statuses_keep_their_status_and_retry_after():
    conflict = api_exception_for(ItemConflict(item=2))
    busy = api_exception_for(SampleError("sample_busy"))
    assert isinstance(conflict, DomainAPIError)
    assert (conflict.status_code, conflict.get_codes(), conflict.wait) == (
        409,
        "item_conflict",
        None,
    )
    assert (busy.status_code, busy.wait) == (503, 2)


def test_helpers_build_drf_exceptions_from_registry_entries():
    assert validation_error(CODES["too_many_items"], count=1).get_codes() == {
        "items": ["too_many_items"]
    }
    assert not_found(CODES["sample_busy"]).get_codes() == "sample_busy"


def test_table_lists_every_code_with_extra_columns():
    table = CODES.table({"retry": lambda error: str(error.retry_after or "")})
    lines = table.splitlines()
    assert lines[0] == "| code | status | field | example detail | retry | when |"
    assert len(lines) == 2 + len(CODES)
    assert (
        "| `too_many_items` | 400 | `items` | At most 3 items, not 9. |  | too many items |"
        in table
    )
    assert "| `sample_busy` | 503 |  | Busy; try again. | 2 |  |" in table


def test_registry_errors_are_the_helpers_bound_to_one_registry():
    registry = ErrorRegistry(
        [*CODES.values(), ErrorCode("not_found", 404, "No such item.")],
        parameters=lambda: {"max_items": 5},
    )
    errors = RegistryErrors(registry)
    refused = errors.validation_error("too_many_items", count=30)
    assert refused.detail["items"][0].code == "too_many_items"
    assert errors.validation_error("too_many_items", attr="notes", count=3).detail["notes"]
    missing = errors.not_found()
    assert (missing.status_code, missing.detail.code) == (404, "not_found")
    with pytest.raises(KeyError):
        errors.validation_error("no_such_code")
