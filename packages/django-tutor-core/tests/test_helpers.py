"""Core's smaller helpers, each through what a package does with it."""

import logging

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.dispatch import Signal
from django.test import override_settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample

from tests.sample.package import CODES
from tutor_core import checks
from tutor_core.api import schema
from tutor_core.api.fields import active_users
from tutor_core.apps import TutorAppConfig
from tutor_core.signals import Announcer, send_robust_logged


def test_error_examples_take_status_detail_and_field_from_the_registry():
    example = schema.error_example(CODES["too_many_items"], "Too many", count=4)
    assert example.status_codes == ["400"]
    error = example.value["errors"][0]
    assert (example.value["type"], error["code"], error["attr"]) == (
        "validation_error",
        "too_many_items",
        "items",
    )
    assert str(error["detail"]) == "At most 3 items, not 4."
    conflict = schema.error_example(CODES["item_conflict"], "Taken", attr="items")
    # Only a validation error names a field.
    assert conflict.value["errors"][0]["attr"] is None
    assert conflict.value["type"] == "client_error"
    busy = schema.error_example(CODES["sample_busy"], "Busy")
    assert busy.value["type"] == "server_error"


def test_drf_examples_success_and_request_examples():
    drf = schema.drf_error_example("Bad token", 401, "authentication_failed", "Invalid token.")
    assert drf.value == {
        "type": "client_error",
        "errors": [{"code": "authentication_failed", "detail": "Invalid token.", "attr": None}],
    }
    ok = schema.success("Listed", {"results": []}, status=201)
    sent = schema.request("Send", {"items": [1]})
    assert isinstance(ok, OpenApiExample)
    assert ok.status_codes == ["201"]
    assert ok.response_only
    assert sent.request_only
    assert sent.value == {"items": [1]}


def test_described_quotes_the_settings_of_the_moment():
    text = schema.described(_("At most {max_items} items."), lambda: {"max_items": 3})
    assert str(text) == "At most 3 items."


def test_client_error_response_lists_its_codes():
    body = schema.client_error_response("SampleConflict", ["item_conflict", "sample_busy"])
    fields = body.fields
    assert set(fields) == {"type", "errors"}
    assert fields["errors"].child.fields["code"].help_text == "One of: item_conflict, sample_busy"


@pytest.mark.parametrize(
    ("databases", "expected"),
    [
        ({"default": {"ENGINE": "django.db.backends.postgresql"}}, []),
        ({"default": {"ENGINE": "django.db.backends.sqlite3"}}, ["tutor_sample.W002"]),
        (
            {
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "OPTIONS": {"transaction_mode": "immediate"},
                }
            },
            [],
        ),
    ],
)
def test_sqlite_without_immediate_transactions_is_a_warning(databases, expected):
    found = checks.sqlite_immediate_transactions(
        "tutor_sample", databases, risk="two writes could clash"
    )
    assert [message.id for message in found] == expected
    assert all("two writes could clash." in message.msg for message in found)


def test_value_of_reads_the_host_value_or_the_default():
    from tests.sample.package import sample_settings

    with override_settings(TUTOR_SAMPLE={"MAX_ITEMS": 9}):
        assert checks.value_of(sample_settings, "MAX_ITEMS") == 9
        assert checks.value_of(sample_settings, "DISPLAY_NAME") == "tests.sample.package.name_of"


@pytest.mark.django_db
def test_active_users_of_a_model_without_is_active_are_all_of_them():
    Group.objects.create(name="tutors")
    assert list(active_users(Group.objects.all())) == list(Group.objects.all())


def test_a_receiver_that_raises_is_logged_and_the_others_still_run(caplog):
    signal = Signal()
    heard = []

    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    def fine(sender, **kwargs):
        heard.append(kwargs["item"])

    signal.connect(broken, weak=False)
    signal.connect(fine, weak=False)
    logger = logging.getLogger("tests.sample")
    with caplog.at_level(logging.ERROR, logger="tests.sample"):
        send_robust_logged(
            signal,
            sender=object,
            logger=logger,
            message="sample signal receiver failed",
            log_extra={"signal": "item_saved", "item_id": 7},
            item=7,
        )
    assert heard == [7]
    # Django's send_robust logs the error to django.dispatch too; ours is the package's.
    (record,) = [record for record in caplog.records if record.name == "tests.sample"]
    assert record.getMessage() == "sample signal receiver failed"
    assert (record.event, record.signal, record.item_id) == (
        "signal_receiver_failed",
        "item_saved",
        7,
    )
    assert record.receiver.endswith("broken")
    assert record.exc_info[0] is RuntimeError


def test_an_app_config_registers_its_package_checks(monkeypatch):
    imported = []
    monkeypatch.setattr("tutor_core.apps.import_module", imported.append)

    class SampleConfig(TutorAppConfig):
        name = "tests.sample"
        label = "tutor_sample"
        path = "/nonexistent"

    SampleConfig("tests.sample", __import__("tests.sample")).ready()
    assert imported == ["tests.sample.checks"]
    assert SampleConfig.default_auto_field == "django.db.models.BigAutoField"
    assert apps.ready


@pytest.mark.django_db(transaction=True)
def test_an_announcer_logs_the_event_then_sends_its_signal_after_commit(caplog):
    signal, heard = Signal(), []

    def receiver(sender, **kwargs):
        heard.append((sender, kwargs["item"]))
        raise RuntimeError("receiver bug")

    signal.connect(receiver, weak=False)
    logger = logging.getLogger("tests.sample")
    announce = Announcer(logger, sender=Group, failure_message="sample receiver failed")
    with caplog.at_level(logging.INFO, logger="tests.sample"), transaction.atomic():
        announce.on_commit(signal, "item_saved", ids={"item_id": 7}, details={"size": 2}, item=7)
        assert heard == [], "nothing before the commit"
    assert heard == [(Group, 7)]
    info, error = [record for record in caplog.records if record.name == "tests.sample"]
    assert (info.getMessage(), info.event, info.item_id, info.size) == (
        "item saved",
        "item_saved",
        7,
        2,
    )
    assert (error.getMessage(), error.signal, error.item_id) == (
        "sample receiver failed",
        "item_saved",
        7,
    )
