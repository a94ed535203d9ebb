"""The example project as deployed, under faults: ``nox -s faults [-- pytest options]``.

The tests restart the real PostgreSQL and Redis: run them where nothing else uses them
(CI does, in turn). Which ones: the PostgreSQL of ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/tutor``; each test works on a new database named
after it, ``tutor_faults`` and so on), restarted as the cluster ``pg_lsclusters`` lists on
its port (``FAULTS_POSTGRES_CLUSTER=15/main`` names one), and the Redis of ``REDIS_URL``
(default ``redis://127.0.0.1:6379/8``), restarted on its port. Both are left running.

``--phase-seconds`` (8), ``--clients`` (16) and ``--demo-clients`` (150) size the load;
each server's log is kept in ``.faults/``; what the clients were answered is printed at
the end of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from create_database import maintenance_connection

REPORT: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--phase-seconds", type=float, default=8, help="each phase of the load")
    parser.addoption("--clients", type=int, default=16, help="keep-alive clients on gunicorn")
    parser.addoption("--demo-clients", type=int, default=150, help="keep-alive clients on the demo")


@dataclass(frozen=True)
class Services:
    """The PostgreSQL and Redis the tests use and restart, and the load's size."""

    database_url: str
    redis_url: str
    cluster: str  # version/name, for pg_ctlcluster
    redis_port: int
    phase_seconds: float
    clients: int
    demo_clients: int

    def postgres_answers(self) -> bool:
        try:
            maintenance_connection(self.database_url).close()
        except psycopg.Error:
            return False
        return True

    def redis_answers(self) -> bool:
        ping = ["redis-cli", "-p", str(self.redis_port), "ping"]
        return subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG"

    def start_redis(self) -> None:
        """Redis as the machine starts it (no persistence)."""
        os.makedirs("/var/lib/redis", exist_ok=True)
        command = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1"]
        command += ["--port", str(self.redis_port), "--save", "", "--appendonly", "no"]
        subprocess.run([*command, "--dir", "/var/lib/redis"], check=True, stdout=subprocess.DEVNULL)

    def pg_ctlcluster(self, action: str) -> None:
        version, name = self.cluster.split("/")
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
        subprocess.run(command, check=action != "start", stdout=subprocess.DEVNULL)


def cluster_on(port: int) -> str:
    """The cluster (``version/name``) that ``pg_lsclusters`` lists on ``port``."""
    listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    for version, name, cluster_port, *_ in map(str.split, listed.stdout.splitlines()):
        if int(cluster_port) == port:
            return f"{version}/{name}"
    pytest.fail(f"no PostgreSQL cluster on port {port}: set FAULTS_POSTGRES_CLUSTER")


@pytest.fixture(scope="session")
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    """What to restart; whatever happened, PostgreSQL and Redis are up when the run ends."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        database_url = "postgres://postgres@127.0.0.1:5432/tutor"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/8"
    option = request.config.getoption
    found = Services(
        database_url,
        redis_url,
        os.environ.get("FAULTS_POSTGRES_CLUSTER")
        or cluster_on(urlsplit(database_url).port or 5432),
        urlsplit(redis_url).port or 6379,
        option("--phase-seconds"),
        option("--clients"),
        option("--demo-clients"),
    )
    yield found
    if not found.redis_answers():
        found.start_redis()
    if not found.postgres_answers():
        found.pg_ctlcluster("start")


@pytest.fixture(scope="session")
def report() -> list[str]:
    """Lines printed at the end of the run."""
    return REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    if REPORT:
        terminalreporter.write_sep("=", "faults: what the clients were answered")
        terminalreporter.write_line("\n".join(REPORT))
