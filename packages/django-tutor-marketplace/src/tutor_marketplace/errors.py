"""The registry of the marketplace package's error codes: code, HTTP status, message.

A ``tutor_core.errors.ErrorRegistry``: one table feeds the API's responses (through
``tutor_core.api.errors``), the OpenAPI examples (``tutor_marketplace.api.schema``) and the
docs' error table (``table()``), so what clients get, what the schema shows and what the
docs say cannot drift apart. ``parse_error`` and ``throttled`` are core's shared entries.

Messages are translatable (``gettext_lazy``) ``str.format`` templates; placeholders named
after a setting are filled from ``TUTOR_MARKETPLACE``, the others come from the error
itself. Codes are never translated.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tutor_core.errors import PARSE_ERROR, THROTTLED, ErrorCode, ErrorRegistry
from tutor_marketplace.conf import marketplace_settings

__all__ = ["CODES", "ErrorCode", "settings_parameters", "table"]


def settings_parameters() -> dict[str, Any]:
    """The placeholders that come from ``TUTOR_MARKETPLACE``, as they read in a message."""
    return {
        "currencies": ", ".join(marketplace_settings.CURRENCIES),
        "max_subjects": marketplace_settings.MAX_SUBJECTS,
        "max_slots": marketplace_settings.MAX_SLOTS,
        "draft_max_bytes": marketplace_settings.DRAFT_MAX_BYTES,
        "draft_max_depth": marketplace_settings.DRAFT_MAX_DEPTH,
        "max_page_size": marketplace_settings.MAX_PAGE_SIZE,
    }


CODES = ErrorRegistry(
    [
        # 400: availability slots.
        ErrorCode(
            "invalid_weekday",
            400,
            _("A weekday is a whole number from 0 (Monday) to 6 (Sunday)."),
            attr="0.weekday",
            meaning="a slot's or the `weekday` filter's day is not 0-6",
        ),
        ErrorCode(
            "invalid_time",
            400,
            _("Use a time of day as HH:MM (00:00 to 23:59)."),
            attr="0.start",
            meaning="a slot's `start` or `end` is not a time of day",
        ),
        ErrorCode(
            "slot_reversed",
            400,
            _("A slot must end after it starts."),
            attr="0.end",
            meaning="a slot whose `end` is not after its `start`",
        ),
        ErrorCode(
            "slot_overlap",
            400,
            _("This slot overlaps slot {other} on the same weekday."),
            attr="1.start",
            meaning="two slots of one weekday overlap (touching is fine)",
            example={"other": 0},
        ),
        ErrorCode(
            "too_many_slots",
            400,
            _("At most {max_slots} slots a week."),
            attr="non_field_errors",
            meaning="more than `MAX_SLOTS` slots, refused before any of them is read",
        ),
        # 400: the profile.
        ErrorCode(
            "invalid_subject",
            400,
            _("A subject name has 1 to 64 characters (after trimming)."),
            attr="settings.subjects",
            meaning="an empty or over-long subject name",
        ),
        ErrorCode(
            "too_many_subjects",
            400,
            _("At most {max_subjects} subjects."),
            attr="settings.subjects",
            meaning="more than `MAX_SUBJECTS` subjects, counted as sent (duplicates "
            "included), refused before any of them is read",
        ),
        ErrorCode(
            "invalid_currency",
            400,
            _("Use one of: {currencies}."),
            attr="settings.currency",
            meaning="a currency not in `CURRENCIES`",
        ),
        # 400: the listing.
        ErrorCode(
            "invalid_cursor",
            400,
            _("This cursor is invalid, or belongs to other filters or another ordering."),
            attr="cursor",
            meaning="a tampered or malformed cursor, or one reused with other filters",
        ),
        ErrorCode(
            "invalid_rate_range",
            400,
            _("`min_rate` must not be greater than `max_rate`."),
            attr="max_rate",
            meaning="a reversed price range",
        ),
        # 400 / 413: the autosave draft.
        ErrorCode(
            "draft_not_object",
            400,
            _("The draft must be a JSON object."),
            attr="non_field_errors",
            meaning="an autosave body that is not an object",
        ),
        ErrorCode(
            "draft_too_deep",
            400,
            _("The draft may nest at most {draft_max_depth} levels."),
            attr="non_field_errors",
            meaning="an autosave body nested deeper than `DRAFT_MAX_DEPTH`",
        ),
        ErrorCode(
            "draft_invalid_text",
            400,
            _("The draft may not contain NUL characters or unpaired surrogates."),
            attr="non_field_errors",
            meaning="a draft key or string with `\\u0000` or a lone surrogate (`\\ud800`), "
            "which PostgreSQL cannot store",
        ),
        ErrorCode(
            "draft_invalid_number",
            400,
            _(
                "Numbers in the draft must be finite and between -9223372036854775807 and "
                "9223372036854775807."
            ),
            attr="non_field_errors",
            meaning="a draft number such as `1e400` (read as infinity) or one beyond "
            "±9223372036854775807 (2^63 - 1), `1e300` included",
        ),
        ErrorCode(
            "draft_too_large",
            413,
            _("The draft may take at most {draft_max_bytes} bytes of JSON."),
            meaning="an autosave body larger than `DRAFT_MAX_BYTES`",
        ),
        PARSE_ERROR,
        # 404, 409, 412, 429: well formed, but it cannot be done.
        ErrorCode(
            "profile_not_found",
            404,
            _("You have no tutor profile yet; PATCH /api/me/profile/ creates it."),
            meaning="the profile does not exist yet",
        ),
        ErrorCode(
            "draft_not_found",
            404,
            _("There is no autosaved draft."),
            meaning="no draft to show or publish",
        ),
        ErrorCode(
            "profile_incomplete",
            409,
            _("A published profile needs a headline, an hourly rate and at least one subject."),
            meaning="publishing (or keeping published) a profile that lacks them",
        ),
        ErrorCode(
            "draft_version_mismatch",
            412,
            _("The draft changed since version {expected}; it is at version {current}."),
            meaning="`If-Match` names another version of the draft (another tab saved)",
            example={"expected": '"3"', "current": 4},
        ),
        THROTTLED,
    ],
    parameters=settings_parameters,
)


def table() -> str:
    """The registry as a Markdown table, for the docs."""
    return CODES.table()
