"""A hostile client against the example project under gunicorn: ``nox -s hostile``.

One gunicorn worker with one thread serves the whole run, so that the worker's CPU time
across a request is that request's. It works on a database of its own, ``<DATABASE_URL's
name>_hostile`` (default ``tutor_hostile``), dropped and created anew, and on Redis
database ``HOSTILE_REDIS_DATABASE`` (default 7) of ``REDIS_URL``'s server, flushed first.
The accounts are self-registered through the API, as an attacker's would be, plus one
superuser made by ``createsuperuser``; the tests read the database through ``manage.py
shell``, so that they need nothing of the code under test but the API, ``manage.py`` and
the models' names.

Every request measured is one row of the table printed at the end of the run: status,
the worker's CPU time and memory growth, wall time, body size, ERROR lines logged, and
a note. Figures are printed; only the old failures (over a second of CPU, a body over
64 KB) are asserted.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from create_database import own_database_url, recreate_database
from processes import EXAMPLE_PROJECT, GUNICORN, server_log_errors, serving

BODY_LIMIT = 64 * 1024
PASSWORD = "hostile-pass-8412"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NAN = float("nan")
ROWS: list[Row] = []


@dataclass
class Row:
    """What one request (or block of requests) cost: a line of the printed table."""

    name: str
    status: int | str = "-"
    cpu_ms: float = NAN
    rss_mb: float = NAN
    wall_ms: float = NAN
    body_bytes: int = 0
    errors: int = 0
    note: str = ""


class Harness:
    """The server, its worker and log, and the attacker's accounts."""

    def __init__(self, base_url: str, pid_file: Path, log_path: Path, environment: dict) -> None:
        self.base_url, self.pid_file, self.log_path = base_url, pid_file, log_path
        self.environment = environment
        self.client = httpx.Client(base_url=base_url, timeout=None, trust_env=False)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.root_password = "root-" + secrets.token_hex(8)

    def worker_file(self, name: str) -> str:
        master = int(self.pid_file.read_text())
        worker = Path(f"/proc/{master}/task/{master}/children").read_text().split()[0]
        return Path(f"/proc/{worker}/{name}").read_text()

    def cpu_seconds(self) -> float:
        fields = self.worker_file("stat").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        line = next(x for x in self.worker_file("status").splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def error_lines(self) -> int:
        return len(server_log_errors(self.log_path))

    @contextmanager
    def measure(self, name: str) -> Iterator[Row]:
        """The worker's CPU and memory growth, the wall time and the ERROR lines of the block."""
        row = Row(name)
        errors, cpu, rss = self.error_lines(), self.cpu_seconds(), self.rss_mb()
        started = time.perf_counter()
        yield row
        row.wall_ms = (time.perf_counter() - started) * 1000
        time.sleep(0.3)  # the access line and any traceback reach the log
        with suppress(OSError, IndexError, StopIteration):  # a worker killed and replaced
            row.cpu_ms, row.rss_mb = (self.cpu_seconds() - cpu) * 1000, self.rss_mb() - rss
        row.errors = self.error_lines() - errors
        ROWS.append(row)

    def row(self, name: str, **figures) -> Row:
        """A row of the table for what no request measures."""
        ROWS.append(row := Row(name, **figures))
        return row

    def send(
        self, name: str, method: str, path: str, *, body=None, token: str | None = None
    ) -> tuple[httpx.Response | None, Row]:
        """One request, measured; ``body`` is JSON unless it is bytes already."""
        headers = {"Authorization": f"Token {self.tokens[token]}"} if token else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            if not isinstance(body, bytes):
                body = json.dumps(body, separators=(",", ":")).encode()
        response = None
        with self.measure(name) as row:
            try:
                response = self.client.request(
                    method, path, content=body, headers=headers, timeout=150
                )
                row.status, row.body_bytes = response.status_code, len(response.content)
            except httpx.HTTPError as error:
                row.status = type(error).__name__
        return response, row

    def kept(self, row: Row, status: int | None = None, *, body_limit: bool = True) -> None:
        """The suite's promise: the status named and never a 5xx, no ERROR line logged, a
        body under 64 KB, at most a second of the worker's CPU."""
        assert isinstance(row.status, int), f"no answer: {row.status}"
        assert row.status < 500
        if status is not None:
            assert row.status == status
        assert row.errors == 0, server_log_errors(self.log_path)[-row.errors :]
        if body_limit:
            assert row.body_bytes <= BODY_LIMIT
        assert not row.cpu_ms > 1000, "over a second of CPU"

    def call(self, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
        """An unmeasured request (the setting of a case)."""
        headers = {"Authorization": f"Token {self.tokens[token]}"} if token else {}
        return self.client.request(method, path, headers=headers, **kw)

    def register(self, username: str, display_name: str = "") -> None:
        person = {"username": username, "password": PASSWORD, "timezone": "Europe/Kyiv"}
        person["display_name"] = display_name or username.title()
        made = self.call("POST", "/api/auth/register/", json=person)
        assert made.status_code == 201, made.text
        self.tokens[username] = made.json()["token"]
        self.ids[username] = self.call("GET", "/api/auth/me/", username).json()["id"]

    def login(self, username: str) -> str:
        credentials = {"username": username, "password": PASSWORD}
        response = self.call("POST", "/api/auth/token/", json=credentials)
        assert response.status_code == 200, f"cannot log in as {username}: {response.text}"
        return response.json()["token"]

    def publish(self, username: str) -> None:
        profile = {
            "headline": f"{username.title()} teaches",
            "description": "Algebra and geometry.",
            "is_published": True,
            "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math"]},
        }
        answer = self.call("PATCH", "/api/me/profile/", username, json=profile)
        assert answer.status_code == 200, answer.text

    def manage(self, *arguments: str, **environment: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=EXAMPLE_PROJECT,
            env={**self.environment, **environment},
            capture_output=True,
            text=True,
        )

    def orm(self, code: str) -> str:
        """The last line that ``code``, run in ``manage.py shell``, printed."""
        done = self.manage("shell", "-c", code)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    def redis(self):
        import redis

        return redis.Redis.from_url(self.environment["REDIS_URL"])


