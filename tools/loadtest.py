"""Load test: every endpoint of the example project, at 10 and 30 locust users, on two app
servers that share one PostgreSQL and one Redis.

    python tools/loadtest.py [--levels 10,30] [--duration 25] [--ports 8398,8399]

It creates the database of ``DATABASE_URL`` if missing (default ``.../tutor_loadtest``;
``REDIS_URL`` defaults to Redis db 3: throttles and the listing cache), migrates, and
serves ``example_project`` twice under gunicorn (``serving()``) as a host scales out:
2 workers each, ``DEBUG=0``, one ``SECRET_KEY`` (a cursor from one works on the other),
each its own ``PROMETHEUS_MULTIPROC_DIR``. Then locust runs headless on
``tools/loadtest_locustfile.py`` (which says what fails the run) for each level, for
``--duration`` seconds once all its users have signed up, and the run exits with
locust's exit code. Reports go to ``.loadtest/``: locust's ``report.html`` and
``loadtest_*.csv``, and both server logs. Correctness under concurrency is tested by
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
# Keep-alive as behind a proxy that keeps its upstream connections (nginx: 75 s): with
# gunicorn's 2 s a client reusing a connection as the server closes it loses a POST.
SERVER = [*GUNICORN, "--workers", "2", "--keep-alive", "75"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10,30", help="users of each level, e.g. 10,30")
    parser.add_argument("--duration", type=float, default=25, help="seconds of each level")
    parser.add_argument("--ports", default="", help="instances A,B (default: free ports)")
    arguments = parser.parse_args(argv)
    ports = [int(port) for port in arguments.ports.split(",") if port] or [None, None]
    # A CI timeout's SIGTERM unwinds like Ctrl+C: the servers are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    OUT_DIR.mkdir()
    environment = {
        **os.environ,
        **THROTTLE_ENVIRONMENT,
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_loadtest"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        **{"DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": HOST},
        "SECRET_KEY": f"loadtest-{secrets.token_urlsafe(32)}",
        "LOG_LEVEL": "WARNING",
    }
    ensure_postgres_database(environment["DATABASE_URL"])
    with tempfile.TemporaryDirectory(prefix="tutor-loadtest-") as work, ExitStack() as stack:
        logs = [OUT_DIR / f"server-{name}.log" for name in "ab"]
        metrics = [Path(work) / f"metrics-{name}" for name in "ab"]
        for directory in metrics:
            directory.mkdir()
        # migrate's checks import the marketplace's views, which register Prometheus
        # metrics: multi-process mode needs the directory (gunicorn empties it again).
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
        print(f"load test: {arguments.levels} users, {arguments.duration:.0f} s each, on A")
        print(f"{servers[0].url} and B {servers[1].url}, 2 gunicorn workers each", flush=True)
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
