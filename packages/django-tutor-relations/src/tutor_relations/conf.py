"""The package's settings: one ``TUTOR_RELATIONS`` dict, read through ``relations_settings``.

``relations_settings`` is core's ``PackageSettings`` (``tutor_core.conf``): documented
defaults, dotted-path hooks resolved on first use, and a reload on ``setting_changed``
so tests can override them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tutor_core.conf import PackageSettings

SETTING_NAME = "TUTOR_RELATIONS"

DEFAULTS: dict[str, Any] = {
    # Dotted path to ``callable(user) -> str``: how a person is shown in responses.
    "USER_DISPLAY_NAME": "tutor_relations.policies.full_name_or_label",
    # Dotted path to ``callable(users: QuerySet) -> QuerySet``: given the host's active
    # users, returns those a student may ask to be their tutor (filter, don't evaluate:
    # the answer is one query). Everyone else is the same 400 ``unavailable_tutor``.
    "TUTOR_ELIGIBILITY": "tutor_relations.policies.any_active_user",
    # Dotted path to ``callable(request) -> str | None``: the id of the request, written
    # to the audit log's metadata and to the log lines of each transition.
    "REQUEST_ID": "tutor_relations.policies.request_id_of",
    # The most ids one batch request may name; more is a 400.
    "MAX_BATCH_SIZE": 100,
    # Rows per page of a cursor-paginated list, and the most a client may ask for.
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # How long an ``Idempotency-Key`` is remembered.
    "IDEMPOTENCY_KEY_TTL": timedelta(hours=24),
    # The most expired keys a request that stores a new key then deletes (no cron needed).
    "IDEMPOTENCY_PURGE_BATCH_SIZE": 100,
    # DRF rate for writes per user (batches, accept, archive, create); None disables.
    "WRITE_THROTTLE_RATE": "60/min",
    # DRF rate for reads per user (lists, feed, timeline); None disables.
    "READ_THROTTLE_RATE": "600/min",
    # Dotted path to a DRF ``SimpleRateThrottle`` subclass that the package's throttles
    # are built on, for another way of counting (an atomic Redis window, say); None is
    # DRF's own. The package's scopes and rates apply either way.
    "THROTTLE_BASE_CLASS": None,
}

IMPORT_STRINGS = frozenset(
    {"USER_DISPLAY_NAME", "TUTOR_ELIGIBILITY", "REQUEST_ID", "THROTTLE_BASE_CLASS"}
)


relations_settings = PackageSettings(SETTING_NAME, DEFAULTS, IMPORT_STRINGS)
