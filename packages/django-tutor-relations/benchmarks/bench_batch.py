"""Batch benchmark: ``nox -s bench`` (or ``python benchmarks/bench_batch.py``).

Prints the SQL query count of ``POST /api/tutor/relations/batch/accept/`` for 10 and for
100 ids (it must not grow with the number of ids), and the time of one 100-id batch
against 100 single accepts (``POST /api/tutor/relations/{id}/accept/``) of the same
number of pending relations, as a ratio (the goal is at least 20x). Runs on a throwaway
test database (``DATABASE_URL``).
"""

from __future__ import annotations

import statistics
import sys
import time

from tutor_testing.bench import set_up, test_database

set_up(__file__)

from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
)
from django.urls import reverse  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from tests.factories import PersonFactory, pending_relations  # noqa: E402

from tutor_relations.models import TutorStudentRelation  # noqa: E402

SIZES = (10, 100)
ROUNDS = 7
GOAL = 20


def main() -> None:
    # The throttles would cut 100 single accepts short; this measures the work.
    throttles_off = {"WRITE_THROTTLE_RATE": None, "READ_THROTTLE_RATE": None}
    with test_database(), override_settings(TUTOR_RELATIONS=throttles_off):
        run()


def client_of(tutor) -> APIClient:
    client = APIClient()
    client.force_authenticate(tutor)
    return client


def batch_accept_ms(client, tutor, count: int, label: str) -> tuple[float, int]:
    ids = [r.pk for r in pending_relations(tutor=tutor, count=count, prefix=label)]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        body = client.post(reverse("relations:tutor-batch-accept"), {"ids": ids}, format="json")
    elapsed = (time.perf_counter() - started) * 1000
    assert len(body.json()["processed"]) == count, body.json()
    return elapsed, len(queries)


def single_accepts_ms(client, tutor, count: int, label: str) -> float:
    ids = [r.pk for r in pending_relations(tutor=tutor, count=count, prefix=label)]
    started = time.perf_counter()
    for pk in ids:
        response = client.post(reverse("relations:tutor-accept", args=[pk]))
        assert response.status_code == 200, response.json()
    return (time.perf_counter() - started) * 1000


def run() -> None:
    tutor = PersonFactory(username="bench-tutor")
    client = client_of(tutor)
    print(f"database: {connection.vendor}")
    print(f"{'ids':>5} {'queries':>8}")
    query_counts = set()
    for size in SIZES:
        _, queries = batch_accept_ms(client, tutor, size, f"count-{size}")
        query_counts.add(queries)
        print(f"{size:>5} {queries:>8}")
    verdict = "constant" if len(query_counts) == 1 else "GROWS WITH IDS"
    print(f"query count: {sorted(query_counts)} ({verdict})")

    batch_ms, single_ms = [], []
    for round_ in range(ROUNDS):
        batch_ms.append(batch_accept_ms(client, tutor, 100, f"batch-{round_}")[0])
        single_ms.append(single_accepts_ms(client, tutor, 100, f"single-{round_}"))
    batch, single = statistics.median(batch_ms), statistics.median(single_ms)
    ratio = single / batch
    print(f"one batch accept of 100 ids    {batch:9.2f} ms  (median of {ROUNDS})")
    print(f"100 single accepts             {single:9.2f} ms  (median of {ROUNDS})")
    print(f"ratio                          {ratio:9.1f}x  (goal: at least {GOAL}x)")
    assert TutorStudentRelation.objects.filter(status="pending").count() == 0
    if len(query_counts) != 1:
        sys.exit("The batch's query count grows with the number of ids.")


if __name__ == "__main__":
    main()
