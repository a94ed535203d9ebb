"""The locust user of ``tools/perf.py`` when wrk is not installed.

One request in a closed loop: every user sends the next request as soon as the last
one is answered. ``tools/perf.py`` starts locust headless and passes the request in
the environment (``PERF_PATH``, ``PERF_TOKEN``, ``PERF_MODE``: plain, hit or miss,
``PERF_FIRST``: the first MISS ``max_rate``) and reads the figures this file writes to
``PERF_OUT``: requests and seconds counted from the moment every user runs, exact
p50/p95 of the latencies, the answers that were not 2xx, and the X-Cache counts.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import time
from collections import Counter
from pathlib import Path

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

PATH = os.environ.get("PERF_PATH", "/")
TOKEN = os.environ.get("PERF_TOKEN", "")
MODE = os.environ.get("PERF_MODE", "plain")
HEADERS = {"Authorization": f"Token {TOKEN}"} if TOKEN else {}
# One process (gevent): one counter gives every MISS request a max_rate of its own.
numbers = itertools.count(int(os.environ.get("PERF_FIRST", "0")))


class Figures:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.latencies_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.cache: Counter[str] = Counter()


figures = Figures()


@events.spawning_complete.add_listener
def all_users_running(user_count: int, **kwargs) -> None:
    # The ramp-up (a tenth of a second) is not measured: only the closed loop at full size.
    global figures
    figures = Figures()


@events.test_stop.add_listener
def write_figures(**kwargs) -> None:
    seconds = time.perf_counter() - figures.started
    ordered = sorted(figures.latencies_ms)

    def percentile(fraction: float) -> float:
        if not ordered:
            return 0.0
        return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]

    Path(os.environ["PERF_OUT"]).write_text(
        json.dumps(
            {
                "requests": len(ordered),
                "seconds": seconds,
                "p50_ms": percentile(0.50),
                "p95_ms": percentile(0.95),
                "errors": dict(figures.errors),
                "hits": figures.cache["HIT"],
                "misses": figures.cache["MISS"],
            }
        )
    )


class PerfUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def request(self) -> None:
        path = f"{PATH}?max_rate={next(numbers)}" if MODE == "miss" else PATH
        started = time.perf_counter()
        with self.client.get(path, headers=HEADERS, name=MODE, catch_response=True) as response:
            elapsed_ms = (time.perf_counter() - started) * 1000
            recorded = figures
            recorded.latencies_ms.append(elapsed_ms)
            status = response.status_code
            if not 200 <= status < 300:
                recorded.errors[f"status {status}"] += 1
                response.failure(f"status {status}")
            elif MODE != "plain":
                recorded.cache[response.headers.get("X-Cache", "none")] += 1
                response.success()
            else:
                response.success()
