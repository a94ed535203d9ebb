"""PostgreSQL and Redis restarted under load, PgBouncer, and the demo's keep-alive clients.

Each test works on a new PostgreSQL database with the demo data (``manage.py
seed_demo``); the load is keep-alive clients of the demo tutors mixing reads (``me``,
the listing, the calendar) and writes (lesson bookings, each in a slot of its own).
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import psycopg
import pytest
from create_database import maintenance_connection, own_database_url, recreate_database
from processes import (
    EXAMPLE_PROJECT,
    GUNICORN,
    RUNSERVER,
    THROTTLE_ENVIRONMENT,
    free_port,
    server_log_errors,
    server_log_notes,
    serving,
)

LOGS = EXAMPLE_PROJECT.parent / ".faults"  # each server's log of the last run
DEMO_PASSWORD = "demo-pass-123"  # accounts/management/commands/seed_demo.py
TUTORS = ("olena", "james")  # each in active relations with the demo's students
# Bookings start this far ahead, clear of the demo's own lessons, each in its own slot.
FIRST_SLOT_DAYS = 400
SLOT, LESSON = timedelta(minutes=45), timedelta(minutes=30)
# What a client may be answered, by phase; anything else fails the test.
ALLOWED = {"steady": {200, 201}, "postgres restart": {200, 201, 503}, "redis restart": {200, 201}}


def prepare(environment: dict[str, str]) -> None:
    """A new database with the demo data (seed_demo runs as the demo runs it, DEBUG on)."""
    LOGS.mkdir(exist_ok=True)
    recreate_database(environment["DATABASE_URL"])
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=EXAMPLE_PROJECT,
            env={**environment, "DEBUG": "1"},
            check=True,
            stdout=subprocess.DEVNULL,
        )


def server_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The example project as deployed (DEBUG off), throttles out of the load's way."""
    return {
        **os.environ,
        **THROTTLE_ENVIRONMENT,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": f"faults-{secrets.token_urlsafe(32)}",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def wait_for(what: str, ready: Callable[[], bool], seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if ready():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"{what} did not come back within {seconds:.0f} s")


def token(base_url: str, username: str) -> str:
    credentials = {"username": username, "password": DEMO_PASSWORD}
    response = httpx.post(f"{base_url}/api/auth/token/", json=credentials, timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def codes(response: httpx.Response) -> list[str]:
    try:
        return [error["code"] for error in response.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        return []


class Load:
    """``clients`` keep-alive clients, each looping over a read/read/write/read mix, and
    what they were answered, by phase."""

    def __init__(self, base_url: str, clients: int, report: list[str]) -> None:
        self.base_url, self.report = base_url, report
        self.tokens = {tutor: token(base_url, tutor) for tutor in TUTORS}
        self.students = {tutor: self.student_ids(tutor) for tutor in TUTORS}
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_slot = midnight + timedelta(days=FIRST_SLOT_DAYS)
        self.slots = itertools.count()
        self.phase = "steady"
        self.statuses: Counter[tuple[str, str, int | str]] = Counter()
        self.booked: set[int] = set()
        self.refused = 0
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.client, args=(number,), daemon=True)
            for number in range(clients)
        ]

    def student_ids(self, tutor: str) -> list[int]:
        response = httpx.get(
            f"{self.base_url}/api/tutor/relations/students/",
            params={"status": "active"},
            headers={"Authorization": f"Token {self.tokens[tutor]}"},
            timeout=10,
        )
        response.raise_for_status()
        return [row["student"]["id"] for row in response.json()["results"]]

    def run(self, title: str, phases: list[tuple[str, Callable[[], str]]]) -> None:
        """The clients run through the phases; each phase's action says what it did."""
        self.report.append(f"\n## {title}\n")
        for thread in self.threads:
            thread.start()
        try:
            for name, action in phases:
                self.phase = name
                self.report.append(f"- {name}: {action()}")
        finally:
            self.phase = "steady"
            self.stopping.set()
            for thread in self.threads:
                thread.join(timeout=60)

    def record(self, kind: str, response: httpx.Response | None, error: str = "") -> None:
        phase = self.phase
        status: int | str = response.status_code if response is not None else "no answer"
        with self.lock:
            self.statuses[(phase, kind, status)] += 1
            if response is None:
                self.failures.append(f"{phase}: {kind}: no answer ({error})")
            elif status not in ALLOWED[phase]:
                self.failures.append(f"{phase}: {kind}: {status} {response.text[:300]}")
            elif status == 503 and not (
                response.headers.get("Retry-After") and codes(response) == ["service_unavailable"]
            ):
                self.failures.append(f"{phase}: {kind}: 503 without Retry-After/code")

    def client(self, number: int) -> None:
        tutor = TUTORS[number % len(TUTORS)]
        headers = {"Authorization": f"Token {self.tokens[tutor]}"}
        window = {
            "from": self.first_slot.date().isoformat(),
            "to": (self.first_slot + timedelta(days=30)).date().isoformat(),
        }
        reads = {"me": ("/api/auth/me/", {}), "listing": ("/api/marketplace/tutors/", {})}
        reads["calendar"] = ("/api/lessons/my/", window)
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http:
            for step in itertools.count():
                if self.stopping.is_set():
                    return
                kind = ("me", "listing", "booking", "calendar")[step % 4]
                try:
                    if kind == "booking":
                        self.book(http, tutor, step)
                    else:
                        path, params = reads[kind]
                        self.record(kind, http.get(path, params=params))
                except httpx.HTTPError as error:
                    self.record(kind, None, f"{type(error).__name__}: {error}")
                    time.sleep(0.2)

    def book(self, http: httpx.Client, tutor: str, step: int) -> None:
        start = self.first_slot + next(self.slots) * SLOT
        students = self.students[tutor]
        body = {
            "student": students[step % len(students)],
            "start": start.isoformat().replace("+00:00", "Z"),
            "end": (start + LESSON).isoformat().replace("+00:00", "Z"),
        }
        response = http.post("/api/lessons/", json=body)
        self.record("booking", response)
        with self.lock:
            if response.status_code == 201:
                self.booked.add(response.json()["id"])
            else:
                self.refused += 1

    def summary(self, database_url: str, log_path: Path) -> None:
        """The statuses, the bookings and the server log, reported; checks that every
        booking answered 201 is in the database, and no other booking is."""
        with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as connection:
            rows = connection.execute(
                'SELECT id FROM "tutor_lessons_lesson" WHERE "start" >= %s', [self.first_slot]
            ).fetchall()
        stored = {row[0] for row in rows}
        lost, extra = self.booked - stored, stored - self.booked
        if lost:
            self.failures.append(
                f"{len(lost)} bookings answered 201 not stored: {sorted(lost)[:10]}"
            )
        if extra:
            self.failures.append(f"{len(extra)} bookings stored that were not answered 201")
        self.report += ["", "| phase | request | status | count |", "|---|---|---|---:|"]
        for (phase, kind, status), count in sorted(self.statuses.items(), key=str):
            self.report.append(f"| {phase} | {kind} | {status} | {count} |")
        self.report.append(
            f"\nbookings: {len(self.booked)} answered 201, {len(stored)} stored, {len(lost)} "
            f"lost, {len(extra)} extra ({self.refused} refused)"
        )
        self.report += log_summary(log_path)


def log_summary(log_path: Path) -> list[str]:
    """A server log's ERROR lines and warnings, counted (printed, not failed on)."""
    errors: Counter[str] = Counter()
    for line in server_log_errors(log_path):
        try:
            errors[f"ERROR {json.loads(line)['message']}"] += 1
        except (ValueError, KeyError):  # a traceback's lines
            errors[line[:120]] += 1
    counted = [f"{count} x {what}" for what, count in errors.most_common()]
    return [f"server log {log_path}:", *counted, *server_log_notes(log_path)]


def steady_for(seconds: float) -> Callable[[], str]:
    return lambda: time.sleep(seconds) or f"{seconds:g} s"


def test_gunicorn_answers_through_postgresql_then_redis_restarts(services, report):
    """gunicorn (``config/gunicorn.conf.py``, 2 workers of 4 threads) under keep-alive
    clients: steady, PostgreSQL restarted, steady, Redis restarted (two seconds down),
    steady. Only 200/201, but a 503 ``service_unavailable`` with ``Retry-After`` while
    PostgreSQL restarts; every booking answered 201 stored, and no other."""
    database_url = own_database_url(services.database_url, "_faults")
    environment = server_environment(database_url, services.redis_url)
    prepare(environment)
    steady = steady_for(services.phase_seconds)

    def postgres() -> str:
        time.sleep(1)
        services.pg_ctlcluster("restart")
        seconds = wait_for("PostgreSQL", services.postgres_answers)
        time.sleep(services.phase_seconds)
        return f"restarted, answering again after {seconds:.1f} s"

    def redis() -> str:
        stop = ["redis-cli", "-p", str(services.redis_port), "shutdown", "nosave"]
        subprocess.run(stop, check=False)
        wait_for("Redis to stop", lambda: not services.redis_answers(), 10)
        started = time.monotonic()
        time.sleep(2)
        services.start_redis()
        wait_for("Redis", services.redis_answers)
        down = time.monotonic() - started
        time.sleep(services.phase_seconds)
        return f"down and back in {down:.1f} s"

    log_path = LOGS / "gunicorn.log"
    with serving(GUNICORN, environment=environment, log_path=log_path) as server:
        load = Load(server.url, services.clients, report)
        phases = [("steady", steady), ("postgres restart", postgres), ("steady", steady)]
        phases += [("redis restart", redis), ("steady", steady)]
        load.run("gunicorn: PostgreSQL, then Redis, restarted under load", phases)
    load.summary(database_url, log_path)
    assert load.failures == []


@contextmanager
def pgbouncer(database_url: str) -> Iterator[str]:
    """PgBouncer in transaction mode (a pool of 10 server connections) in front of
    ``database_url``; yields the URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        pytest.fail("pgbouncer is missing: apt-get install -y pgbouncer")
    parts = urlsplit(database_url)
    name, user = unquote(parts.path.lstrip("/")), unquote(parts.username or "postgres")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="faults-") as work:
        directory = Path(work)
        directory.chmod(0o755)  # PgBouncer runs as postgres and reads its directory
        (directory / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{name} = host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} "
            f"dbname={name} user={user}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {directory}\n"
            f"logfile = {directory / 'pgbouncer.log'}\npidfile = {directory / 'pgbouncer.pid'}\n"
            # The server trusts 127.0.0.1; PgBouncer passes every client through as `user`.
            "auth_type = any\npool_mode = transaction\n"
            "default_pool_size = 10\nmax_client_conn = 500\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        command = [binary, str(directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            shutil.chown(directory, "postgres")
            command[1:1] = ["-u", "postgres"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        through = urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{port}"))
        try:
            wait_for("PgBouncer", lambda: answers(through), 15)
            yield through
        finally:
            process.terminate()
            process.wait(timeout=15)


def answers(database_url: str) -> bool:
    try:
        psycopg.connect(
            database_url.replace("postgres://", "postgresql://"), connect_timeout=2
        ).close()
    except psycopg.Error:
        return False
    return True


def test_gunicorn_through_pgbouncer_in_transaction_mode(services, report):
    """The same load through PgBouncer (``PGBOUNCER=1``) for two phases' time: only
    200/201, every booking answered 201 stored, and no other."""
    database_url = own_database_url(services.database_url, "_faults_pgbouncer")
    prepare(server_environment(database_url, services.redis_url))
    log_path = LOGS / "gunicorn-pgbouncer.log"
    with pgbouncer(database_url) as through:
        environment = server_environment(through, services.redis_url, PGBOUNCER="1")
        with serving(GUNICORN, environment=environment, log_path=log_path) as server:
            load = Load(server.url, services.clients, report)
            phases = [("steady", steady_for(services.phase_seconds * 2))]
            load.run("gunicorn through PgBouncer (transaction mode)", phases)
    load.summary(database_url, log_path)
    assert load.failures == []


def connections(database_url: str, name: str, terminate: bool = False) -> int:
    """The connections to database ``name`` in pg_stat_activity (closed, if ``terminate``)."""
    query = "SELECT pg_terminate_backend(pid) FROM" if terminate else "SELECT pid FROM"
    with maintenance_connection(database_url) as connection:
        rows = connection.execute(f"{query} pg_stat_activity WHERE datname = %s", [name])
        return len(rows.fetchall())


def test_the_demo_answers_every_keep_alive_client_within_its_pool(services, report):
    """The demo as ``nox -s demo`` serves it (runserver, DEBUG on, PostgreSQL) with every
    keep-alive client open at once: each answered 200, a newcomer registers meanwhile
    (201), its connections in pg_stat_activity stay within its pool
    (``DATABASE_POOL_SIZE``, 4), and once the server closed them all, the next request is
    answered 200."""
    database_url = own_database_url(services.database_url, "_faults_demo")
    name = unquote(urlsplit(database_url).path.lstrip("/"))
    # What `nox -s demo` sets (noxfile.py), and nothing of the production profile.
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    environment.update(THROTTLE_PROFILE="development", SECURE_SSL_REDIRECT="0")
    environment.pop("REDIS_URL", None)
    prepare(environment)
    count = services.demo_clients
    statuses: Counter[int | str] = Counter()
    peak = 0
    with serving(RUNSERVER, environment=environment, log_path=LOGS / "demo.log") as server:
        headers = {"Authorization": f"Token {token(server.url, 'olena')}"}
        clients = [
            httpx.Client(base_url=server.url, headers=headers, timeout=60) for _ in range(count)
        ]
        opened, lock, done = threading.Barrier(count + 1), threading.Lock(), threading.Event()
        today = datetime.now(UTC).date()
        calendar = f"/api/lessons/my/?from={today}&to={today + timedelta(days=7)}"

        def visit(client: httpx.Client) -> None:
            for index, path in enumerate(("/api/auth/me/", "/api/marketplace/tutors/", calendar)):
                try:
                    status: int | str = client.get(path).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                with lock:
                    statuses[status] += 1
                if index == 0:
                    opened.wait(timeout=120)  # every client's connection open at once

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, connections(database_url, name))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=visit, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        opened.wait(timeout=120)
        # Every client holds its keep-alive connection now; a newcomer still registers.
        newcomer = httpx.post(
            f"{server.url}/api/auth/register/",
            json={
                "username": f"newcomer{secrets.token_hex(3)}",
                "password": "a-long-passphrase-123",
                "display_name": "Newcomer",
                "timezone": "Europe/Kyiv",
            },
            timeout=60,
        )
        for thread in threads:
            thread.join(timeout=120)
        open_at_end = sum(1 for client in clients if not client.is_closed)
        done.set()
        sampler.join()
        # What a restart does to the pool's idle connections; the next request still works.
        closed = connections(database_url, name, terminate=True)
        time.sleep(0.2)
        after = clients[0].get("/api/auth/me/")
        for client in clients:
            client.close()
    pool = int(environment.get("DATABASE_POOL_SIZE") or 4)
    report += [
        f"\n## the demo (runserver, DEBUG on) with {count} keep-alive clients\n",
        f"- answers: {dict(statuses)}; open clients at the end: {open_at_end}",
        f"- registration while all were open: {newcomer.status_code}",
        f"- the demo's connections in pg_stat_activity: at most {peak} (pool {pool})",
        f"- after its {closed} pooled connections were closed by the server: {after.status_code}",
    ]
    assert set(statuses) == {200}, dict(statuses)
    assert newcomer.status_code == 201, newcomer.text[:300]
    assert after.status_code == 200
    assert peak <= pool
