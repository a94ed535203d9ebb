"""The example project as deployed, under faults: ``nox -s faults [-- options]``.

    python tools/faults.py [--phase-seconds 8] [--clients 16] [--only gunicorn,pgbouncer,demo]

Three checks, each on a new PostgreSQL database with the demo data (``manage.py
seed_demo``), against the PostgreSQL of ``DATABASE_URL`` and the Redis of ``REDIS_URL``:

``gunicorn``
    The example project under gunicorn (``config/gunicorn.conf.py``: 2 workers of 4
    threads, DEBUG off), with 16 keep-alive clients mixing reads (``me``, the listing, the
    calendar) and writes (lesson bookings, each in a slot of its own). Phases: steady;
    PostgreSQL restarted (``pg_ctlcluster <version> <cluster> restart``); steady; Redis
    restarted (shut down, two seconds down, started again as the machine starts it);
    steady. Any answer but 200/201 fails the run, except a 503 ``service_unavailable``
    with ``Retry-After`` while PostgreSQL restarts. After the load, every booking answered
    201 must be in the database and no other booking may be.
``pgbouncer``
    The same load through PgBouncer in transaction mode (Debian's ``pgbouncer``, started
    here on a port of its own with a pool of 10 server connections, ``PGBOUNCER=1``):
    only 200/201, and the bookings as above.
``demo``
    The demo as ``nox -s demo`` serves it (runserver, DEBUG on, on PostgreSQL), with 150
    keep-alive clients open at once: every one is answered, a new user registers while
    they are all open, and the connections the demo holds in ``pg_stat_activity`` stay
    within its pool (``DATABASE_POOL_SIZE``, 4); after the server closed them all, the
    next request is answered 200.

It restarts the real servers: run it where nothing else uses them (CI does, in turn).
``--postgres-cluster 15/main`` and ``--redis-port 6379`` say which; both are left
running. Prints the status counts per phase and a summary of each server's log (the
logs themselves are kept in ``.faults/``); exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import itertools
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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import psycopg
from create_database import maintenance_connection, recreate_database
from processes import GUNICORN, RUNSERVER, THROTTLE_ENVIRONMENT, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
LOGS = ROOT / ".faults"  # each server's log of the last run
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutor_faults"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
DEMO_PASSWORD = "demo-pass-123"  # accounts/management/commands/seed_demo.py
TUTORS = ("olena", "james")
STUDENTS = ("taras", "emma", "kenji")  # in active relations with both demo tutors
# Bookings start this far ahead, clear of the demo's own lessons, each in its own slot.
FIRST_SLOT_DAYS = 400
SLOT = timedelta(minutes=45)
LESSON = timedelta(minutes=30)
# What a client may be answered, by phase; anything else fails the run.
ALLOWED = {"steady": {200, 201}, "postgres restart": {200, 201, 503}, "redis restart": {200, 201}}


class FaultError(Exception):
    pass


# --- The servers ------------------------------------------------------------------------


def database_url_named(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def prepare(environment: dict[str, str]) -> None:
    """A new database with the demo data (seed_demo runs as the demo runs it, DEBUG on)."""
    recreate_database(environment["DATABASE_URL"])
    for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=EXAMPLE,
            env={**environment, "DEBUG": "1"},
            check=True,
            stdout=subprocess.DEVNULL,
        )


def wait_for(what: str, ready: Callable[[], bool], seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if ready():
            return time.monotonic() - started
        time.sleep(0.1)
    raise FaultError(f"{what} did not come back within {seconds:.0f} s")


def postgres_answers(database_url: str) -> bool:
    try:
        psycopg.connect(
            database_url.replace("postgres://", "postgresql://"), connect_timeout=2
        ).close()
    except psycopg.Error:
        return False
    return True


def restart_postgres(cluster: str, database_url: str) -> float:
    version, name = cluster.split("/")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return wait_for("PostgreSQL", lambda: postgres_answers(database_url))


def redis_answers(port: int) -> bool:
    return (
        subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
        ).stdout.strip()
        == "PONG"
    )


def restart_redis(port: int, down_seconds: float = 2.0) -> float:
    """Shut Redis down, wait, start it as the machine starts it (no persistence)."""
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False)
    wait_for("Redis to stop", lambda: not redis_answers(port), 10)
    started = time.monotonic()
    time.sleep(down_seconds)
    os.makedirs("/var/lib/redis", exist_ok=True)
    subprocess.run(
        [
            *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1"),
            *("--port", str(port), "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wait_for("Redis", lambda: redis_answers(port))
    return time.monotonic() - started


@contextmanager
def pgbouncer(database_url: str, work: Path) -> Iterator[str]:
    """PgBouncer in transaction mode in front of ``database_url``; yields the URL through it."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise FaultError("pgbouncer is missing: apt-get install -y pgbouncer")
    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    user = unquote(parts.username or "postgres")
    port = free_port()
    directory = work / "pgbouncer"
    directory.mkdir()
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{name} = host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} "
        f"dbname={name} user={user}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir = {directory}\n"
        f"logfile = {directory / 'pgbouncer.log'}\npidfile = {directory / 'pgbouncer.pid'}\n"
        # The server trusts 127.0.0.1; PgBouncer passes every client through as `user`.
        "auth_type = any\n"
        "pool_mode = transaction\n"
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
        wait_for("PgBouncer", lambda: postgres_answers(through), 15)
        yield through
    finally:
        process.terminate()
        process.wait(timeout=15)


