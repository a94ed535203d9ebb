"""Request-path benchmark: the example project beside a bare DRF floor, in one run.

    python tools/perf.py [--duration 8] [--connections 30] [--threads 2] [--rounds 2]
                         [--generator auto|wrk|locust] [--baseline REV]

``nox -s perf`` runs it. One run:

1. drops and recreates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/tutor_perf``; the name must start with
   ``tutor_perf``, as the run drops it), migrates it and seeds it (``perf_seed.py``);
   Redis is ``REDIS_URL`` (default ``redis://127.0.0.1:6379/8``): throttles and the
   marketplace listing cache, which the seed invalidates;
2. serves the floor (``perf_floor``: Django + DRF, no middleware, no authentication,
   one ``APIView`` answering ``{}``) and the example project, each under gunicorn with
   the example's ``config/gunicorn.conf.py`` and ``WEB_CONCURRENCY`` workers (2), DEBUG
   off, on free ports; both are stopped at the end whatever happens;
3. checks every request once (status 200, JSON, the expected rows, ``X-Cache``), then
   drives each with ``wrk`` if it is on PATH (``apt-get install wrk``), else with
   locust (headless, from PyPI): ``--connections`` clients in a closed loop for
   ``--duration`` seconds, best of ``--rounds`` rounds (the rounds interleaved);
4. prints one table (req/s, p50, p95, the floor's req/s over the request's, the goal of
   issue 8) and the resident set size of each example-project worker after the load,
   and writes it to ``.perf/perf-<timestamp>.md``.

How two of the rows are measured:

- **middleware**: the example project is served with ``perf_floor.stack_settings``, its
  own settings with one more URL, first in the URLconf: the floor's very ``EmptyView``.
  Its ratio to the floor is the cost of the example's middleware stack (and settings)
  on an API request, with no file of ``example_project/`` changed.
- **listing MISS**: every request carries another ``max_rate``, above every seeded rate
  (a ``wrk`` Lua ``request()``, or a counter in the locust user), so every request has
  a cache key of its own and misses, while its rows and its query plan are those of the
  plain listing's first page (one more always-true filter; only the signed cursor in
  the body differs). The answers' ``X-Cache`` headers are counted.

**--baseline REV** also serves the example project of commit ``REV`` (``git archive``
into the run's directory: its packages and ``example_project/``, on this run's
virtualenv and database, with the next Redis database, which it empties), under its own
``gunicorn.conf.py``, and drives every request against both servers in the same rounds,
alternating which goes first. The table then sets the two side by side: on a shared
machine, whose speed drifts by a third between runs, the change between two servers
measured minute by minute is the figure to trust. The two trees must have the same
migrations (they share the database).

Exits 1 on a setup failure or when any answer is not a 2xx; missed goals are reported,
not failed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from processes import (
    THROTTLE_ENVIRONMENT,
    free_port,
    log_tail,
    server_log_errors,
    server_log_notes,
    stop,
)

TOOLS = Path(__file__).resolve().parent
REPO_ROOT = TOOLS.parent
EXAMPLE_PROJECT = REPO_ROOT / "example_project"
GUNICORN_CONF = EXAMPLE_PROJECT / "config" / "gunicorn.conf.py"
RESULTS_DIR = REPO_ROOT / ".perf"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutor_perf"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
DATABASE_PREFIX = "tutor_perf"
HOST = "127.0.0.1"
BASELINE_SUFFIX = " [baseline]"
EMPTY_PATH = "/api/perf/empty/"  # perf_floor.urls, on both servers

# Never a 429, and a short throttle history. DRF's throttles keep, per user, a list of
# the timestamps within the rate's period and read and write all of it on every request:
# with loadtest's "100000/min" one user at a few hundred requests a second drags a list
# of ~10^4 timestamps through Redis per request, a cost that grows with the benchmark's
# own throughput and that no real user, throttled at 600/min, ever pays. A one-second
# period bounds the list to the last second's requests.
THROTTLE_RATE = "1000000/s"
# Best round over worst round above this: the run says the machine was not quiet.
UNEVEN_ROUNDS = 1.25
# Before each run: wait up to SETTLE_SECONDS for the CPUs to be below SETTLE_BUSY.
SETTLE_SECONDS = 10
SETTLE_BUSY = 0.15
SERVER_START_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 30
# MISS requests ask for max_rate=MISS_FIRST_RATE + n: above every seeded rate (below
# 2,000, perf_seed.py) and within the column's numeric(8, 2); each round starts at its
# own offset so that no round meets an entry of another.
MISS_FIRST_RATE = 100_000
MISS_ROUND_SPAN = 100_000
# "4.8 times slower" with the multiplication sign, as issue 8 writes it; spelled out by
# name because ruff takes the bare sign for a letter x.
TIMES = "\N{MULTIPLICATION SIGN}"
# Printed when wrk is missing: its numbers cost the machine less than locust's.
LOCUST_NOTE = (
    "locust takes more of the machine than wrk: the fastest rows (the floor first) are "
    "partly capped by the load generator, which shrinks the ratios; wrk gives the figures "
    "to compare with issue 8."
)
WRK_HINT = "wrk is not on PATH: using locust (apt-get install wrk for lower-overhead numbers)"


class PerfError(Exception):
    """The run cannot go on (setup failed, a server died, a wrong answer)."""


# --- What is measured -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One row of the table: a request, on which server, and its goal (times the floor)."""

    label: str
    server: str  # "floor" or "example"
    path: str
    token: str | None = None
    # "plain", "hit" (X-Cache: HIT expected) or "miss" (a new cache key per request)
    mode: str = "plain"
    goal: float | None = None
    goal_note: str = ""
    check: Callable[[httpx.Response], str | None] | None = None


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def rows(count: int, *, has_more: bool | None = None, key: str = "results") -> Callable:
    """A check: the JSON body holds ``count`` rows (and ``has_more``/``has_more_events``)."""

    def check(response: httpx.Response) -> str | None:
        body = response.json()
        found = len(body.get(key, []))
        if found != count:
            return f"{found} rows, expected {count}"
        for flag in ("has_more", "has_more_events"):
            if has_more is not None and flag in body and body[flag] != has_more:
                return f"{flag} is {body[flag]}, expected {has_more}"
        return None

    return check


