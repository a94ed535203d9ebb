"""A sample package built on core as the real ones are: settings, registry, errors, throttles."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tutor_core.conf import PackageSettings
from tutor_core.errors import PARSE_ERROR, THROTTLED, ErrorCode, ErrorRegistry
from tutor_core.exceptions import TutorError
from tutor_core.pagination import CURSOR_ERRORS
from tutor_core.throttling import PackageRateThrottle

DEFAULTS: dict[str, Any] = {
    "MAX_ITEMS": 3,
    "DISPLAY_NAME": "tests.sample.package.name_of",
    "READ_THROTTLE_RATE": None,
    "WRITE_THROTTLE_RATE": None,
    "THROTTLE_BASE_CLASS": None,
}
sample_settings = PackageSettings(
    "TUTOR_SAMPLE", DEFAULTS, import_strings={"DISPLAY_NAME", "THROTTLE_BASE_CLASS"}
)


def name_of(user: Any) -> str:
    return f"User {user.pk}"


CODES = ErrorRegistry(
    [
        ErrorCode(
            "too_many_items",
            400,
            _("At most {max_items} items, not {count}."),
            attr="items",
            meaning="too many items",
            example={"count": 9},
        ),
        ErrorCode("item_conflict", 409, _("Item {item} is taken."), example={"item": 1}),
        ErrorCode("sample_busy", 503, _("Busy; try again."), retry_after=2),
        PARSE_ERROR,
        THROTTLED,
        CURSOR_ERRORS["invalid_cursor"],
    ],
    parameters=lambda: {"max_items": sample_settings.MAX_ITEMS},
)


class SampleError(TutorError):
    registry = CODES


class ItemConflict(SampleError, code="item_conflict"):
    @property
    def members(self) -> dict[str, Any]:
        return {"item": self.params["item"]}


class SampleThrottle(PackageRateThrottle):
    package_settings = sample_settings


class SampleReadThrottle(SampleThrottle, setting="READ_THROTTLE_RATE"): ...


class SampleWriteThrottle(SampleThrottle, setting="WRITE_THROTTLE_RATE"):
    scope = "tutor_sample_writes"  # a scope of its own, kept
