"""Listing telemetry (SPEC §3.2): four samples per request, to the database and Prometheus.

- **Prometheus**: module-level ``prometheus_client`` metrics in the default registry —
  a histogram ``marketplace_query_duration_ms`` (label ``cache``: hit/miss), counters
  ``marketplace_cache_hit`` / ``marketplace_cache_miss`` (exposed with ``_total``) and a
  histogram ``marketplace_result_count``. Histograms and counters are the types that
  ``prometheus_client``'s multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) aggregates
  across worker processes; no custom collector is registered.
- **Database**: ``MarketplaceMetrics`` rows are appended to an in-memory buffer and
  bulk-inserted by a background thread (``METRICS_FLUSH_INTERVAL``), off the request
  path. The buffer is bounded (``METRICS_BUFFER_LIMIT``); overflow is dropped and logged.

A cache miss slower than ``SLOW_MISS_WARNING_MS`` logs a warning, slower than
``SLOW_MISS_ERROR_MS`` an error.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from prometheus_client import Counter, Histogram

from tutor_marketplace.conf import marketplace_settings
from tutor_marketplace.models import MarketplaceMetrics, MetricName

logger = logging.getLogger("tutor_marketplace")

#: One buffered sample: metric name, value, when, labels (a ``MarketplaceMetrics`` row).
Sample = tuple[str, float, datetime, dict[str, Any]]

QUERY_DURATION = Histogram(
    MetricName.QUERY_DURATION_MS.value,
    "Time to answer GET /api/marketplace/tutors/, in milliseconds.",
    ["cache"],
    buckets=(1, 2.5, 5, 10, 25, 50, 100, 150, 200, 300, 500, 1000, 2500, 5000),
)
CACHE_HIT = Counter(MetricName.CACHE_HIT.value, "Listing requests answered from Redis.")
CACHE_MISS = Counter(MetricName.CACHE_MISS.value, "Listing requests answered from the database.")
RESULT_COUNT = Histogram(
    MetricName.RESULT_COUNT.value,
    "Tutors in a listing page.",
    buckets=(0, 1, 5, 10, 20, 50, 100),
)


class MetricsBuffer:
    """Samples waiting to be bulk-inserted; thread- and fork-safe."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._rows: list[Sample] = []
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rows: list[Sample]) -> None:
        if self._pid != os.getpid():  # forked (e.g. gunicorn --preload): own buffer
            self._reset()
        with self._lock:
            room = int(marketplace_settings.METRICS_BUFFER_LIMIT) - len(self._rows)
            if room < len(rows):
                self.dropped += len(rows) - max(room, 0)
                rows = rows[: max(room, 0)]
            self._rows.extend(rows)
            full = len(self._rows) >= int(marketplace_settings.METRICS_BATCH_SIZE)
        interval = marketplace_settings.METRICS_FLUSH_INTERVAL
        if interval is None:
            if full:
                self.flush()
            return
        self._ensure_thread()
        if full:
            self._wake.set()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="tutor-marketplace-metrics", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            interval = marketplace_settings.METRICS_FLUSH_INTERVAL
            self._wake.wait(float(interval or 1.0))
            self._wake.clear()
            try:
                self.flush()
            finally:
                # A connection per flush, closed at once: the thread holds none between
                # flushes (nothing to leak, nothing to block a test database's teardown).
                connection.close()

    def flush(self) -> int:
        """Insert every buffered sample now; return how many were written."""
        with self._lock:
            rows, self._rows = self._rows, []
            dropped, self.dropped = self.dropped, 0
        if dropped:
            logger.warning(
                "marketplace metrics dropped: buffer full",
                extra={"event": "marketplace_metrics_dropped", "count": dropped},
            )
        if not rows:
            return 0
        try:
            _insert(rows)
        except DatabaseError:
            logger.exception(
                "marketplace metrics could not be written",
                extra={"event": "marketplace_metrics_failed", "count": len(rows)},
            )
            return 0
        return len(rows)


def _insert(rows: list[Sample]) -> None:
    """Write the samples: with ``COPY`` on PostgreSQL (psycopg 3), else ``bulk_create``.

    ``COPY`` costs about a seventh of ``bulk_create`` per row (9 against 64 µs here):
    the flush shares its process, and so the GIL, with the requests it measures.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, connection.wrap_database_errors:
            copy = getattr(cursor.cursor, "copy", None)  # psycopg 3; psycopg2 has none
            if copy is not None:
                meta = MarketplaceMetrics._meta
                columns = ", ".join(
                    connection.ops.quote_name(meta.get_field(name).column)
                    for name in ("metric", "value", "created_at", "labels")
                )
                table = connection.ops.quote_name(meta.db_table)
                with copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
                    for metric, value, at, labels in rows:
                        stream.write_row((str(metric), value, at, json.dumps(labels)))
                return
    MarketplaceMetrics.objects.bulk_create(
        (
            MarketplaceMetrics(metric=metric, value=value, created_at=at, labels=labels)
            for metric, value, at, labels in rows
        ),
        batch_size=int(marketplace_settings.METRICS_BATCH_SIZE),
    )


metrics_buffer = MetricsBuffer()


def _flush_at_exit() -> None:
    try:
        metrics_buffer.flush()
    except Exception:  # the database may be gone at interpreter exit
        logger.debug("marketplace metrics not flushed at exit", exc_info=True)


atexit.register(_flush_at_exit)


def record_listing(
    *, duration_ms: float, hit: bool, result_count: int, labels: dict[str, Any] | None = None
) -> None:
    """Record one listing request in every enabled sink, and log a slow cache miss."""
    cache = "hit" if hit else "miss"
    if marketplace_settings.METRICS_PROMETHEUS:
        QUERY_DURATION.labels(cache=cache).observe(duration_ms)
        (CACHE_HIT if hit else CACHE_MISS).inc()
        RESULT_COUNT.observe(result_count)
    if marketplace_settings.METRICS_DATABASE:
        now = timezone.now()
        tags = {"cache": cache, **(labels or {})}
        # Plain tuples: the model instances are built by the flush, off the request path.
        metrics_buffer.add(
            [
                (MetricName.QUERY_DURATION_MS, duration_ms, now, tags),
                (MetricName.CACHE_HIT, int(hit), now, tags),
                (MetricName.CACHE_MISS, int(not hit), now, tags),
                (MetricName.RESULT_COUNT, result_count, now, tags),
            ]
        )
    if not hit:
        _log_slow_miss(duration_ms, labels or {})


def _log_slow_miss(duration_ms: float, labels: dict[str, Any]) -> None:
    extra = {"event": "marketplace_slow_miss", "duration_ms": round(duration_ms, 1), **labels}
    if duration_ms > marketplace_settings.SLOW_MISS_ERROR_MS:
        logger.error("marketplace listing cache miss very slow", extra=extra)
    elif duration_ms > marketplace_settings.SLOW_MISS_WARNING_MS:
        logger.warning("marketplace listing cache miss slow", extra=extra)
