"""Load test: concurrent clients against every lessons endpoint of the example project.

    python tools/loadtest.py [--clients 20] [--requests-per-client 10] [--port 8099]

It creates the PostgreSQL database of ``DATABASE_URL`` if it is missing (default
``postgres://postgres@127.0.0.1:5432/tutor_loadtest``; ``REDIS_URL`` defaults to
``redis://127.0.0.1:6379/3``), migrates, serves ``example_project`` under gunicorn on
``127.0.0.1:PORT`` with ``DEBUG=0``, and always stops it at the end. Fresh users are
registered on every run, so runs do not depend on each other.

Each scenario starts its clients together (a barrier) and each client is a tutor with
a student of its own, so ordinary traffic never conflicts. Two bursts conflict on
purpose: every client books one slot for the same tutor and student, then every
tutor books one slot with the same student; each must answer exactly one 201 and the
rest 409 ``time_conflict``. The run prints p50/p95/max latency and the count of each
status per endpoint, and exits 1 on any 5xx, connection error, unexpected status or
body, error line in the server log, or a run over its time budget.

Only the standard library and httpx (psycopg to create the database). All traffic
goes to 127.0.0.1; the request count is clients x requests-per-client per scenario.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from create_database import ensure_postgres_database

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROJECT = REPO_ROOT / "example_project"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutor_loadtest"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
HOST = "127.0.0.1"

# The whole run, migrations and server start included, stays under two minutes.
RUN_BUDGET_SECONDS = 115
SERVER_START_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 30
# Throttles set so high that they never answer 429 during a run (every client comes
# from 127.0.0.1, so the per-address ones would). The example project reads these
# variables; they win over its THROTTLE_PROFILE.
THROTTLE_ENVIRONMENT = {
    "AUTH_REGISTER_THROTTLE_RATE": "100000/min",
    "AUTH_TOKEN_THROTTLE_RATE": "100000/min",
    "AUTH_ME_THROTTLE_RATE": "100000/min",
    "TUTOR_LESSONS_WRITE_THROTTLE_RATE": "100000/min",
    "TUTOR_LESSONS_READ_THROTTLE_RATE": "100000/min",
}
# Users in several zones, so that local-time conversion is part of every request.
TIMEZONES = ("Europe/Kyiv", "America/New_York", "Asia/Tokyo", "Europe/London", "UTC")

REGISTER = "POST /api/auth/register/"
CREATE = "POST /api/lessons/"
CALENDAR = "GET /api/lessons/my/"
RESCHEDULE = "PATCH /api/lessons/{id}/reschedule/"
CANCEL = "POST /api/lessons/{id}/cancel/"
BURST_TUTOR = "burst: one slot, same tutor"
BURST_STUDENT = "burst: one slot, same student"


class LoadTestError(Exception):
    """The run cannot go on (setup failed, server died, budget exceeded)."""


# --- Recording ------------------------------------------------------------------------


@dataclass
class EndpointStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class Recorder:
    """Latency, status counts and errors per endpoint, shared by the client threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.endpoints: dict[str, EndpointStats] = {}

    def _stats(self, endpoint: str) -> EndpointStats:
        return self.endpoints.setdefault(endpoint, EndpointStats())

    def error(self, endpoint: str, message: str) -> None:
        with self._lock:
            self._stats(endpoint).errors.append(message)

    def request(
        self,
        client: httpx.Client,
        endpoint: str,
        method: str,
        url: str,
        *,
        expected: tuple[int, ...],
        **kwargs: Any,
    ) -> httpx.Response | None:
        """Send one request and record it; an unexpected outcome is an error."""
        started = time.perf_counter()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            elapsed_ms = (time.perf_counter() - started) * 1000
            with self._lock:
                stats = self._stats(endpoint)
                stats.latencies_ms.append(elapsed_ms)
                stats.statuses["conn_error"] += 1
                stats.errors.append(f"{method} {url}: {type(error).__name__}: {error}")
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self._lock:
            stats = self._stats(endpoint)
            stats.latencies_ms.append(elapsed_ms)
            stats.statuses[str(response.status_code)] += 1
            if response.status_code not in expected:
                stats.errors.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
        return response

    def has_errors(self) -> bool:
        return any(stats.errors for stats in self.endpoints.values())


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (which must not be empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def print_table(recorder: Recorder) -> None:
    header = (
        f"{'endpoint':<38} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  "
        f"{'statuses':<22} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for endpoint, stats in recorder.endpoints.items():
        latencies = stats.latencies_ms
        statuses = " ".join(f"{status}:{count}" for status, count in sorted(stats.statuses.items()))
        if latencies:
            timings = (
                f"{percentile(latencies, 0.50):8.1f} {percentile(latencies, 0.95):8.1f} "
                f"{max(latencies):8.1f}"
            )
        else:
            timings = f"{'-':>8} {'-':>8} {'-':>8}"
        print(
            f"{endpoint:<38} {len(latencies):>8} {timings}  {statuses:<22} {len(stats.errors):>6}"
        )
    for endpoint, stats in recorder.endpoints.items():
        for message in stats.errors[:5]:
            print(f"  ! {endpoint}: {message}")
        if len(stats.errors) > 5:
            print(f"  ! {endpoint}: ... and {len(stats.errors) - 5} more")


# --- Database and server --------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def wait_until_answering(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadTestError(f"gunicorn exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            # Any answer will do; unauthenticated, this one is a 401.
            httpx.get(f"{base_url}/api/auth/me/", timeout=2, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise LoadTestError(f"gunicorn did not answer in {SERVER_START_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn gracefully; kill it if it does not stop within 15 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextmanager
def running_server(
    *, environment: dict[str, str], port: int, workers: int, log_path: Path
) -> Iterator[str]:
    """Serve the example project under gunicorn for the duration of the block."""
    if not port_is_free(port):
        raise LoadTestError(f"{HOST}:{port} is already in use; pass another --port")
    command = [sys.executable, "-m", "gunicorn", "config.wsgi"]
    if (EXAMPLE_PROJECT / "config" / "gunicorn.conf.py").exists():
        command += ["-c", "config/gunicorn.conf.py"]
    command += ["--workers", str(workers), "--bind", f"{HOST}:{port}"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=EXAMPLE_PROJECT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base_url = f"http://{HOST}:{port}"
        wait_until_answering(base_url, process, log_path)
        yield base_url
    finally:
        stop(process)


# --- Scenarios ------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    user_id: int
    token: str
    timezone: str


@dataclass
class Pair:
    """One client: a tutor, the tutor's own student, and the lessons they create."""

    tutor: Account
    student: Account
    lesson_ids: list[int] = field(default_factory=list)


def api_client(base_url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Token {token}"} if token else {}
    # trust_env=False: never route loopback traffic through a proxy from the environment.
    return httpx.Client(
        base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS, trust_env=False
    )


def run_concurrently(count: int, work: Callable[[int], None], recorder: Recorder) -> None:
    """Run ``work(0..count-1)`` in ``count`` threads that start together."""
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=REQUEST_TIMEOUT_SECONDS)
            work(index)
        except Exception as error:
            recorder.error("harness", f"client {index}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def local_iso(moment: datetime, zone: str) -> str:
    """``moment`` written with the offset of ``zone``: the API takes it as given."""
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Scenario:
    def __init__(self, *, base_url: str, clients: int, requests_per_client: int) -> None:
        self.base_url = base_url
        self.clients = clients
        self.requests_per_client = requests_per_client
        self.recorder = Recorder()
        self.run_id = f"{int(time.time()):x}{secrets.token_hex(2)}"
        # Whole hours a week ahead: far from "now", so no lesson expires during the run.
        self.first_slot = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + (
            timedelta(days=7)
        )
        self.pairs: list[Pair] = []

    def slot(self, index: int) -> tuple[datetime, datetime]:
        # Two hours apart and one hour long: room to move each lesson by 30 minutes.
        start = self.first_slot + timedelta(hours=2 * index)
        return start, start + timedelta(hours=1)

    def register(self, client: httpx.Client, name: str, index: int) -> Account | None:
        username = f"lt{self.run_id}{name}"
        timezone = TIMEZONES[index % len(TIMEZONES)]
        response = self.recorder.request(
            client,
            REGISTER,
            "POST",
            "/api/auth/register/",
            expected=(201,),
            json={
                "username": username,
                "password": f"Lt-{secrets.token_urlsafe(16)}",
                "display_name": f"Load test {name}",
                "timezone": timezone,
            },
        )
        if response is None or response.status_code != 201:
            return None
        body = response.json()
        return Account(username, body["id"], body["token"], body["timezone"])

    def setup_accounts(self) -> None:
        accounts: dict[int, Pair] = {}
        burst: list[Account | None] = [None, None]

        def work(index: int) -> None:
            with api_client(self.base_url) as client:
                tutor = self.register(client, f"t{index}", index)
                student = self.register(client, f"s{index}", index + 1)
                if index == 0:
                    burst[0] = self.register(client, "burstt", 2)
                    burst[1] = self.register(client, "bursts", 3)
            if tutor and student:
                accounts[index] = Pair(tutor, student)

        run_concurrently(self.clients, work, self.recorder)
        if len(accounts) != self.clients or None in burst:
            raise LoadTestError("registration failed; see the errors below")
        self.pairs = [accounts[index] for index in range(self.clients)]
        self.burst_tutor, self.burst_student = burst[0], burst[1]

    def create(self) -> None:
        def work(index: int) -> None:
            pair = self.pairs[index]
            zone = pair.tutor.timezone
            with api_client(self.base_url, pair.tutor.token) as client:
                for number in range(self.requests_per_client):
                    start, end = self.slot(number)
                    response = self.recorder.request(
                        client,
                        CREATE,
                        "POST",
                        "/api/lessons/",
                        expected=(201,),
                        json={
                            "student": pair.student.user_id,
                            "start": local_iso(start, zone),
                            "end": local_iso(end, zone),
                        },
                    )
                    if response is not None and response.status_code == 201:
                        pair.lesson_ids.append(response.json()["id"])

        run_concurrently(self.clients, work, self.recorder)

    def calendar(self) -> None:
        window_start = self.first_slot - timedelta(hours=1)
        window_end = self.slot(self.requests_per_client)[0]

        def work(index: int) -> None:
            pair = self.pairs[index]
            with api_client(self.base_url, pair.tutor.token) as client:
                for _ in range(self.requests_per_client):
                    response = self.recorder.request(
                        client,
                        CALENDAR,
                        "GET",
                        "/api/lessons/my/",
                        expected=(200,),
                        params={"from": utc_z(window_start), "to": utc_z(window_end)},
                    )
                    if response is None or response.status_code != 200:
                        continue
                    body = response.json()
                    found = sorted(lesson["id"] for lesson in body["results"])
                    if found != sorted(pair.lesson_ids) or body["timezone"] != pair.tutor.timezone:
                        self.recorder.error(
                            CALENDAR,
                            f"client {index}: lessons {found} in {body['timezone']}, expected "
                            f"{sorted(pair.lesson_ids)} in {pair.tutor.timezone}",
                        )

        run_concurrently(self.clients, work, self.recorder)

    def reschedule(self) -> None:
        def work(index: int) -> None:
            pair = self.pairs[index]
            # The student moves the lessons, in the student's zone.
            zone = pair.student.timezone
            with api_client(self.base_url, pair.student.token) as client:
                for number, lesson_id in enumerate(pair.lesson_ids):
                    start, end = (moment + timedelta(minutes=30) for moment in self.slot(number))
                    response = self.recorder.request(
                        client,
                        RESCHEDULE,
                        "PATCH",
                        f"/api/lessons/{lesson_id}/reschedule/",
                        expected=(200,),
                        json={"start": local_iso(start, zone), "end": local_iso(end, zone)},
                    )
                    if (
                        response is not None
                        and response.status_code == 200
                        and response.json()["utc_start"] != utc_z(start)
                    ):
                        self.recorder.error(RESCHEDULE, f"lesson {lesson_id}: {response.text}")

        run_concurrently(self.clients, work, self.recorder)

    def cancel(self) -> None:
        def work(index: int) -> None:
            pair = self.pairs[index]
            with api_client(self.base_url, pair.tutor.token) as client:
                for lesson_id in pair.lesson_ids:
                    response = self.recorder.request(
                        client,
                        CANCEL,
                        "POST",
                        f"/api/lessons/{lesson_id}/cancel/",
                        expected=(200,),
                        json={"reason": "load test"},
                    )
                    if (
                        response is not None
                        and response.status_code == 200
                        and response.json()["status"] != "cancelled"
                    ):
                        self.recorder.error(CANCEL, f"lesson {lesson_id}: {response.text}")

        run_concurrently(self.clients, work, self.recorder)

    def burst(self, endpoint: str, tokens: list[str], student_id: int, slot: int) -> None:
        """Every client books the same slot at once: one 201, the rest 409."""
        start, end = self.slot(slot)
        payload = {"student": student_id, "start": utc_z(start), "end": utc_z(end)}
        codes: list[str] = []

        def work(index: int) -> None:
            with api_client(self.base_url, tokens[index]) as client:
                response = self.recorder.request(
                    client, endpoint, "POST", "/api/lessons/", expected=(201, 409), json=payload
                )
            if response is not None and response.status_code == 409:
                codes.append(response.json()["errors"][0]["code"])

        run_concurrently(len(tokens), work, self.recorder)
        created = self.recorder.endpoints[endpoint].statuses["201"]
        if created != 1:
            self.recorder.error(endpoint, f"{created} lessons created for one slot, expected 1")
        if any(code != "time_conflict" for code in codes):
            self.recorder.error(endpoint, f"409 codes {sorted(set(codes))}, not time_conflict")

    def run(self, deadline: float) -> None:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("register users", self.setup_accounts),
            ("create", self.create),
            ("calendar", self.calendar),
            ("reschedule", self.reschedule),
            ("cancel", self.cancel),
            (
                BURST_TUTOR,
                lambda: self.burst(
                    BURST_TUTOR,
                    [self.burst_tutor.token] * self.clients,
                    self.burst_student.user_id,
                    slot=-12,
                ),
            ),
            (
                BURST_STUDENT,
                lambda: self.burst(
                    BURST_STUDENT,
                    [pair.tutor.token for pair in self.pairs],
                    self.burst_student.user_id,
                    slot=-6,
                ),
            ),
        ]
        for name, step in steps:
            if time.monotonic() > deadline:
                raise LoadTestError(f"time budget of {RUN_BUDGET_SECONDS} s used up before {name}")
            started = time.monotonic()
            step()
            print(f"  {name:<32} {time.monotonic() - started:6.2f} s")


# --- Entry point ----------------------------------------------------------------------


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}")
        return value

    return parse


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=bounded_int(10, 30), default=20)
    parser.add_argument("--requests-per-client", type=bounded_int(1, 50), default=10)
    parser.add_argument("--port", type=bounded_int(1024, 65535), default=8099)
    parser.add_argument("--workers", type=bounded_int(1, 16), default=4)
    return parser.parse_args(argv)


def server_environment(*, metrics_dir: str) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(THROTTLE_ENVIRONMENT)
    environment.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            "DEBUG": "0",
            # gunicorn speaks plain HTTP here; DEBUG off would redirect it all to HTTPS.
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": f"loadtest-{secrets.token_urlsafe(32)}",
            "ALLOWED_HOSTS": HOST,
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            "LOG_LEVEL": "WARNING",
        }
    )
    return environment


def server_log_errors(log_path: Path) -> list[str]:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [
        line
        for line in text.splitlines()
        if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line or "Traceback" in line
    ]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tutor-loadtest-") as work_dir:
        environment = server_environment(metrics_dir=str(Path(work_dir) / "metrics"))
        log_path = Path(work_dir) / "gunicorn.log"
        scenario: Scenario | None = None
        failure = ""
        try:
            ensure_postgres_database(environment["DATABASE_URL"])
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=EXAMPLE_PROJECT,
                env=environment,
                check=True,
                timeout=60,
            )
            with running_server(
                environment=environment,
                port=arguments.port,
                workers=arguments.workers,
                log_path=log_path,
            ) as base_url:
                scenario = Scenario(
                    base_url=base_url,
                    clients=arguments.clients,
                    requests_per_client=arguments.requests_per_client,
                )
                print(
                    f"load test {scenario.run_id}: {arguments.clients} clients x "
                    f"{arguments.requests_per_client} requests, {arguments.workers} gunicorn "
                    f"workers, {base_url}"
                )
                scenario.run(deadline)
        except (LoadTestError, RuntimeError, subprocess.SubprocessError, OSError) as error:
            failure = f"{type(error).__name__}: {error}"
        log_errors = server_log_errors(log_path)
        elapsed = time.monotonic() - started

        print()
        if scenario is not None:
            print_table(scenario.recorder)
        print(f"\ntotal {elapsed:.1f} s")
        if log_errors:
            print(f"{len(log_errors)} error line(s) in the server log, the first ones:")
            print("\n".join(log_errors[:10]))
        if failure:
            print(f"FAILED: {failure}")
        if failure or log_errors or scenario is None or scenario.recorder.has_errors():
            if not failure and log_path.exists():
                print(f"server log tail:\n{log_tail(log_path)}")
            print("load test FAILED")
            return 1
    print("load test passed: no 5xx, no connection errors, no unexpected status")
    return 0


if __name__ == "__main__":
    sys.exit(main())
