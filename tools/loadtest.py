"""Load test: every endpoint of the example project, at 10 and 30 locust users, on two app
servers that share one PostgreSQL and one Redis.

    python tools/loadtest.py [--levels 10,30] [--duration 25] [--ports 8398,8399]

It creates the PostgreSQL database of ``DATABASE_URL`` if it is missing (default
``postgres://postgres@127.0.0.1:5432/tutor_loadtest``; ``REDIS_URL`` defaults to
``redis://127.0.0.1:6379/3``: the throttles and the marketplace listing cache live
there), migrates, and serves ``example_project`` twice under gunicorn (``serving()``),
the way a host scales out: instances A and B (free ports unless ``--ports``), 2 workers
each, ``DEBUG=0``, one ``SECRET_KEY`` (a cursor from one instance works on the other)
and each its own ``PROMETHEUS_MULTIPROC_DIR``. Both are always stopped at the end.

Then locust runs headless on ``tools/loadtest_locustfile.py`` (which says what each
task checks): each level of users, every user a tutor with a student of its own on
every endpoint of both instances, for ``--duration`` seconds once all have signed up.
The run exits with locust's exit code: 1 on any failure (a 5xx, a connection error, an
unexpected status or body, a failed check), any exception in a user, any ERROR line in
a server log, or a ``/metrics`` that does not add up (each instance's must be the sum
of its two workers' files, and count exactly what the run was answered). Warning lines
of the server logs (a slow listing miss, 4xx answers) are counted and printed.

locust's reports go to ``.loadtest/``: ``report.html`` and ``loadtest_stats.csv``
(``_failures``, ``_exceptions``, ``_stats_history``), with both server logs beside them.
Correctness under concurrency (one slot booked at once, a batch of the same ids, one
``Idempotency-Key``, the listing cache across instances) is tested by
``example_project/tests/test_concurrent_http.py``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from create_database import ensure_postgres_database
from processes import EXAMPLE_PROJECT, GUNICORN, HOST, THROTTLE_ENVIRONMENT, serving

TOOLS = Path(__file__).resolve().parent
OUT_DIR = TOOLS.parent / ".loadtest"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutor_loadtest"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
SERVER = [
    *GUNICORN,
    "--workers",
    "2",
    # As behind a proxy that keeps its upstream connections (nginx: 75 s). gunicorn's
    # default of 2 s races a client that reuses its connection just as the server
    # closes it: that POST fails with "connection closed".
    "--keep-alive",
    "75",
]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10,30", help="users of each level, e.g. 10,30")
    parser.add_argument(
        "--duration", type=float, default=25, help="seconds of each level once signed up"
    )
    parser.add_argument("--ports", default="", help="instances A,B (default: free ports)")
    return parser.parse_args(argv)


def server_environment() -> dict[str, str]:
    return {
        **os.environ,
        **THROTTLE_ENVIRONMENT,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
        "DEBUG": "0",
        # gunicorn speaks plain HTTP here; DEBUG off would redirect it all to HTTPS.
        "SECURE_SSL_REDIRECT": "0",
        # One key for both instances, as behind one load balancer: cursors are signed.
        "SECRET_KEY": f"loadtest-{secrets.token_urlsafe(32)}",
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    ports = [int(port) for port in arguments.ports.split(",") if port] or [None, None]
    # A CI timeout's SIGTERM unwinds like Ctrl+C: the servers are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    OUT_DIR.mkdir()
    environment = server_environment()
    ensure_postgres_database(environment["DATABASE_URL"])
    with tempfile.TemporaryDirectory(prefix="tutor-loadtest-") as work, ExitStack() as stack:
        logs = [OUT_DIR / f"server-{name}.log" for name in "ab"]
        metrics = [Path(work) / f"metrics-{name}" for name in "ab"]
        for directory in metrics:
            directory.mkdir()
        # The marketplace registers Prometheus metrics when its views are imported,
        # which migrate's checks do: in multi-process mode that needs the directory
        # (gunicorn empties it again when it starts).
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=EXAMPLE_PROJECT,
            env={**environment, "PROMETHEUS_MULTIPROC_DIR": str(metrics[0])},
            check=True,
            timeout=120,
        )
        servers = [
            stack.enter_context(
                serving(
                    SERVER,
                    environment={**environment, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
                    log_path=log,
                    port=port,
                )
            )
            for directory, log, port in zip(metrics, logs, ports, strict=True)
        ]
        print(f"load test: levels {arguments.levels} users, {arguments.duration:.0f} s each, on")
        print(f"A {servers[0].url} and B {servers[1].url}, 2 gunicorn workers each", flush=True)
        locust = [
            *(sys.executable, "-m", "locust", "-f", str(TOOLS / "loadtest_locustfile.py")),
            *("--headless", "--only-summary", "--stop-timeout", "30"),
            *("--host", servers[0].url, "--other-host", servers[1].url),
            *("--levels", arguments.levels, "--level-seconds", str(arguments.duration)),
            *("--server-logs", ",".join(map(str, logs))),
            *("--metrics-dirs", ",".join(map(str, metrics))),
            *("--csv", str(OUT_DIR / "loadtest"), "--html", str(OUT_DIR / "report.html")),
        ]
        status = subprocess.run(locust, check=False).returncode
    print(f"load test {'passed' if status == 0 else 'FAILED'}: reports in {OUT_DIR}")
    return status


if __name__ == "__main__":
    sys.exit(main())