def empty_body(response: httpx.Response) -> str | None:
    return None if response.json() == {} else f"body {response.text[:100]}"


def targets(seeded: dict[str, str]) -> list[Target]:
    """The requests of issue 8, each with its goal; the seed's tokens and windows."""
    listing = "/api/marketplace/tutors/"
    return [
        Target("bare DRF view (the floor)", "floor", EMPTY_PATH, check=empty_body),
        Target(
            "same empty view, example middleware",
            "example",
            EMPTY_PATH,
            goal_note="the middleware's own cost",
            check=empty_body,
        ),
        Target(
            "GET /api/auth/me/",
            "example",
            "/api/auth/me/",
            token=seeded["me"],
            goal=2.5,
            check=lambda r: None if r.json().get("username") == "perf-me" else r.text[:100],
        ),
        Target(
            "GET /api/lessons/my/ month, 50 lessons",
            "example",
            f"/api/lessons/my/?{seeded['month_query']}",
            token=seeded["month"],
            goal=5,
            check=rows(50, has_more=False),
        ),
        Target(
            "GET /api/lessons/my/ year, 500 lessons",
            "example",
            f"/api/lessons/my/?{seeded['year_query']}",
            token=seeded["year"],
            goal=15,
            check=rows(500, has_more=False),
        ),
        Target(
            "GET /api/marketplace/tutors/ HIT",
            "example",
            listing,
            token=seeded["listing"],
            mode="hit",
            goal=2,
            check=rows(20, has_more=True),
        ),
        Target(
            "GET /api/marketplace/tutors/ MISS, 10,000",
            "example",
            listing,
            token=seeded["listing"],
            mode="miss",
            goal=20,
            check=rows(20, has_more=True),
        ),
        Target(
            "GET /api/tutor/relations/students/ 20 rows",
            "example",
            "/api/tutor/relations/students/",
            token=seeded["relations"],
            goal=5,
            check=rows(20, has_more=True),
        ),
    ]


# --- Database and servers -------------------------------------------------------------


def database_name(database_url: str) -> str:
    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if not parts.scheme.startswith("postgres"):
        raise PerfError(f"DATABASE_URL must be a postgres:// URL, not {database_url!r}")
    if not name.startswith(DATABASE_PREFIX):
        # The run drops the database it is given: never one of somebody else's.
        raise PerfError(f"the database is dropped on every run: name it {DATABASE_PREFIX}*")
    return name


