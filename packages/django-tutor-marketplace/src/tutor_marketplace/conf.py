"""The package's settings: one ``TUTOR_MARKETPLACE`` dict, read through ``marketplace_settings``.

``tutor_core.conf.PackageSettings`` does the reading (as DRF's ``api_settings``:
documented defaults, dotted-path hooks resolved on first use, a reload on
``setting_changed`` so tests can override them); this module says what the keys are.
"""

from __future__ import annotations

from typing import Any

from tutor_core.conf import PackageSettings

SETTING_NAME = "TUTOR_MARKETPLACE"

DEFAULTS: dict[str, Any] = {
    # Dotted path to ``callable(user) -> str``: how a tutor is named in the listing.
    "USER_DISPLAY_NAME": "tutor_marketplace.policies.full_name_or_label",
    # Fields of AUTH_USER_MODEL that the listing shows (through USER_DISPLAY_NAME) or
    # filters on (is_active): a save of a published tutor's user invalidates the listing
    # when ``update_fields`` is None or names one of them.
    "USER_LISTED_FIELDS": ["is_active", "first_name", "last_name"],
    # Currencies a profile may price in (ISO 4217), and the one a new profile gets.
    "CURRENCIES": ["UAH", "USD", "EUR"],
    "DEFAULT_CURRENCY": "UAH",
    # Most subjects on one profile, and most weekly availability slots.
    "MAX_SUBJECTS": 20,
    "MAX_SLOTS": 50,
    # Listing page size when ``page_size`` is absent, and the largest allowed.
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # Page sizes whose pages are cached; any other size is served from the database and
    # never stored, so page sizes cannot multiply the cached pages.
    "CACHED_PAGE_SIZES": [10, 20, 50, 100],
    # The listing cache: on/off, and the lifetime of an entry in seconds (also the
    # longest a stale entry can survive a Redis outage that swallowed an invalidation).
    "CACHE_ENABLED": True,
    "CACHE_TIMEOUT": 300,
    # After a Redis error, serve from the database without trying Redis for this many
    # seconds (a slow Redis then costs one timeout per period, not one per request).
    "CACHE_BACKOFF": 5.0,
    # Dotted paths of signals that also invalidate the listing, e.g.
    # ["tutor_relations.signals.relation_status_changed"]. Off (empty) by default.
    "INVALIDATE_ON_SIGNALS": [],
    # The autosave blob: largest size (bytes of its JSON; larger is a 413) and deepest
    # nesting (deeper is a 400).
    "DRAFT_MAX_BYTES": 16384,
    "DRAFT_MAX_DEPTH": 5,
    # Telemetry sinks: MarketplaceMetrics rows and prometheus_client metrics.
    "METRICS_DATABASE": True,
    "METRICS_PROMETHEUS": True,
    # Samples are summed in memory per minute, metric and label set (one row each), and
    # the minutes that are over are inserted by a background thread every this many
    # seconds (None: no thread; the request that starts a new minute writes them).
    "METRICS_FLUSH_INTERVAL": 2.0,
    "METRICS_BATCH_SIZE": 500,
    # Rows (minute, metric, label set) kept in memory at most; beyond that new samples
    # are dropped (and counted).
    "METRICS_BUFFER_LIMIT": 20000,
    # Rows older than this many days are deleted: by the metrics writer itself, at most
    # once per METRICS_PRUNE_INTERVAL seconds (None: never; then run
    # ``prune_marketplace_metrics`` from cron), and by that command.
    "METRICS_RETENTION_DAYS": 30,
    "METRICS_PRUNE_INTERVAL": 3600,
    # A cache miss slower than these (milliseconds) is logged at warning / error level.
    "SLOW_MISS_WARNING_MS": 150,
    "SLOW_MISS_ERROR_MS": 300,
    # DRF rates per user; None disables a throttle.
    "READ_THROTTLE_RATE": "600/min",
    "WRITE_THROTTLE_RATE": "60/min",
    "AUTOSAVE_THROTTLE_RATE": "240/min",
    # Dotted path to a DRF ``SimpleRateThrottle`` subclass that the package's throttles
    # are built on, for another way of counting (an atomic Redis window, say); None is
    # DRF's own. The package's scopes and rates apply either way.
    "THROTTLE_BASE_CLASS": None,
    # A list in a request body (subjects, slots) is validated item by item until this
    # many items have failed, then no further: a 400 names at most this many items.
    "MAX_ITEM_ERRORS": 10,
}

IMPORT_STRINGS = frozenset({"USER_DISPLAY_NAME", "THROTTLE_BASE_CLASS"})


marketplace_settings = PackageSettings(SETTING_NAME, DEFAULTS, IMPORT_STRINGS)
