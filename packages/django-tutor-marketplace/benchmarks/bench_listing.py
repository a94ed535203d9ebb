"""Listing benchmark: ``nox -s bench`` (or ``python benchmarks/bench_listing.py``).

Over 10,000 published tutors in PostgreSQL (a throwaway test database, ``DATABASE_URL``)
and Redis (``REDIS_URL``; its database is flushed), prints: the latency of
``GET /api/marketplace/tutors/`` on a cache HIT and on a MISS; the HIT latency as a ratio
to an empty DRF view served by the same process (goal <= 1.3x); the SQL queries of a
MISS for growing page sizes (must be constant); and the cost of the telemetry sinks.
The package's own throttle is off so that only the listing's work is compared.

The HIT ratio is measured twice:

- **in process**, through Django's test client with a forced login: no socket, no
  authentication, so the listing's own work (one Redis round trip above all) is set
  against the bare dispatch of DRF;
- **served over HTTP** by one gunicorn worker (``bench_server.py``, a kept-alive
  connection, HTTP Basic authentication on both views): what a client of the same
  process sees of each.
"""

from __future__ import annotations

import base64
import http.client
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from tutor_testing.bench import set_up, test_database

set_up(__file__)
# The figures, not a log line per invalidation while the tutors are created.
logging.getLogger("tutor_marketplace").setLevel(logging.WARNING)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
)
from django.urls import reverse  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tutor_marketplace.cache import listing_cache  # noqa: E402
from tutor_marketplace.models import Subject, TutorProfile  # noqa: E402
from tutor_marketplace.telemetry import metrics_buffer  # noqa: E402

TUTORS = 10_000
REPEAT = 200
PACKAGE = Path(__file__).resolve().parent.parent
BASE = {"READ_THROTTLE_RATE": None, "METRICS_FLUSH_INTERVAL": 2.0}


