"""Telemetry: rows, Prometheus samples, thresholds, the buffer, pruning, the alert rules."""

import logging
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from tests.factories import TutorProfileFactory
from tests.routes import LISTING
from tutor_marketplace.conf import DEFAULTS
from tutor_marketplace.models import MarketplaceMetrics, MetricName
from tutor_marketplace.telemetry import metrics_buffer, record_listing

ALERTS = Path(__file__).resolve().parents[3] / "docs" / "marketplace" / "alerts.yml"


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_listing_request_writes_the_four_metrics(browse, db):
    TutorProfileFactory()
    browse.get(LISTING)
    browse.get(LISTING)
    assert MarketplaceMetrics.objects.count() == 0, "not written on the request path"
    assert metrics_buffer.flush() == 8
    rows = list(MarketplaceMetrics.objects.order_by("pk").values_list("metric", "value", "labels"))
    by_request = [rows[:4], rows[4:]]
    for request_rows, cache in zip(by_request, ("miss", "hit"), strict=True):
        assert {metric for metric, _v, _l in request_rows} == set(MetricName.values)
        values = {metric: value for metric, value, _l in request_rows}
        assert values[MetricName.CACHE_HIT] == (cache == "hit")
        assert values[MetricName.CACHE_MISS] == (cache == "miss")
        assert values[MetricName.RESULT_COUNT] == 1
        assert values[MetricName.QUERY_DURATION_MS] > 0
        assert all(
            labels == {"cache": cache, "ordering": "-created"} for _m, _v, labels in request_rows
        )


def test_prometheus_samples_use_the_same_names(browse, db):
    before = {
        "hit": sample("marketplace_cache_hit_total"),
        "miss": sample("marketplace_cache_miss_total"),
        "count": sample("marketplace_result_count_count"),
        "miss_duration": sample("marketplace_query_duration_ms_count", cache="miss"),
        "hit_duration": sample("marketplace_query_duration_ms_count", cache="hit"),
    }
    browse.get(LISTING)
    browse.get(LISTING)
    browse.get(LISTING)
    assert sample("marketplace_cache_miss_total") - before["miss"] == 1
    assert sample("marketplace_cache_hit_total") - before["hit"] == 2
    assert sample("marketplace_result_count_count") - before["count"] == 3
    assert (
        sample("marketplace_query_duration_ms_count", cache="miss") - before["miss_duration"] == 1
    )
    assert sample("marketplace_query_duration_ms_count", cache="hit") - before["hit_duration"] == 2


def test_each_sink_can_be_switched_off(browse, db):
    off = {"METRICS_DATABASE": False, "METRICS_PROMETHEUS": False, "METRICS_FLUSH_INTERVAL": None}
    hits = sample("marketplace_cache_miss_total")
    with override_settings(TUTOR_MARKETPLACE=off):
        browse.get(LISTING)
    assert len(metrics_buffer) == 0
    assert sample("marketplace_cache_miss_total") == hits


@pytest.mark.parametrize(
    ("duration", "hit", "level"),
    [
        (100, False, None),
        (151, False, logging.WARNING),
        (301, False, logging.ERROR),
        (999, True, None),
    ],
)
def test_slow_misses_are_logged_at_the_threshold_levels(caplog, duration, hit, level):
    off = {"METRICS_DATABASE": False, "METRICS_FLUSH_INTERVAL": None}
    with (
        override_settings(TUTOR_MARKETPLACE=off),
        caplog.at_level(logging.INFO, "tutor_marketplace"),
    ):
        record_listing(duration_ms=duration, hit=hit, result_count=0)
    slow = [r for r in caplog.records if getattr(r, "event", "") == "marketplace_slow_miss"]
    assert [r.levelno for r in slow] == ([level] if level else [])


def test_buffer_flushes_when_a_batch_is_full(db):
    limits = {"METRICS_BATCH_SIZE": 8, "METRICS_FLUSH_INTERVAL": None}
    with override_settings(TUTOR_MARKETPLACE=limits):
        record_listing(duration_ms=1, hit=True, result_count=1)
        record_listing(duration_ms=1, hit=True, result_count=1)  # summed into the same rows
        assert MarketplaceMetrics.objects.count() == 0
        record_listing(duration_ms=1, hit=False, result_count=1)  # another label set
        assert MarketplaceMetrics.objects.count() == 8


