"""Listing telemetry (SPEC §3.2): four metrics per request, to the database and Prometheus.

- **Prometheus**: module-level ``prometheus_client`` metrics in the default registry —
  a histogram ``marketplace_query_duration_ms`` (label ``cache``: hit/miss), counters
  ``marketplace_cache_hit`` / ``marketplace_cache_miss`` (exposed with ``_total``) and a
  histogram ``marketplace_result_count``. Histograms and counters are the types that
  ``prometheus_client``'s multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) aggregates
  across worker processes; no custom collector is registered.
- **Database**: samples are summed in memory per minute, metric and label set, and each
  such sum becomes one ``MarketplaceMetrics`` row (``value`` the sum, ``count`` the
  samples, ``created_at`` the minute): at most 4 metrics x label sets rows a minute per
  process, whatever the traffic. A background thread (``METRICS_FLUSH_INTERVAL``) inserts
  the minutes that are over, off the request path, and deletes rows older than
  ``METRICS_RETENTION_DAYS`` at most once per ``METRICS_PRUNE_INTERVAL``. The buffer is
  bounded (``METRICS_BUFFER_LIMIT`` rows); overflow is dropped and logged. A database
  that cannot be reached is one warning per outage; its rows are kept for the next try.

A cache miss slower than ``SLOW_MISS_WARNING_MS`` logs a warning, slower than
``SLOW_MISS_ERROR_MS`` an error.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Field
from django.utils import timezone
from prometheus_client import Counter, Histogram

from tutor_marketplace.conf import marketplace_settings
from tutor_marketplace.models import MarketplaceMetrics, MetricName

logger = logging.getLogger("tutor_marketplace")

#: One row to write: metric name, sum of the values, how many samples, minute, labels.
Row = tuple[str, float, int, datetime, dict[str, Any]]
#: What sums one row: the minute, the metric name, the labels as sorted JSON.
BucketKey = tuple[datetime, str, str]

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
    """Per-minute sums waiting to be inserted; thread- and fork-safe."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._buckets: dict[BucketKey, list[Any]] = {}
        self._thread: threading.Thread | None = None
        self._last_prune: float | None = None
        self._database_down = False
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def clear(self) -> None:
        """Forget every buffered row (tests)."""
        with self._lock:
            self._buckets.clear()
            self.dropped = 0

    def add(
        self, samples: list[tuple[str, float]], *, at: datetime, labels: dict[str, Any]
    ) -> None:
        """Add each ``(metric, value)`` sample taken ``at`` with ``labels`` to its minute."""
        if self._pid != os.getpid():  # forked (e.g. gunicorn --preload): own buffer
            self._reset()
        minute = at.replace(second=0, microsecond=0)
        label_key = json.dumps(labels, sort_keys=True, default=str)
        limit = int(marketplace_settings.METRICS_BUFFER_LIMIT)
        with self._lock:
            for metric, value in samples:
                self._merge((minute, str(metric), label_key), value, 1, labels, limit)
            full = len(self._buckets) >= int(marketplace_settings.METRICS_BATCH_SIZE)
            minute_over = any(key[0] < minute for key in self._buckets)
        if marketplace_settings.METRICS_FLUSH_INTERVAL is None:
            if full or minute_over:
                self.flush(complete_only=not full)
                self.prune_if_due()
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
            full = self._wake.wait(float(interval or 1.0))
            self._wake.clear()
            try:
                self.flush(complete_only=not full)
                self.prune_if_due()
            finally:
                # A connection per flush, closed at once: the thread holds none between
                # flushes (nothing to leak, nothing to block a test database's teardown).
                connection.close()

    def flush(self, *, complete_only: bool = False) -> int:
        """Insert the buffered rows now (only the minutes that are over if
        ``complete_only``); return how many were written."""
        this_minute = timezone.now().replace(second=0, microsecond=0)
        with self._lock:
            taken = {
                key: bucket
                for key, bucket in self._buckets.items()
                if not complete_only or key[0] < this_minute
            }
            for key in taken:
                del self._buckets[key]
            dropped, self.dropped = self.dropped, 0
        if dropped:
            logger.warning(
                "marketplace metrics dropped: buffer full",
                extra={"event": "marketplace_metrics_dropped", "count": dropped},
            )
        if not taken:
            return 0
        rows = [
            (metric, total, count, minute, labels)
            for (minute, metric, _key), (total, count, labels) in taken.items()
        ]
        try:
            _insert(rows)
        except (OperationalError, InterfaceError) as error:
            self._keep(taken)
            self._database_unavailable("write", error)
            return 0
        except DatabaseError:
            logger.exception(
                "marketplace metrics could not be written",
                extra={"event": "marketplace_metrics_failed", "count": len(rows)},
            )
            return 0
        self._database_back()
        return len(rows)

    def _merge(
        self, key: BucketKey, total: float, count: int, labels: dict[str, Any], limit: int
    ) -> None:
        """Add ``count`` samples summing ``total`` to the row ``key`` (with ``_lock`` held);
        a new row beyond ``limit`` rows is dropped and counted."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket[0] += total
            bucket[1] += count
        elif len(self._buckets) < limit:
            self._buckets[key] = [total, count, labels]
        else:
            self.dropped += count

    def _keep(self, taken: dict[BucketKey, list[Any]]) -> None:
        """Put rows that could not be written back, for the next flush (within the limit)."""
        limit = int(marketplace_settings.METRICS_BUFFER_LIMIT)
        with self._lock:
            for key, (total, count, labels) in taken.items():
                self._merge(key, total, count, labels, limit)

    def _database_unavailable(self, operation: str, error: Exception) -> None:
        # An outage (a restart, a failover) is one warning, not a traceback per flush.
        if not self._database_down:
            self._database_down = True
            logger.warning(
                "marketplace metrics waiting for the database",
                extra={
                    "event": "marketplace_metrics_database_unavailable",
                    "operation": operation,
                    "error": str(error).strip().splitlines()[0] if str(error).strip() else "",
                },
            )

    def _database_back(self) -> None:
        if self._database_down:
            self._database_down = False
            logger.info(
                "marketplace metrics written again",
                extra={"event": "marketplace_metrics_database_back"},
            )

    def prune_if_due(self) -> int:
        """Delete rows older than ``METRICS_RETENTION_DAYS``, at most once per
        ``METRICS_PRUNE_INTERVAL`` seconds per process; return how many."""
        interval = marketplace_settings.METRICS_PRUNE_INTERVAL
        if interval is None or not marketplace_settings.METRICS_DATABASE:
            return 0
        now = time.monotonic()
        with self._lock:
            if self._last_prune is not None and now - self._last_prune < float(interval):
                return 0
            self._last_prune = now
        try:
            return prune_metrics(days=int(marketplace_settings.METRICS_RETENTION_DAYS))
        except (OperationalError, InterfaceError) as error:
            self._database_unavailable("prune", error)
            return 0


#: Rows one pruning pass deletes at most, in batches: a backlog left from before the
#: rows were summed per minute is worked off over a few passes, never in one long DELETE.
PRUNE_BATCH_SIZE = 5000
PRUNE_MAX_BATCHES = 20


def prune_metrics(
    *, days: int, batch_size: int = PRUNE_BATCH_SIZE, max_batches: int | None = PRUNE_MAX_BATCHES
) -> int:
    """Delete ``MarketplaceMetrics`` rows older than ``days`` days, a batch at a time."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        old = MarketplaceMetrics.objects.filter(created_at__lt=cutoff)
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        deleted += MarketplaceMetrics.objects.filter(pk__in=ids).delete()[0]
        batches += 1
    if deleted:
        logger.info(
            "marketplace metrics pruned",
            extra={"event": "marketplace_metrics_pruned", "count": deleted, "days": days},
        )
    return deleted