# --- The load ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients were answered, by phase, and which bookings to look for."""

    phase: str = "steady"
    #: Every booking of the run starts at or after this; ``Load`` sets it.
    first_slot: datetime | None = None
    statuses: Counter[tuple[str, str, int | str]] = field(default_factory=Counter)
    booked: set[int] = field(default_factory=set)
    refused_slots: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, response: httpx.Response | None, error: str = "") -> None:
        phase = self.phase
        status: int | str = response.status_code if response is not None else "no answer"
        with self.lock:
            self.statuses[(phase, kind, status)] += 1
            if response is None:
                self.failures.append(f"{phase}: {kind}: no answer ({error})")
            elif status not in ALLOWED.get(phase, ALLOWED["steady"]):
                self.failures.append(f"{phase}: {kind}: {status} {response.text[:300]}")
            elif status == 503 and not (
                response.headers.get("Retry-After") and codes(response) == ["service_unavailable"]
            ):
                self.failures.append(f"{phase}: {kind}: 503 without Retry-After/code")


def codes(response: httpx.Response) -> list[str]:
    try:
        return [error["code"] for error in response.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        return []


def tokens(base_url: str, usernames: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for username in usernames:
        response = httpx.post(
            f"{base_url}/api/auth/token/",
            json={"username": username, "password": DEMO_PASSWORD},
            timeout=10,
        )
        response.raise_for_status()
        found[username] = response.json()["token"]
    return found


def student_ids(base_url: str, token: str) -> list[int]:
    response = httpx.get(
        f"{base_url}/api/tutor/relations/students/",
        params={"status": "active"},
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return [row["student"]["id"] for row in response.json()["results"]]


class Load:
    """``clients`` keep-alive clients, each looping over a read/read/write/read mix."""

    def __init__(self, base_url: str, clients: int, tally: Tally) -> None:
        self.base_url, self.clients, self.tally = base_url, clients, tally
        self.tokens = tokens(base_url, TUTORS)
        self.students = {
            tutor: student_ids(base_url, token) for tutor, token in self.tokens.items()
        }
        first = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_slot = tally.first_slot = first + timedelta(days=FIRST_SLOT_DAYS)
        self.slots = itertools.count()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.client, args=(number,), daemon=True)
            for number in range(clients)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def client(self, number: int) -> None:
        tutor = TUTORS[number % len(TUTORS)]
        headers = {"Authorization": f"Token {self.tokens[tutor]}"}
        window = {
            "from": self.first_slot.date().isoformat(),
            "to": (self.first_slot + timedelta(days=30)).date().isoformat(),
        }
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http:
            for step in itertools.count():
                if self.stopping.is_set():
                    return
                kind = ("me", "listing", "booking", "calendar")[step % 4]
                try:
                    if kind == "me":
                        self.tally.record(kind, http.get("/api/auth/me/"))
                    elif kind == "listing":
                        self.tally.record(kind, http.get("/api/marketplace/tutors/"))
                    elif kind == "calendar":
                        self.tally.record(kind, http.get("/api/lessons/my/", params=window))
                    else:
                        self.book(http, tutor, step)
                except httpx.HTTPError as error:
                    self.tally.record(kind, None, f"{type(error).__name__}: {error}")
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
        self.tally.record("booking", response)
        with self.tally.lock:
            if response.status_code == 201:
                self.tally.booked.add(response.json()["id"])
            else:
                self.tally.refused_slots.append(body["start"])


def check_bookings(database_url: str, tally: Tally) -> str:
    """Every booking answered 201 is in the database, and no other booking is."""
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as connection:
        rows = connection.execute(
            'SELECT id FROM "tutor_lessons_lesson" WHERE "start" >= %s', [tally.first_slot]
        ).fetchall()
    stored = {row[0] for row in rows}
    lost, extra = tally.booked - stored, stored - tally.booked
    if lost:
        tally.failures.append(
            f"{len(lost)} bookings answered 201 are not stored: {sorted(lost)[:10]}"
        )
    if extra:
        tally.failures.append(f"{len(extra)} bookings stored that were not answered 201")
    return (
        f"bookings: {len(tally.booked)} answered 201, {len(stored)} stored, "
        f"{len(lost)} lost, {len(extra)} extra ({len(tally.refused_slots)} refused)"
    )


def report(title: str, tally: Tally) -> None:
    print(f"\n## {title}\n")
    print("| phase | request | status | count |\n|---|---|---|---:|")
    for (phase, kind, status), count in sorted(tally.statuses.items(), key=str):
        print(f"| {phase} | {kind} | {status} | {count} |")


def server_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
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


def run_load(base_url: str, clients: int, phases: list[tuple[str, Callable[[], str]]]) -> Tally:
    tally = Tally()
    load = Load(base_url, clients, tally)
    load.start()
    try:
        for name, action in phases:
            tally.phase = name
            print(f"- {name}: {action()}", flush=True)
    finally:
        tally.phase = "steady"
        load.stop()
    return tally


def summary(title: str, tally: Tally, database_url: str, log_path: Path) -> list[str]:
    """Print the run's statuses, its bookings and its server log; return its failures."""
    report(title, tally)
    print("\n" + check_bookings(database_url, tally))
    print(log_summary(log_path))
    return tally.failures


def steady_for(seconds: float) -> Callable[[], str]:
    return lambda: time.sleep(seconds) or f"{seconds:g} s"


# --- The checks -------------------------------------------------------------------------


def check_gunicorn(arguments: argparse.Namespace, work: Path) -> list[str]:
    database_url = database_url_named(arguments.database_url, "tutor_faults")
    environment = server_environment(database_url, arguments.redis_url)
    prepare(environment)
    log_path = LOGS / "gunicorn.log"
    with serving(GUNICORN, environment=environment, log_path=log_path) as server:
        base_url = server.url
        steady = steady_for(arguments.phase_seconds)

        def postgres() -> str:
            time.sleep(1)
            seconds = restart_postgres(arguments.postgres_cluster, database_url)
            time.sleep(arguments.phase_seconds)
            return f"restarted, answering again after {seconds:.1f} s"

        def redis() -> str:
            seconds = restart_redis(arguments.redis_port)
            time.sleep(arguments.phase_seconds)
            return f"down and back in {seconds:.1f} s"

        print("\n# gunicorn: PostgreSQL, then Redis, restarted under load", flush=True)
        tally = run_load(
            base_url,
            arguments.clients,
            [
                ("steady", steady),
                ("postgres restart", postgres),
                ("steady", steady),
                ("redis restart", redis),
                ("steady", steady),
            ],
        )
    return summary("gunicorn", tally, database_url, log_path)


def check_pgbouncer(arguments: argparse.Namespace, work: Path) -> list[str]:
    database_url = database_url_named(arguments.database_url, "tutor_faults_pgbouncer")
    prepare(server_environment(database_url, arguments.redis_url))
    with pgbouncer(database_url, work) as through:
        environment = server_environment(through, arguments.redis_url, PGBOUNCER="1")
        log_path = LOGS / "gunicorn-pgbouncer.log"
        with serving(GUNICORN, environment=environment, log_path=log_path) as server:
            base_url = server.url
            print("\n# gunicorn through PgBouncer (transaction mode)", flush=True)
            steady = steady_for(arguments.phase_seconds * 2)
            tally = run_load(base_url, arguments.clients, [("steady", steady)])
    return summary("PgBouncer", tally, database_url, log_path)


def database_connections(database_url: str, name: str) -> int:
    with maintenance_connection(database_url) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchone()[0]


def terminate_connections(database_url: str, name: str) -> int:
    with maintenance_connection(database_url) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    time.sleep(0.2)
    return len(rows)


def check_demo(arguments: argparse.Namespace, work: Path) -> list[str]:
    """150 keep-alive clients open at once on the demo; it registers a new user meanwhile."""
    name = "tutor_faults_demo"
    database_url = database_url_named(arguments.database_url, name)
    # What `nox -s demo` sets (noxfile.py), and nothing of the production profile.
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "THROTTLE_PROFILE": "development",
        "SECURE_SSL_REDIRECT": "0",
    }
    environment.pop("REDIS_URL", None)
    prepare(environment)
    failures: list[str] = []
    statuses: Counter[int | str] = Counter()
    peak = 0
    with serving(RUNSERVER, environment=environment, log_path=LOGS / "demo.log") as server:
        base_url = server.url
        token = tokens(base_url, ("olena",))["olena"]
        clients = [
            httpx.Client(base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=60)
            for _ in range(arguments.demo_clients)
        ]
        opened = threading.Barrier(arguments.demo_clients + 1)
        lock = threading.Lock()

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
                peak = max(peak, database_connections(database_url, name))
                time.sleep(0.05)

        done = threading.Event()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=visit, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        opened.wait(timeout=120)
        # Every client holds its keep-alive connection now; a newcomer still registers.
        newcomer = httpx.post(
            f"{base_url}/api/auth/register/",
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
        closed = terminate_connections(database_url, name)
        after = clients[0].get("/api/auth/me/")
        for client in clients:
            client.close()
    pool_size = int(environment.get("DATABASE_POOL_SIZE") or 4)
    print(f"\n# demo (runserver, DEBUG on) with {arguments.demo_clients} keep-alive clients\n")
    print(f"- answers: {dict(statuses)}; open clients at the end: {open_at_end}")
    print(f"- registration while all were open: {newcomer.status_code}")
    print(f"- the demo's connections in pg_stat_activity: at most {peak} (pool {pool_size})")
    print(f"- after its {closed} pooled connections were closed by the server: {after.status_code}")
    if set(statuses) != {200}:
        failures.append(f"demo: answers other than 200: {dict(statuses)}")
    if newcomer.status_code != 201:
        failures.append(f"demo: registration answered {newcomer.status_code} {newcomer.text[:300]}")
    if after.status_code != 200:
        failures.append(f"demo: after its connections were closed: {after.status_code}")
    if peak > pool_size:
        failures.append(f"demo: {peak} database connections, more than its pool of {pool_size}")
    return failures


def log_summary(log_path: Path) -> str:
    levels: Counter[str] = Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        for level in ("WARNING", "ERROR", "CRITICAL"):
            if f'"level": "{level}"' in line:
                event = line.split('"event": "')[1].split('"')[0] if '"event": "' in line else "-"
                levels[f"{level} {event}"] += 1
    tracebacks = log_path.read_text(errors="replace").count("Traceback")
    lines = ", ".join(f"{count} x {what}" for what, count in levels.most_common()) or "none"
    return f"server log: {lines}; {tracebacks} tracebacks"


def leave_running(arguments: argparse.Namespace) -> None:
    """Whatever happened, PostgreSQL and Redis are up when the run ends."""
    if not redis_answers(arguments.redis_port):
        restart_redis(arguments.redis_port, down_seconds=0)
    version, name = arguments.postgres_cluster.split("/")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"]
    server = database_url_named(arguments.database_url, "postgres")
    if not postgres_answers(server):
        subprocess.run(command, check=False)
        wait_for("PostgreSQL", lambda: postgres_answers(server))


def default_cluster() -> str:
    """``<version>/main`` of the one PostgreSQL installed, as .ci/run starts it."""
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").exists() else []
    return f"{versions[0] if versions else '15'}/main"


CHECKS = {"gunicorn": check_gunicorn, "pgbouncer": check_pgbouncer, "demo": check_demo}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase-seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--demo-clients", type=int, default=150)
    parser.add_argument("--only", default=",".join(CHECKS), help="comma-separated checks")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument(
        "--postgres-cluster",
        default=f"{sorted(os.listdir('/etc/postgresql'))[0]}/main"
        if Path("/etc/postgresql").exists()
        else "15/main",
        help="version/name for pg_ctlcluster",
    )
    parser.add_argument("--redis-port", type=int, default=None, help="default: REDIS_URL's")
    arguments = parser.parse_args()
    if not arguments.database_url.startswith("postgres"):
        arguments.database_url = DEFAULT_DATABASE_URL
    arguments.redis_port = arguments.redis_port or urlsplit(arguments.redis_url).port or 6379
    failures: list[str] = []
    LOGS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="faults-") as work:
        os.chmod(work, 0o755)  # PgBouncer runs as postgres and reads its directory
        try:
            for name in arguments.only.split(","):
                try:
                    failures += CHECKS[name.strip()](arguments, Path(work))
                except (FaultError, RuntimeError) as error:
                    failures.append(f"{name}: {error}")
        finally:
            leave_running(arguments)
    print(f"\nServer logs: {LOGS}/")
    if failures:
        print(f"FAILED: {len(failures)} failures", *failures[:40], sep="\n- ")
        return 1
    print("OK: no 500, no unexpected status, nothing lost, nothing extra")
    return 0


if __name__ == "__main__":
    sys.exit(main())