def median_ms(function, repeat: int = REPEAT, before=None) -> float:
    timings = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def populate() -> None:
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"bench{i}", first_name="Tutor", last_name=str(i))
        for i in range(TUTORS)
    )
    subjects = Subject.objects.bulk_create(Subject(name=f"subject {i}") for i in range(50))
    profiles = TutorProfile.objects.bulk_create(
        TutorProfile(
            user=user,
            headline=f"Tutor {i}",
            description="Exam preparation",
            is_published=True,
            hourly_rate=Decimal(10 + i % 90),
        )
        for i, user in enumerate(users)
    )
    through = TutorProfile.subjects.through
    through.objects.bulk_create(
        through(tutorprofile_id=profile.pk, subject_id=subjects[(i + k) % 50].pk)
        for i, profile in enumerate(profiles)
        for k in range(3)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def served_over_http(listing: str, empty: str, *, telemetry: bool) -> tuple[float, float]:
    """Median latency (ms) of the empty view and of a listing HIT, served by gunicorn."""
    password = "bench-pass-123"
    user, _created = get_user_model().objects.get_or_create(username="bench-http")
    user.set_password(password)
    user.save()
    port = free_port()
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_server",
        "BENCH_TELEMETRY": "on" if telemetry else "off",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=1",
            "--worker-class=gthread",
            "--threads=1",
            "--keep-alive=60",
            f"--bind=127.0.0.1:{port}",
            f"--pythonpath={PACKAGE},{PACKAGE / 'benchmarks'}",
            "django.core.wsgi:get_wsgi_application()",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    credentials = base64.b64encode(f"bench-http:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}
    try:
        for _ in range(100):
            try:
                http_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                http_connection.request("GET", empty, headers=headers)
                http_connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")

        def get(path: str) -> http.client.HTTPResponse:
            http_connection.request("GET", path, headers=headers)
            response = http_connection.getresponse()
            response.read()
            return response

        listing_path = f"{listing}?ordering=-hourly_rate&page_size=20"
        get(listing_path)
        hit = get(listing_path)
        if hit.status != 200 or hit.getheader("X-Cache") != "HIT":
            sys.exit(f"the served listing is not a HIT: {hit.status} {hit.getheader('X-Cache')}")
        # Interleaved rounds, so that a busy moment of the machine weighs on both alike.
        empty_rounds, hit_rounds = [], []
        for _ in range(5):
            empty_rounds.append(median_ms(lambda: get(empty), repeat=REPEAT))
            hit_rounds.append(median_ms(lambda: get(listing_path), repeat=REPEAT))
        return statistics.median(empty_rounds), statistics.median(hit_rounds)
    finally:
        server.terminate()
        server.wait(timeout=15)


def run() -> None:
    populate()
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create(username="bench-viewer"))
    listing, empty = reverse("marketplace:tutor-list"), reverse("empty")
    params = {"ordering": "-hourly_rate", "page_size": 20}
    print(f"database: {connection.vendor}, {TUTORS} published tutors")
    with override_settings(TUTOR_MARKETPLACE=BASE):
        client.get(listing, params)
        assert client.get(listing, params)["X-Cache"] == "HIT"
        empty_ms = median_ms(lambda: client.get(empty))
        hit_ms = median_ms(lambda: client.get(listing, params))
        miss_ms = median_ms(
            lambda: client.get(listing, params), repeat=50, before=listing_cache.invalidate
        )
        print(f"empty DRF view          {empty_ms:8.2f} ms  (1.00x)")
        print(
            f"listing, cache HIT      {hit_ms:8.2f} ms  ({hit_ms / empty_ms:.2f}x the empty view)"
        )
        print(f"listing, cache MISS     {miss_ms:8.2f} ms  ({miss_ms / empty_ms:.2f}x)")
        served_empty_ms, served_hit_ms = served_over_http(listing, empty, telemetry=True)
        print("served over HTTP by one gunicorn worker, Basic authentication on both:")
        print(f"  empty DRF view        {served_empty_ms:8.2f} ms  (1.00x)")
        print(
            f"  listing, cache HIT    {served_hit_ms:8.2f} ms  "
            f"({served_hit_ms / served_empty_ms:.2f}x the empty view; goal <= 1.3x)"
        )
        quiet_empty_ms, quiet_hit_ms = served_over_http(listing, empty, telemetry=False)
        noise_ms = served_empty_ms - quiet_empty_ms
        print(
            f"  telemetry cost on a HIT: {served_hit_ms - quiet_hit_ms:+.3f} ms (sinks off "
            f"{quiet_hit_ms:.2f} ms; noise: the empty view moved {noise_ms:+.3f} ms)"
        )

        counts = {}
        for size in (1, 20, 100):
            listing_cache.invalidate()
            with CaptureQueriesContext(connection) as queries:
                assert client.get(listing, {**params, "page_size": size})["X-Cache"] == "MISS"
            counts[size] = len(queries)
        verdict = "constant" if len(set(counts.values())) == 1 else "GROWS WITH PAGE SIZE"
        print(f"SQL queries per MISS by page size: {counts} ({verdict})")

    off = {**BASE, "METRICS_DATABASE": False, "METRICS_PROMETHEUS": False}
    with override_settings(TUTOR_MARKETPLACE=off):
        quiet_ms = median_ms(lambda: client.get(listing, params))
    with override_settings(TUTOR_MARKETPLACE=BASE):
        loud_ms = median_ms(lambda: client.get(listing, params))
        metrics_buffer.flush()
    print(
        f"telemetry cost on a HIT, in process: {loud_ms - quiet_ms:+.3f} ms "
        f"(sinks off {quiet_ms:.2f} ms, on {loud_ms:.2f} ms)"
    )
    if len(set(counts.values())) != 1:
        sys.exit("The listing's query count grows with the page size.")


def main() -> None:
    listing_cache.client.flushdb()
    with test_database():
        run()


if __name__ == "__main__":
    main()