def _column(name: str) -> str:
    """The database column of the ``MarketplaceMetrics`` field ``name``."""
    field = MarketplaceMetrics._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise LookupError(f"MarketplaceMetrics.{name} is not a column")
    return field.column


def _insert(rows: list[Row]) -> None:
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
                    connection.ops.quote_name(_column(name))
                    for name in ("metric", "value", "count", "created_at", "labels")
                )
                table = connection.ops.quote_name(meta.db_table)
                with copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
                    for metric, value, count, at, labels in rows:
                        stream.write_row((metric, value, count, at, json.dumps(labels)))
                return
    MarketplaceMetrics.objects.bulk_create(
        (
            MarketplaceMetrics(
                metric=metric, value=value, count=count, created_at=at, labels=labels
            )
            for metric, value, count, at, labels in rows
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
        # Plain tuples, summed per minute: the rows are built by the flush.
        metrics_buffer.add(
            [
                (MetricName.QUERY_DURATION_MS, duration_ms),
                (MetricName.CACHE_HIT, int(hit)),
                (MetricName.CACHE_MISS, int(not hit)),
                (MetricName.RESULT_COUNT, result_count),
            ],
            at=timezone.now(),
            labels={"cache": cache, **(labels or {})},
        )
    if not hit:
        _log_slow_miss(duration_ms, labels or {})


def _log_slow_miss(duration_ms: float, labels: dict[str, Any]) -> None:
    extra = {"event": "marketplace_slow_miss", "duration_ms": round(duration_ms, 1), **labels}
    if duration_ms > marketplace_settings.SLOW_MISS_ERROR_MS:
        logger.error("marketplace listing cache miss very slow", extra=extra)
    elif duration_ms > marketplace_settings.SLOW_MISS_WARNING_MS:
        logger.warning("marketplace listing cache miss slow", extra=extra)