@contextlib.contextmanager
def own_database(database_url: str) -> Iterator[None]:
    """Hold the run's lock on the database for the block, and recreate it empty first.

    A PostgreSQL advisory lock, so that a second run against the same database fails
    at once instead of dropping it under the first.
    """
    import psycopg
    from psycopg import sql

    name = database_name(database_url)
    parts = urlsplit(database_url)
    try:
        connection = psycopg.connect(
            host=parts.hostname or HOST,
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.Error as error:
        raise PerfError(f"cannot reach PostgreSQL: {error}") from error
    with connection:
        locked = connection.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))", [f"django-tutor perf {name}"]
        ).fetchone()
        if not locked or not locked[0]:
            raise PerfError(f"another perf run is using database {name}")
        try:
            identifier = sql.Identifier(name)
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier)
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
        except psycopg.Error as error:
            raise PerfError(f"cannot recreate database {name}: {error}") from error
        yield


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen
    log_path: Path

    def worker_rss_kib(self) -> dict[int, int]:
        """VmRSS of each gunicorn worker (the master's children), in KiB."""
        master = self.process.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:  # a kernel without that file: look for the children by parent
            children = [
                entry.name
                for entry in Path("/proc").iterdir()
                if entry.name.isdigit() and parent_pid(entry.name) == master
            ]
        sizes = {}
        for pid in children:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[int(pid)] = int(line.split()[1])
        return sizes


def parent_pid(pid: str) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    # The command name is in parentheses and may hold spaces; the parent comes after it.
    return int(stat.rsplit(")", 1)[1].split()[1])