def prepare(h: Harness) -> None:
    """The attacker's accounts and the people around them."""
    for name in ("mallory", "eve", "trudy", "trent", "walter", "walter2", "inactive", "ineligible"):
        h.register(name)
    for name in ("trudy", "trent", "inactive"):
        h.publish(name)
    unpublished = {"headline": "Not yet", "is_published": False}  # eve's (item 7)
    assert h.call("PATCH", "/api/me/profile/", "eve", json=unpublished).status_code == 200
    h.orm(
        "from accounts.models import User; User.objects.filter(username='inactive')"
        ".update(is_active=False); print(1)"
    )
    root = ("--noinput", "--username", "root", "--email", "r@x.test")
    done = h.manage("createsuperuser", *root, DJANGO_SUPERUSER_PASSWORD=h.root_password)
    assert done.returncode == 0, done.stderr[-1500:]
    h.ids["root"] = int(
        h.orm("from accounts.models import User; print(User.objects.get(username='root').pk)")
    )
    h.ids["unknown"] = 987_654_321
    # walter and walter2: trent's students (a relation with a log), for items 10 and 11.
    for student in ("walter", "walter2"):
        made = h.call("POST", "/api/student/relations/", student, json={"tutor": h.ids["trent"]})
        assert made.status_code == 201, made.text
        ids = {"ids": [made.json()["id"]]}
        accepted = h.call("POST", "/api/tutor/relations/batch/accept/", "trent", json=ids)
        assert accepted.status_code == 200, accepted.text
    # An "olena" of the host's own, before anyone seeds the demo (item 4).
    h.register("olena", display_name="Not the demo's")


@pytest.fixture(scope="session")
def h(tmp_path_factory) -> Iterator[Harness]:
    """The example project under gunicorn (one worker, one thread, DEBUG off, production
    throttles) on its own new database and Redis database, with the accounts made."""
    work = tmp_path_factory.mktemp("hostile")
    redis_server = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    environment = {
        **os.environ,
        "DATABASE_URL": own_database_url(os.environ.get("DATABASE_URL", ""), "_hostile"),
        "REDIS_URL": f"{redis_server}/{os.environ.get('HOSTILE_REDIS_DATABASE', '7')}",
        "DEBUG": "0",
        "SECRET_KEY": f"hostile-{secrets.token_urlsafe(32)}",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "INFO",
        "THROTTLE_PROFILE": "production",
        # The attacker registers a few accounts from one address.
        "AUTH_REGISTER_THROTTLE_RATE": "1000/min",
        "AUTH_TOKEN_THROTTLE_RATE": "1000/min",
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
    }
    (work / "metrics").mkdir()
    recreate_database(environment["DATABASE_URL"])
    import redis

    redis.Redis.from_url(environment["REDIS_URL"]).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=EXAMPLE_PROJECT,
        env=environment,
        check=True,
    )
    pid_file, log_path = work / "gunicorn.pid", work / "server.log"
    command = [*GUNICORN, "--workers", "1", "--threads", "1", "--timeout", "150"]
    command += ["--pid", str(pid_file)]
    with serving(command, environment=environment, log_path=log_path) as server:
        harness = Harness(server.url, pid_file, log_path, environment)
        prepare(harness)
        yield harness


def pytest_terminal_summary(terminalreporter) -> None:
    if not ROWS:
        return
    terminalreporter.write_sep("=", "hostile requests: the worker's figures")
    lines = ["| request | status | CPU ms | +RSS MB | wall ms | body B | ERROR | note |"]
    lines.append("|---|---|---:|---:|---:|---:|---:|---|")
    for r in ROWS:
        cpu = "-" if r.cpu_ms != r.cpu_ms else f"{r.cpu_ms:.0f}"
        rss = "-" if r.rss_mb != r.rss_mb else f"{r.rss_mb:+.0f}"
        wall = "-" if r.wall_ms != r.wall_ms else f"{r.wall_ms:.0f}"
        body = f"{r.body_bytes:,}" if r.body_bytes else "-"
        lines.append(
            f"| {r.name} | {r.status} | {cpu} | {rss} | {wall} | {body} | {r.errors} | {r.note} |"
        )
    terminalreporter.write_line("\n".join(lines))
