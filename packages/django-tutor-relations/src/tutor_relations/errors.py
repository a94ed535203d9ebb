"""The registry of the relations package's error codes: code, HTTP status, message.

One ``tutor_core.errors.ErrorRegistry`` feeds the API's responses (core's
``tutor_core.api.errors``), the OpenAPI examples (``tutor_relations.api.schema``), the
per-item errors of a batch (``BATCH_ITEM_ERRORS``) and the docs' error table
(``tutor_relations.errors.table``), so what clients get, what the schema shows and what
the docs say cannot drift apart.

Messages are translatable (``gettext_lazy``) ``str.format`` templates, rendered in the
active language; codes never are. Placeholders named after a setting are filled from
``TUTOR_RELATIONS`` when the message is rendered (so "at most 100 ids" follows
``MAX_BATCH_SIZE``); the others come from the error itself (``value``, ``wait``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tutor_core.errors import PARSE_ERROR, THROTTLED, ErrorCode, ErrorRegistry
from tutor_relations.conf import relations_settings

__all__ = ["BATCH_ITEM_ERRORS", "CODES", "ErrorCode", "settings_parameters", "table"]


def settings_parameters() -> dict[str, Any]:
    """The placeholders that come from ``TUTOR_RELATIONS``, as they read in a message."""
    ttl = relations_settings.IDEMPOTENCY_KEY_TTL
    hours = int(ttl.total_seconds() // 3600)
    return {
        "max_batch_size": relations_settings.MAX_BATCH_SIZE,
        "max_page_size": relations_settings.MAX_PAGE_SIZE,
        "idempotency_ttl": ngettext("%(hours)d hour", "%(hours)d hours", hours) % {"hours": hours},
    }


CODES = ErrorRegistry(
    [
        # 400: the request itself is malformed.
        ErrorCode(
            "invalid_id",
            400,
            _("Each id must be a positive integer; {value} is not."),
            attr="ids",
            meaning="an id that is not a positive integer (a string, a float, a boolean, "
            "zero, a negative number, or beyond 2^63 - 1)",
            example={"value": "true"},
        ),
        ErrorCode(
            "too_many_ids",
            400,
            _("Send at most {max_batch_size} ids at once."),
            attr="ids",
            meaning="a batch longer than `MAX_BATCH_SIZE`",
        ),
        ErrorCode(
            "unavailable_tutor",
            400,
            _("There is no tutor you can ask with this id."),
            attr="tutor",
            meaning="a tutor id that is unknown, of an inactive user, of a user the host's "
            "`TUTOR_ELIGIBILITY` hook does not offer, or your own: one answer for all, so "
            "ids cannot be probed",
        ),
        ErrorCode(
            "invalid_cursor",
            400,
            _("This cursor is not valid; start again from the first page."),
            attr="cursor",
            meaning="a cursor that was altered, is malformed, or belongs to another list",
        ),
        ErrorCode(
            "foreign_cursor",
            400,
            _("This cursor was issued to another user."),
            attr="cursor",
            meaning="a cursor issued to someone else",
        ),
        ErrorCode(
            "stale_cursor",
            400,
            _("This cursor was made for other filters; start again from the first page."),
            attr="cursor",
            meaning="a cursor sent with other filters (e.g. `status`) than its page had",
        ),
        ErrorCode(
            "invalid_idempotency_key",
            400,
            _("An Idempotency-Key is 1 to 255 printable ASCII characters."),
            attr="Idempotency-Key",
            meaning="an empty, too long or non-printable `Idempotency-Key` header",
        ),
        PARSE_ERROR,
        # 404, 409, 422, 429: the request is well formed but cannot be done.
        ErrorCode(
            "not_found",
            404,
            _("Not found."),
            meaning="no such relation, or it is not yours (the two look the same)",
        ),
        ErrorCode(
            "already_active",
            409,
            _("This relation is already active."),
            meaning="accepting an active relation",
        ),
        ErrorCode(
            "already_archived",
            409,
            _("This relation is already archived."),
            meaning="archiving an archived relation",
        ),
        ErrorCode(
            "invalid_transition",
            409,
            _("An archived relation cannot be accepted."),
            meaning="a change the life cycle forbids (pending → active → archived, "
            "pending → archived)",
        ),
        ErrorCode(
            "relation_exists",
            409,
            _("You already have a relation with this tutor."),
            meaning="a relation between the two exists, in any status",
        ),
        ErrorCode(
            "idempotency_key_reused",
            422,
            _("This Idempotency-Key was used for another request in the last {idempotency_ttl}."),
            meaning="the same `Idempotency-Key` with another method, path or body",
        ),
        THROTTLED,
    ],
    parameters=settings_parameters,
)

#: The per-item error strings of a batch (SPEC §1.2), by the code a single request gets.
BATCH_ITEM_ERRORS: dict[str, str] = {
    "already_active": "already active",
    "already_archived": "already archived",
    "not_found": "not found",
    "invalid_transition": "invalid transition",
}


def _in_batch(error: ErrorCode) -> str:
    item = BATCH_ITEM_ERRORS.get(error.code)
    return f'`"{item}"`' if item else ""


def table() -> str:
    """The registry as a Markdown table, for the docs (with the batch's per-item string)."""
    return CODES.table({"in a batch": _in_batch})
