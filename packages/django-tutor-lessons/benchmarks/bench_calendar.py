"""Calendar benchmark: ``nox -s bench`` (or ``python benchmarks/bench_calendar.py``).

Prints, for calendars of growing size up to the 500-event cap, the SQL query count of
``GET /api/lessons/my/`` (it must not grow with the number of events) and, for 500
events, the time of the request and of its JSON rendering relative to a bare
``json.dumps`` of the same data. Runs on a throwaway test database (``DATABASE_URL``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import timedelta

from tutor_testing.bench import set_up, test_database

set_up(__file__)

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
)
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from tests.factories import PersonFactory, fill_calendar  # noqa: E402

from tutor_lessons.api.serializers import lesson_representation  # noqa: E402
from tutor_lessons.selectors import calendar_lessons  # noqa: E402
from tutor_lessons.timezones import zone_for_name  # noqa: E402

SIZES = (10, 100, 250, 500, 1000)
REPEAT = 30


def best_of(function, repeat: int = REPEAT) -> float:
    """Median wall time of ``function`` in milliseconds."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    with test_database():
        run()


def run() -> None:
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    url = reverse("lessons:calendar")
    window = {"from": start.isoformat(), "to": (start + timedelta(days=300)).isoformat()}
    print(f"database: {connection.vendor}")
    print(f"{'events':>7} {'returned':>9} {'has_more':>9} {'queries':>8} {'request ms':>11}")
    query_counts = set()
    for size in SIZES:
        tutor = PersonFactory(username=f"bench-tutor-{size}", timezone="Europe/Kyiv")
        fill_calendar(tutor=tutor, count=size, start=start, students=10)
        client = APIClient()
        client.force_authenticate(tutor)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url, window).json()
        query_count = len(queries)
        query_counts.add(query_count)
        request_ms = best_of(lambda client=client: client.get(url, window))
        print(
            f"{size:>7} {len(body['results']):>9} {body['has_more_events']!s:>9} "
            f"{query_count:>8} {request_ms:>11.2f}"
        )
    verdict = "constant" if len(query_counts) == 1 else "GROWS WITH EVENTS"
    print(f"query count: {sorted(query_counts)} ({verdict})")

    zone = zone_for_name("Europe/Kyiv")
    page = calendar_lessons(
        user=tutor, window_start=start, window_end=start + timedelta(days=300), limit=500
    )
    data = {
        "results": [
            lesson_representation(lesson, zone=zone, display_names=page.display_names)
            for lesson in page.lessons
        ],
        "has_more_events": page.has_more_events,
        "timezone": zone.key,
    }

    def render() -> bytes:
        return JSONRenderer().render(
            {
                "results": [
                    lesson_representation(lesson, zone=zone, display_names=page.display_names)
                    for lesson in page.lessons
                ],
                "has_more_events": page.has_more_events,
                "timezone": zone.key,
            }
        )

    dumps_ms = best_of(lambda: json.dumps(data))
    render_ms = best_of(render)
    print(f"500 events: json.dumps of the final data        {dumps_ms:8.2f} ms  (1.00x)")
    print(
        f"500 events: represent + render (the view's work) {render_ms:8.2f} ms  "
        f"({render_ms / dumps_ms:.2f}x)"
    )
    print(
        f"500 events: whole request (query included)       {request_ms:8.2f} ms  "
        f"({request_ms / dumps_ms:.2f}x)"
    )
    if len(query_counts) != 1:
        sys.exit("The calendar's query count grows with the number of events.")


if __name__ == "__main__":
    main()