@contextlib.contextmanager
def serve(
    name: str,
    *,
    app: str,
    cwd: Path,
    environment: dict[str, str],
    log_path: Path,
    conf: Path = GUNICORN_CONF,
) -> Iterator[Server]:
    """``app`` under gunicorn with the example's config file (``conf``), for the block."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(conf),
        "--bind",
        f"{HOST}:{port}",
        app,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(name, f"http://{HOST}:{port}", process, log_path)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise PerfError(
                    f"{name}: gunicorn exited {process.returncode}\n{log_tail(log_path)}"
                )
            try:
                httpx.get(server.base_url + EMPTY_PATH, timeout=2, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise PerfError(f"{name}: no answer in {SERVER_START_SECONDS} s") from None
                time.sleep(0.2)
        yield server
    finally:
        stop(process)


def base_environment(arguments: argparse.Namespace) -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment["WEB_CONCURRENCY"] = str(arguments.workers)
    # tools/ for perf_floor, ahead of whatever the caller had.
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(TOOLS), os.environ.get("PYTHONPATH", "")])
    )
    return environment


def example_environment(
    arguments: argparse.Namespace, *, database_url: str, redis_url: str, metrics_dir: str
) -> dict[str, str]:
    """As tools/loadtest.py serves the example project: DEBUG off, plain HTTP, Redis."""
    environment = base_environment(arguments)
    environment.update(dict.fromkeys(THROTTLE_ENVIRONMENT, THROTTLE_RATE))
    environment.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            # gunicorn speaks plain HTTP here; DEBUG off would redirect it all to HTTPS.
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": f"perf-{secrets.token_urlsafe(32)}",
            "ALLOWED_HOSTS": HOST,
            # /metrics across workers, as config/gunicorn.conf.py expects under gunicorn.
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    return environment


def prepare_database(environment: dict[str, str], seed_path: Path) -> dict[str, str]:
    """Migrate and seed the (new, empty) database; the seed's tokens and windows."""
    Path(environment["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    for step, command, timeout in (
        ("migrate", ["manage.py", "migrate", "--noinput", "-v", "0"], 120),
        ("seed", [str(TOOLS / "perf_seed.py"), str(seed_path)], 120),
    ):
        done = subprocess.run(
            [sys.executable, *command],
            cwd=EXAMPLE_PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise PerfError(f"{step} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(seed_path.read_text())


def migration_files(root: Path) -> dict[str, bytes]:
    patterns = ("packages/*/src/*/migrations/*.py", "example_project/*/migrations/*.py")
    return {
        str(path.relative_to(root)): path.read_bytes()
        for pattern in patterns
        for path in root.glob(pattern)
    }


def baseline_tree(revision: str, work_dir: Path) -> tuple[Path, str]:
    """Commit ``revision``'s files under ``work_dir``, and its short hash."""
    found = git("rev-parse", "--short", "--verify", "--quiet", f"{revision}^{{commit}}")
    if found.returncode != 0:
        raise PerfError(f"--baseline {revision}: not a commit of this repository")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", found.stdout.strip()],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise PerfError(f"git archive {revision} failed: {archive.stderr.decode()[-500:]}")
    tree = work_dir / "baseline"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
        files.extractall(tree, filter="data")
    mine, theirs = migration_files(REPO_ROOT), migration_files(tree)
    if mine != theirs:
        differ = sorted(
            name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name)
        )
        raise PerfError(
            f"--baseline {revision}: its migrations differ ({', '.join(differ[:5])}); "
            "both servers share one database"
        )
    return tree, found.stdout.strip()


def next_redis_database(redis_url: str) -> str:
    """``redis_url`` with the next database number: the baseline's throttles and cache."""
    parts = urlsplit(redis_url)
    number = int(parts.path.lstrip("/") or 0) + 1
    if number > 15:
        raise PerfError(
            f"--baseline needs Redis database {number} after {redis_url}: use a lower one"
        )
    return parts._replace(path=f"/{number}").geturl()


def empty_redis_database(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        raise PerfError(
            f"cannot empty the baseline's Redis database {redis_url}: {error}"
        ) from error


def baseline_environment(
    environment: dict[str, str], tree: Path, redis_url: str, metrics_dir: str
) -> dict[str, str]:
    """The example's environment, importing the baseline's packages before the installed."""
    sources = [str(path) for path in sorted((tree / "packages").glob("*/src"))]
    return {
        **environment,
        "PYTHONPATH": os.pathsep.join([*sources, str(TOOLS)]),
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }


def with_baseline(chosen: list[Target]) -> list[Target]:
    """Each example-project request, preceded by its twin against the baseline."""
    paired: list[Target] = []
    for target in chosen:
        if target.server == "example":
            paired.append(
                dataclasses.replace(target, label=target.label + BASELINE_SUFFIX, server="baseline")
            )
        paired.append(target)
    return paired


def round_order(chosen: list[Target], round_index: int) -> list[Target]:
    """Every other round, each baseline twin goes after its request instead of before."""
    if round_index % 2 == 0:
        return chosen
    ordered = list(chosen)
    for index in range(len(ordered) - 1):
        if ordered[index].server == "baseline":
            ordered[index], ordered[index + 1] = ordered[index + 1], ordered[index]
    return ordered


# --- Checking answers -----------------------------------------------------------------


def client(server: Server, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Token {token}"} if token else {}
    # trust_env=False: never route loopback traffic through a proxy from the environment.
    return httpx.Client(
        base_url=server.base_url,
        headers=headers,
        timeout=REQUEST_TIMEOUT_SECONDS,
        trust_env=False,
        follow_redirects=False,
    )


def miss_path(path: str, number: int) -> str:
    return f"{path}?max_rate={number}"


def check_answer(target: Target, response: httpx.Response, expected_cache: str | None) -> None:
    """A 200 with a JSON body that holds what the seed put there, or PerfError."""
    problem = None
    if response.status_code != 200:
        problem = f"status {response.status_code}: {response.text[:300]}"
    elif not response.headers.get("content-type", "").startswith("application/json"):
        problem = f"content-type {response.headers.get('content-type')}"
    elif expected_cache and response.headers.get("X-Cache") != expected_cache:
        problem = f"X-Cache {response.headers.get('X-Cache')}, expected {expected_cache}"
    elif target.check is not None:
        problem = target.check(response)
    if problem:
        raise PerfError(f"{target.label}: {problem}")


def check_target(target: Target, server: Server, miss_number: int) -> None:
    """Check the request's answer before it is timed; warm the listing for a HIT.

    A MISS is checked twice: a new ``max_rate`` misses and answers the very page of the
    plain listing (so the varying key changes nothing else), the same one then hits.
    """
    with client(server, target.token) as http:
        if target.mode == "plain":
            check_answer(target, http.get(target.path), None)
        elif target.mode == "hit":
            http.get(target.path)  # stores the entry, if it was not there yet
            check_answer(target, http.get(target.path), "HIT")
        else:
            plain = http.get(target.path).json()["results"]
            path = miss_path(target.path, miss_number)
            response = http.get(path)
            check_answer(target, response, "MISS")
            if response.json()["results"] != plain:
                raise PerfError(f"{target.label}: max_rate changed the page")
            check_answer(target, http.get(path), "HIT")


# --- Load generators ------------------------------------------------------------------

# wrk's script, assembled per mode: the done() hook prints the figures as one JSON
# line (wrk's own summary has no p95); a response() hook, only where X-Cache is
# counted, and a request() hook, only for the MISS (both cost wrk a little per request).
WRK_COMMON = """
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  first = tonumber(args[1]) or 0
  stride = tonumber(args[2]) or 1
  counter = 0
  hits = 0
  misses = 0
end
function done(summary, latency, requests)
  local hit_total, miss_total = 0, 0
  for _, thread in ipairs(threads) do
    hit_total = hit_total + (thread:get("hits") or 0)
    miss_total = miss_total + (thread:get("misses") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'PERF_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p95_us": %.1f, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
    .. '"hits": %d, "misses": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect, e.read, e.write, e.status, e.timeout, hit_total, miss_total))
end
"""
WRK_COUNT_CACHE = """
function response(status, headers, body)
  local cache = headers["X-Cache"]
  if cache == "HIT" then hits = hits + 1 elseif cache == "MISS" then misses = misses + 1 end
end
"""
WRK_MISS = """
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?max_rate=" .. (first + index + counter * stride))
end
"""


@dataclass
class Generator:
    name: str
    arguments: argparse.Namespace
    work_dir: Path

    def describe(self) -> str:
        a = self.arguments
        if self.name == "wrk":
            version = subprocess.run(
                ["wrk", "-v"], capture_output=True, text=True, check=False
            ).stdout.split()
            label = " ".join(version[:2]) if version else "wrk"
            return f"{label} -t{a.threads} -c{a.connections} -d{a.duration}s"
        return (
            f"locust {metadata.version('locust')} headless, {a.connections} users, "
            f"{a.duration} s, one process"
        )

    def run(self, target: Target, server: Server, first: int) -> Result:
        if self.name == "wrk":
            return self._wrk(target, server, first)
        return self._locust(target, server, first)

    def _wrk(self, target: Target, server: Server, first: int) -> Result:
        a = self.arguments
        script = WRK_COMMON
        if target.mode in ("hit", "miss"):
            script += WRK_COUNT_CACHE
        if target.mode == "miss":
            script += WRK_MISS
        script_path = self.work_dir / f"wrk-{target.mode}.lua"
        script_path.write_text(script)
        command = [
            "wrk",
            f"-t{a.threads}",
            f"-c{a.connections}",
            f"-d{a.duration}s",
            "--timeout",
            f"{REQUEST_TIMEOUT_SECONDS}s",
            "-s",
            str(script_path),
        ]
        if target.token:
            command += ["-H", f"Authorization: Token {target.token}"]
        command += [server.base_url + target.path, "--", str(first), str(a.threads)]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=a.duration + 60, check=False
        )
        found = re.search(r"^PERF_RESULT (.*)$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or not found:
            raise PerfError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        figures = json.loads(found.group(1))
        # wrk's "status" errors are the answers >= 400; the others got no answer at all.
        errors = {
            ("status >= 400" if name == "status" else f"socket {name}"): figures[name]
            for name in ("status", "connect", "read", "write", "timeout")
            if figures[name]
        }
        return Result(
            requests=figures["requests"],
            seconds=figures["duration_us"] / 1e6,
            p50_ms=figures["p50_us"] / 1000,
            p95_ms=figures["p95_us"] / 1000,
            errors=errors,
            hits=figures["hits"],
            misses=figures["misses"],
        )

    def _locust(self, target: Target, server: Server, first: int) -> Result:
        a = self.arguments
        out = self.work_dir / "locust-result.json"
        out.unlink(missing_ok=True)
        environment = dict(os.environ)
        environment.update(
            {
                "PERF_PATH": target.path,
                "PERF_TOKEN": target.token or "",
                "PERF_MODE": target.mode,
                "PERF_FIRST": str(first),
                "PERF_OUT": str(out),
            }
        )
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(TOOLS / "perf_locustfile.py"),
            "--headless",
            "--users",
            str(a.connections),
            # All users within a tenth of a second; the figures start once all run.
            "--spawn-rate",
            str(a.connections * 10),
            "--run-time",
            f"{a.duration}s",
            "--stop-timeout",
            "0",
            "--host",
            server.base_url,
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=a.duration + 60,
            env=environment,
            check=False,
        )
        if not out.exists():
            raise PerfError(f"locust failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        figures = json.loads(out.read_text())
        return Result(
            requests=figures["requests"],
            seconds=figures["seconds"],
            p50_ms=figures["p50_ms"],
            p95_ms=figures["p95_ms"],
            errors=figures["errors"],
            hits=figures["hits"],
            misses=figures["misses"],
        )


def choose_generator(arguments: argparse.Namespace, work_dir: Path) -> Generator:
    name = arguments.generator
    if name == "auto":
        name = "wrk" if shutil.which("wrk") else "locust"
        if name == "locust":
            print(WRK_HINT)
    if name == "wrk" and not shutil.which("wrk"):
        raise PerfError("wrk is not on PATH (apt-get install wrk)")
    if name == "locust":
        try:
            metadata.version("locust")
        except metadata.PackageNotFoundError:
            raise PerfError("locust is not installed (pip install locust)") from None
    return Generator(name, arguments, work_dir)


# --- The table ------------------------------------------------------------------------


def ratio_text(floor_rps: float, rps: float) -> str:
    if not rps:
        return "-"
    ratio = floor_rps / rps
    return f"1{TIMES}" if round(ratio, 1) == 1.0 else f"{ratio:.1f}{TIMES} slower"


def goal_text(target: Target, floor_rps: float, rps: float) -> str:
    if target.server == "floor":
        return f"1{TIMES}"
    if target.goal is None:
        return target.goal_note
    met = rps and floor_rps / rps <= target.goal
    return f"≤ {target.goal:g}{TIMES} ({'met' if met else 'not met'})"


def table(found: list[tuple[Target, Result]]) -> list[str]:
    floor_rps = next(result.rps for target, result in found if target.server == "floor")
    lines = [
        "| request | req/s | p50 ms | p95 ms | vs the floor | goal (issue 8) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for target, result in found:
        lines.append(
            f"| {target.label} | {result.rps:,.0f} | {result.p50_ms:.1f} | "
            f"{result.p95_ms:.1f} | {ratio_text(floor_rps, result.rps)} | "
            f"{goal_text(target, floor_rps, result.rps)} |"
        )
    return lines


def baseline_table(found: list[tuple[Target, Result]], revision: str) -> list[str]:
    """Each request against the baseline and this tree, side by side."""
    floor_rps = next(result.rps for target, result in found if target.server == "floor")
    results = {target.label: result for target, result in found}
    lines = [
        f"| request | {revision}: req/s | {TIMES} floor | this tree: req/s | {TIMES} floor "
        "| change | goal (issue 8) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for target, result in found:
        if target.server == "baseline":
            continue
        before = results.get(target.label + BASELINE_SUFFIX, result)
        change = f"{(result.rps / before.rps - 1) * 100:+.0f} %" if before.rps else "-"
        lines.append(
            f"| {target.label} | {before.rps:,.0f} | {ratio_text(floor_rps, before.rps)} | "
            f"{result.rps:,.0f} | {ratio_text(floor_rps, result.rps)} | "
            f"{change if target.server != 'floor' else ''} | "
            f"{goal_text(target, floor_rps, result.rps)} |"
        )
    return lines


def rss_line(name: str, server: Server) -> str:
    sizes = server.worker_rss_kib()
    if not sizes:
        return f"{name}: no worker found"
    each = ", ".join(f"{kib / 1024:.1f} MiB (pid {pid})" for pid, kib in sorted(sizes.items()))
    return f"{name}: {each}"


def cpu_times() -> list[int]:
    """The machine's CPU time counters (/proc/stat: user ... steal), or [] elsewhere."""
    try:
        return [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return []


def settle() -> bool:
    """Wait (a few seconds at most) until the machine is quiet; False if it never was.

    What the last run left behind (PostgreSQL's autovacuum after the telemetry inserts,
    a checkpoint, the metrics thread's flush) would otherwise eat into the next run.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        before = cpu_times()
        time.sleep(0.5)
        after = cpu_times()
        spent = [late - early for early, late in zip(before, after, strict=False)]
        total = sum(spent[:8])
        if not total or (total - spent[3] - spent[4]) / total < SETTLE_BUSY:
            return True
        if time.monotonic() > deadline:
            return False


def steal_percent(before: list[int], after: list[int]) -> str:
    if len(before) < 8 or len(after) < 8:
        return "unknown"
    spent = [late - early for early, late in zip(before, after, strict=False)]
    total = sum(spent[:8])  # guest time is counted in user time already
    return f"{100 * spent[7] / total:.0f} %" if total else "unknown"


def versions() -> str:
    found = []
    for package in ("django", "djangorestframework", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{package} {metadata.version(package)}")
    return f"Python {platform.python_version()}, " + ", ".join(found)


def git(*arguments: str) -> subprocess.CompletedProcess[str]:
    """A read-only git command in the repository; its output as text, never raising."""
    return subprocess.run(
        ["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def git_revision() -> str:
    # Which commit was measured, and whether the work tree differed from it.
    head = git("rev-parse", "--short", "HEAD").stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    return f"{head or 'unknown commit'}{' + uncommitted changes' if dirty else ''}"


# --- The run --------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per round (8)")
    parser.add_argument("--connections", type=int, default=30, help="concurrent clients (30)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the best counts (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--generator", choices=["auto", "wrk", "locust"], default="auto")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also serve commit REV's example project and measure both side by side",
    )
    arguments = parser.parse_args(argv)
    for name in ("duration", "connections", "threads", "rounds", "workers"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name} must be at least 1")
    # Each round's MISS keys have a range of their own below the column's 999999.99.
    if arguments.rounds > 8:
        parser.error("--rounds must be at most 8")
    return arguments


def measure(
    generator: Generator, servers: dict[str, Server], chosen: list[Target], rounds: int
) -> tuple[list[tuple[Target, Result]], list[str]]:
    """Every target once per round, rounds interleaved; the best round of each."""
    best: dict[str, Result] = {}
    worst: dict[str, float] = {}
    busy: set[str] = set()
    notes: list[str] = []
    failures: list[str] = []
    for round_index in range(rounds):
        first = MISS_FIRST_RATE + round_index * MISS_ROUND_SPAN
        for target in round_order(chosen, round_index):
            server = servers[target.server]
            # Checked again every round: a HIT entry could have expired, a token gone.
            check_target(target, server, first)
            if not settle():
                busy.add(target.label)
            result = generator.run(target, server, first + 1)
            print(
                f"  round {round_index + 1}: {target.label:<44} {result.rps:9,.0f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms",
                flush=True,
            )
            if result.failed:
                failures.append(f"{target.label}, round {round_index + 1}: {result.errors}")
            expected = {"hit": ("HIT", result.hits), "miss": ("MISS", result.misses)}
            if target.mode in expected and expected[target.mode][1] != result.requests:
                label, count = expected[target.mode]
                notes.append(
                    f"{target.label}, round {round_index + 1}: {count} of {result.requests} "
                    f"answers were X-Cache: {label}"
                )
            if target.label not in best or result.rps > best[target.label].rps:
                best[target.label] = result
            worst[target.label] = min(result.rps, worst.get(target.label, result.rps))
    if failures:
        raise PerfError("answers other than 2xx under load:\n  " + "\n  ".join(failures))
    # Rounds far apart mean something else ran meanwhile: the best one is then the one
    # to trust, but a rerun on a quiet machine is worth it.
    uneven = [
        f"{label} ({worst[label]:,.0f} to {result.rps:,.0f} req/s)"
        for label, result in best.items()
        if worst[label] and result.rps / worst[label] > UNEVEN_ROUNDS
    ]
    if busy:
        notes.append(
            f"the machine was still busy (over {SETTLE_BUSY:.0%} CPU) when these started: "
            + ", ".join(sorted(busy))
        )
    if uneven:
        notes.append("rounds differ by more than 25 %, the machine was busy: " + "; ".join(uneven))
    return [(target, best[target.label]) for target in chosen], notes


def run(arguments: argparse.Namespace, work_dir: Path) -> list[str]:
    """The whole benchmark; the report's lines."""
    started = time.monotonic()
    # Other work on the machine moves every figure: say how busy it was before the run,
    # and how much CPU the hypervisor gave to others during it (steal).
    load_before = os.getloadavg()[0]
    cpu_before = cpu_times()
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    generator = choose_generator(arguments, work_dir)
    environment = example_environment(
        arguments,
        database_url=database_url,
        redis_url=redis_url,
        metrics_dir=str(work_dir / "metrics"),
    )
    baseline = None
    if arguments.baseline:
        baseline = baseline_tree(arguments.baseline, work_dir)
        baseline_redis = next_redis_database(redis_url)
        empty_redis_database(baseline_redis)
    with own_database(database_url), contextlib.ExitStack() as servers_open:
        print(f"perf: database {database_name(database_url)}, Redis {redis_url}", flush=True)
        seeded = prepare_database(environment, work_dir / "seed.json")
        print(f"perf: migrated and seeded in {time.monotonic() - started:.0f} s", flush=True)
        floor_environment = base_environment(arguments)
        floor_environment["DJANGO_SETTINGS_MODULE"] = "perf_floor.settings"
        stack_environment = {**environment, "DJANGO_SETTINGS_MODULE": "perf_floor.stack_settings"}
        servers = {
            "floor": servers_open.enter_context(
                serve(
                    "floor",
                    app="perf_floor.wsgi",
                    cwd=TOOLS,
                    environment=floor_environment,
                    log_path=work_dir / "floor.log",
                )
            ),
            "example": servers_open.enter_context(
                serve(
                    "example",
                    app="config.wsgi",
                    cwd=EXAMPLE_PROJECT,
                    environment=stack_environment,
                    log_path=work_dir / "example.log",
                )
            ),
        }
        chosen = targets(seeded)
        if baseline:
            tree, revision = baseline
            metrics = work_dir / "baseline-metrics"
            metrics.mkdir()
            servers["baseline"] = servers_open.enter_context(
                serve(
                    f"baseline {revision}",
                    app="config.wsgi",
                    cwd=tree / "example_project",
                    environment=baseline_environment(
                        stack_environment, tree, baseline_redis, str(metrics)
                    ),
                    log_path=work_dir / "baseline.log",
                    conf=tree / "example_project" / "config" / "gunicorn.conf.py",
                )
            )
            chosen = with_baseline(chosen)
            print(f"perf: baseline {revision} served beside this tree", flush=True)
        print(f"perf: {generator.describe()}, best of {arguments.rounds}", flush=True)
        found, notes = measure(generator, servers, chosen, arguments.rounds)
        rss = [
            rss_line("example project workers", servers["example"]),
            *([rss_line("baseline workers", servers["baseline"])] if baseline else []),
            rss_line("floor workers", servers["floor"]),
        ]
    for name in ("example", "baseline") if baseline else ("example",):
        log_path = work_dir / f"{name}.log"
        notes += server_log_notes(log_path)
        errors = server_log_errors(log_path)
        if errors:
            notes.append(f"{len(errors)} error line(s) in the {name}'s log, first: {errors[0]}")
    threads = os.environ.get("GUNICORN_THREADS", "4")
    steal = steal_percent(cpu_before, cpu_times())
    compared = (
        [f"Beside commit {baseline[1]} (--baseline {arguments.baseline}), in the same rounds."]
        if baseline
        else []
    )
    return [
        f"# nox -s perf, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Commit {git_revision()}; {versions()}; {os.cpu_count()} cores, load average "
        f"{load_before:.1f} before the run, CPU steal {steal} during it.",
        *compared,
        f"gunicorn -c example_project/config/gunicorn.conf.py: {arguments.workers} workers {TIMES} "
        f"{threads} threads each, DEBUG off, PostgreSQL and Redis on this machine.",
        f"Load: {generator.describe()}, best of {arguments.rounds} rounds.",
        "",
        *(baseline_table(found, baseline[1]) if baseline else table(found)),
        "",
        "Resident set size after the load (VmRSS):",
        "",
        *(f"- {line}" for line in rss),
        *([""] + [f"Note: {note}" for note in notes] if notes else []),
        *(["", f"Note: {LOCUST_NOTE}"] if generator.name == "locust" else []),
        "",
        f"Run time {time.monotonic() - started:.0f} s.",
    ]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # SIGTERM unwinds like Ctrl+C, so the servers are stopped and the database unlocked.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="tutor-perf-") as work:
        try:
            report = run(arguments, Path(work))
        except (PerfError, subprocess.SubprocessError, OSError) as error:
            print(f"perf FAILED: {error}", file=sys.stderr)
            return 1
    text = "\n".join(report) + "\n"
    print()
    print(text, end="")
    RESULTS_DIR.mkdir(exist_ok=True)
    written = RESULTS_DIR / f"perf-{datetime.now():%Y%m%d-%H%M%S}.md"
    written.write_text(text)
    print(f"\nwritten to {written.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