def test_buffer_drops_beyond_its_limit_and_says_so(db, caplog):
    limits = {"METRICS_BUFFER_LIMIT": 10, "METRICS_FLUSH_INTERVAL": None}
    with override_settings(TUTOR_MARKETPLACE=limits):
        for ordering in ("a", "b", "c"):
            record_listing(duration_ms=1, hit=True, result_count=1, labels={"ordering": ordering})
        assert metrics_buffer.dropped == 2
        with caplog.at_level(logging.WARNING, "tutor_marketplace"):
            assert metrics_buffer.flush() == 10
    assert any("dropped" in r.message for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_background_thread_writes_the_minutes_that_are_over_off_the_request_path(client_for):
    from tests.factories import PersonFactory

    client = client_for(PersonFactory(username="thread"))
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    with override_settings(TUTOR_MARKETPLACE={"METRICS_FLUSH_INTERVAL": 0.05}):
        metrics_buffer.add([(MetricName.CACHE_HIT, 1)], at=a_minute_ago, labels={"cache": "hit"})
        assert client.get(LISTING).status_code == 200
        deadline = time.monotonic() + 5
        while not MarketplaceMetrics.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # a few more flushes: the current minute must stay in memory
        [row] = MarketplaceMetrics.objects.all()
        assert row.created_at == a_minute_ago.replace(second=0, microsecond=0)
        assert len(metrics_buffer) == 4, "this minute's request, written when it is over"


def test_listing_requests_write_a_bounded_number_of_rows(browse, db):
    """Summed per minute, metric and label set: 50 requests are 8 rows, not 200."""
    TutorProfileFactory()
    for _ in range(25):
        assert browse.get(LISTING).status_code == 200
        assert browse.get(LISTING, {"ordering": "hourly_rate"}).status_code == 200
    metrics_buffer.flush()
    rows = MarketplaceMetrics.objects.values_list("metric", "value", "count", "labels")
    # 2 orderings x (1 miss, 24 hits): at most 2 x 2 label sets x 4 metrics, one minute
    # (or two, when the test runs across a minute's end).
    assert 16 <= len(rows) <= 32
    totals: dict[tuple[str, str], tuple[float, int]] = {}
    for metric, value, count, labels in rows:
        key = (metric, labels["cache"])
        value_sum, count_sum = totals.get(key, (0, 0))
        totals[key] = (value_sum + value, count_sum + count)
    assert totals[(MetricName.CACHE_HIT, "hit")] == (48, 48)
    assert totals[(MetricName.CACHE_MISS, "miss")] == (2, 2)
    assert totals[(MetricName.RESULT_COUNT, "hit")] == (48, 48)
    assert totals[(MetricName.QUERY_DURATION_MS, "miss")][1] == 2


def test_old_rows_are_pruned_by_the_app_without_the_cron_command(browse, db):
    old = MarketplaceMetrics.objects.create(
        metric=MetricName.CACHE_HIT, value=1, created_at=timezone.now() - timedelta(days=31)
    )
    kept = MarketplaceMetrics.objects.create(
        metric=MetricName.CACHE_HIT, value=1, created_at=timezone.now() - timedelta(days=29)
    )
    # No background thread: the request that fills a batch writes it, then prunes.
    settings = {"METRICS_FLUSH_INTERVAL": None, "METRICS_BATCH_SIZE": 1}
    with override_settings(TUTOR_MARKETPLACE={**settings, "METRICS_PRUNE_INTERVAL": None}):
        browse.get(LISTING)
    assert MarketplaceMetrics.objects.filter(pk=old.pk).exists(), "pruning switched off"
    with override_settings(TUTOR_MARKETPLACE={**settings, "METRICS_PRUNE_INTERVAL": 0}):
        browse.get(LISTING)
    assert not MarketplaceMetrics.objects.filter(pk=old.pk).exists()
    assert MarketplaceMetrics.objects.filter(pk=kept.pk).exists()


def test_prune_deletes_only_rows_older_than_the_retention(db):
    old = timezone.now() - timedelta(days=31)
    MarketplaceMetrics.objects.create(metric=MetricName.CACHE_HIT, value=1, created_at=old)
    MarketplaceMetrics.objects.create(metric=MetricName.CACHE_HIT, value=1)
    call_command("prune_marketplace_metrics", batch_size=1)
    assert MarketplaceMetrics.objects.count() == 1
    call_command("prune_marketplace_metrics", days=0)
    assert MarketplaceMetrics.objects.count() == 0


def test_alert_rules_parse_and_follow_the_default_thresholds():
    rules = yaml.safe_load(ALERTS.read_text())["groups"][0]["rules"]
    by_name = {rule["alert"]: rule for rule in rules}
    for name, threshold, severity in (
        ("MarketplaceListingMissSlow", DEFAULTS["SLOW_MISS_WARNING_MS"], "warning"),
        ("MarketplaceListingMissVerySlow", DEFAULTS["SLOW_MISS_ERROR_MS"], "critical"),
    ):
        rule = by_name[name]
        assert 'marketplace_query_duration_ms_bucket{cache="miss"}' in rule["expr"]
        assert rule["expr"].strip().endswith(f"> {threshold}")
        assert rule["labels"]["severity"] == severity
    for rule in rules:
        assert rule["expr"].count("(") == rule["expr"].count(")")
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule)
    assert "marketplace_cache_hit_total" in by_name["MarketplaceCacheHitRatioLow"]["expr"]


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_one_warning_and_the_rows_wait_for_it_to_end(caplog):
    """The flusher's own connection refused (as during a PostgreSQL restart), twice."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    record_listing(duration_ms=1, hit=True, result_count=1)
    written = []

    def flush_through_an_outage():
        from django.db import connection

        reachable = connection.settings_dict
        try:
            connection.settings_dict = {**reachable, "PORT": closed_port}
            written.append(metrics_buffer.flush())
            written.append(metrics_buffer.flush())
            connection.close()
            connection.settings_dict = reachable
            written.append(metrics_buffer.flush())
        finally:
            connection.settings_dict = reachable
            connection.close()

    with caplog.at_level(logging.INFO, "tutor_marketplace"):
        thread = threading.Thread(target=flush_through_an_outage)
        thread.start()
        thread.join(30)
    assert written == [0, 0, 4]
    assert MarketplaceMetrics.objects.count() == 4
    events = [getattr(r, "event", "") for r in caplog.records]
    assert events.count("marketplace_metrics_database_unavailable") == 1
    assert "marketplace_metrics_database_back" in events
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
