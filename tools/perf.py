"""Request-path benchmark: the example project beside a bare DRF floor, driven by wrk.

    python tools/perf.py [--duration 8] [--connections 30] [--threads 2] [--rounds 2]
                         [--workers 2] [--baseline REV]

``nox -s perf`` runs it; it needs ``wrk`` on PATH (``apt-get install wrk``). One run:

1. recreates its own PostgreSQL database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/tutor_perf``: dropped on every run, so its name
   must hold ``perf``), migrates and seeds it (``perf_seed.py``); Redis is ``REDIS_URL``
   (default ``redis://127.0.0.1:6379/8``: throttles and the listing cache);
2. serves the floor (``perf_floor``: Django + DRF, no middleware, no authentication, one
   ``APIView`` answering ``{}``) and the example project with that same view first in
   its URLconf (``perf_floor.stack_settings``: the middleware's own cost shows, no file
   of ``example_project/`` changed), each under gunicorn with
   ``example_project/config/gunicorn.conf.py``, ``--workers`` workers, DEBUG off;
3. in each round checks every request once (status 200, JSON, the seeded rows,
   ``X-Cache``) and then drives it with ``wrk`` (``--connections`` connections for
   ``--duration`` seconds); the best of ``--rounds`` rounds counts;
4. prints one table (req/s, p50, p95, times slower than the floor, the goal of issue 8)
   and each example worker's resident size, and writes them to ``.perf/``.

The listing MISS row asks for another ``max_rate`` on every request (wrk's Lua
``request()``), above every seeded rate: a cache key of its own per request, with the
rows and the query plan of the plain listing's first page.

``--baseline REV`` also serves commit ``REV``'s example project (``git archive`` of its
packages and ``example_project/``, on this virtualenv and database, with the next Redis
database, which it empties) and drives each request against both servers in the same
rounds, alternating which goes first: on a shared machine the change between two
servers measured minute by minute is the figure to trust, not two runs an hour apart.
The two trees must have the same migrations, since they share the database.

Exits 1 when setup fails or an answer is wrong (a check, or a non-2xx under load);
missed goals are reported, not failed.
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from create_database import recreate_database
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
HOST = "127.0.0.1"
EMPTY_PATH = "/api/perf/empty/"  # perf_floor.urls, on every server
# The floor needs no wsgi.py: gunicorn calls the factory (DJANGO_SETTINGS_MODULE set).
FLOOR_WSGI = "django.core.wsgi:get_wsgi_application()"
MIDDLEWARE = "the middleware's own cost"
# Never a 429, and a short throttle history: DRF's throttles read and write, on every
# request, the list of one user's requests within the rate's period; at a few hundred
# requests a second a per-minute rate makes that ~10^4 timestamps a request, a cost of
# the benchmark's own throughput that no real user pays. A one-second period bounds it.
THROTTLE_RATE = "1000000/s"
# MISS requests ask for max_rate = MISS_FIRST + n: above every seeded rate (below 2,000,
# perf_seed.py) and within the column's numeric(8, 2); each round has a range of its own.
MISS_FIRST = 100_000
MISS_ROUND_SPAN = 100_000
MAX_ROUNDS = 8
UNEVEN_ROUNDS = 1.25  # best round over worst above this: the machine was busy
SERVER_START_SECONDS = 30
TIMES = "\N{MULTIPLICATION SIGN}"  # spelled by name: ruff takes a bare one for a letter


class PerfError(Exception):
    """The run cannot go on: setup failed, a server died, an answer was wrong."""


# --- What is measured -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One row of the table: a request, the server it goes to, its goal (times the floor)."""

    label: str
    server: str  # "floor", "example" or "baseline"
    path: str
    # What the JSON body must hold ("results": how many rows); {}: the body is {}.
    expect: dict[str, object]
    token: str | None = None
    cache: str = ""  # "HIT": answered from the cache; "MISS": a new cache key per request
    goal: float | None = None
    note: str = ""  # the goal column when there is no goal


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: dict[str, int]
    cached: int  # answers with the X-Cache the target expects

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def targets(seeded: dict[str, str]) -> list[Target]:
    """The requests of issue 8 and their goals, with the seed's tokens and windows."""
    calendar = "/api/lessons/my/?"
    listing = "/api/marketplace/tutors/"
    page = {"results": 20, "has_more": True}
    return [
        Target("bare DRF view (the floor)", "floor", EMPTY_PATH, {}),
        Target("same empty view, example middleware", "example", EMPTY_PATH, {}, note=MIDDLEWARE),
        Target(
            "GET /api/auth/me/",
            "example",
            "/api/auth/me/",
            {"username": "perf-me"},
            seeded["me"],
            goal=2.5,
        ),
        Target(
            "GET /api/lessons/my/ month, 50 lessons",
            "example",
            calendar + seeded["month_query"],
            {"results": 50, "has_more_events": False},
            seeded["month"],
            goal=5,
        ),
        Target(
            "GET /api/lessons/my/ year, 500 lessons",
            "example",
            calendar + seeded["year_query"],
            {"results": 500, "has_more_events": False},
            seeded["year"],
            goal=15,
        ),
        Target(
            "GET /api/marketplace/tutors/ HIT",
            "example",
            listing,
            page,
            seeded["listing"],
            "HIT",
            goal=2,
        ),
        Target(
            "GET /api/marketplace/tutors/ MISS, 10,000",
            "example",
            listing,
            page,
            seeded["listing"],
            "MISS",
            goal=20,
        ),
        Target(
            "GET /api/tutor/relations/students/ 20 rows",
            "example",
            "/api/tutor/relations/students/",
            page,
            seeded["relations"],
            goal=5,
        ),
    ]


# --- Database, trees and servers ------------------------------------------------------


def checked_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_perf")
    parts = urlsplit(url)
    # The run drops the database it is given: never one that is not a benchmark's own.
    if not parts.scheme.startswith("postgres") or "perf" not in parts.path.lstrip("/"):
        raise PerfError(
            f"DATABASE_URL must name a PostgreSQL database with 'perf' in its name "
            f"(it is dropped on every run), not {url!r}"
        )
    return url


def example_environment(
    arguments: argparse.Namespace, database_url: str, redis_url: str, metrics: Path
) -> dict[str, str]:
    """The example project as deployed (DEBUG off), on plain HTTP, throttles out of the way."""
    metrics.mkdir()
    return {
        **os.environ,
        **dict.fromkeys(THROTTLE_ENVIRONMENT, THROTTLE_RATE),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",  # gunicorn speaks plain HTTP here
        "SECRET_KEY": f"perf-{secrets.token_urlsafe(32)}",
        "ALLOWED_HOSTS": HOST,
        # /metrics across workers, as config/gunicorn.conf.py expects under gunicorn.
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "WEB_CONCURRENCY": str(arguments.workers),
        # tools/ for perf_floor; the settings are the project's with the empty view added.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TOOLS), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "perf_floor.stack_settings",
    }


def prepare_database(environment: dict[str, str], seed_path: Path) -> dict[str, str]:
    """Migrate and seed the (new, empty) database; the seed's tokens and windows."""
    for command in (
        ["manage.py", "migrate", "--noinput", "-v", "0"],
        [TOOLS / "perf_seed.py", seed_path],
    ):
        done = subprocess.run(
            [sys.executable, *command],
            cwd=EXAMPLE_PROJECT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode:
            raise PerfError(f"{command[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(seed_path.read_text())


def git(*arguments: str) -> str:
    """A read-only git command's output in the repository ('' when it fails)."""
    done = subprocess.run(
        ["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def baseline_tree(revision: str, tree: Path) -> str:
    """Commit ``revision``'s packages and example project in ``tree``; its short hash."""
    commit = git("rev-parse", "--short", "--verify", "--quiet", f"{revision}^{{commit}}")
    if not commit:
        raise PerfError(f"--baseline {revision}: not a commit of this repository")
    archive = subprocess.run(
        ["git", "archive", commit, "packages", "example_project"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
        files.extractall(tree, filter="data")

    def migrations(root: Path) -> dict[str, bytes]:
        patterns = ("packages/*/src/*/migrations/*.py", "example_project/*/migrations/*.py")
        return {str(p.relative_to(root)): p.read_bytes() for g in patterns for p in root.glob(g)}

    mine, theirs = migrations(REPO_ROOT), migrations(tree)
    differ = sorted(
        name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name)
    )
    if differ:
        raise PerfError(
            f"--baseline {revision}: its migrations differ ({', '.join(differ[:5])}); "
            "both servers share one database"
        )
    return commit


def baseline_environment(environment: dict[str, str], tree: Path, work_dir: Path) -> dict[str, str]:
    """The example's environment with the baseline's packages first and the next Redis db."""
    import redis

    parts = urlsplit(environment["REDIS_URL"])
    number = int(parts.path.lstrip("/") or 0) + 1
    redis_url = parts._replace(path=f"/{number}").geturl()
    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        raise PerfError(
            f"cannot empty the baseline's Redis database {redis_url}: {error}"
        ) from error
    metrics = work_dir / "baseline-metrics"
    metrics.mkdir()
    sources = [str(path) for path in sorted((tree / "packages").glob("*/src"))]
    return {
        **environment,
        "PYTHONPATH": os.pathsep.join([*sources, str(TOOLS)]),
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextlib.contextmanager
def serve(
    app: str, cwd: Path, environment: dict[str, str], log_path: Path, conf: Path = GUNICORN_CONF
) -> Iterator[Server]:
    """``app`` under gunicorn with the config file ``conf``, for the block."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(conf), "-b", f"{HOST}:{port}", app]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(f"http://{HOST}:{port}", process.pid)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise PerfError(
                    f"{app}: gunicorn exited {process.returncode}\n{log_tail(log_path)}"
                )
            try:
                httpx.get(server.base_url + EMPTY_PATH, timeout=2, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise PerfError(f"{app}: no answer in {SERVER_START_SECONDS} s") from None
                time.sleep(0.2)
        yield server
    finally:
        stop(process)


def worker_rss(server: Server) -> str:
    """The resident size of each gunicorn worker (the master's children)."""
    pid = server.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return "unknown"
    sizes = []
    for child in children:
        with contextlib.suppress(OSError):
            found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{child}/status").read_text())
            sizes += [f"{int(found.group(1)) / 1024:.1f} MiB"] if found else []
    return ", ".join(sizes) or "no worker found"


# --- Checking and loading -------------------------------------------------------------


def body_problem(expect: dict[str, object], body: dict) -> str | None:
    """What a JSON body lacks of ``expect`` ("results": a row count; {}: an empty body)."""
    found = {key: len(body.get(key, [])) if key == "results" else body.get(key) for key in expect}
    if found == expect and (expect or body == {}):
        return None
    return f"expected {expect}, found {found or str(body)[:100]}"


def check(target: Target, base_url: str, miss_number: int) -> None:
    """The answer, before it is timed: 200, JSON, the seeded rows, the expected X-Cache.

    A HIT is asked twice (the first answer stores the entry if it was not there). A MISS
    with a new ``max_rate`` must miss and answer the plain listing's very page (the key
    varies, nothing else does), and then hit.
    """
    headers = {"Authorization": f"Token {target.token}"} if target.token else {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30, trust_env=False) as http:

        def answer(path: str, cache: str = "") -> dict:
            response = http.get(path)
            kind = response.headers.get("content-type", "")
            if response.status_code != 200:
                problem = f"status {response.status_code}: {response.text[:300]}"
            elif not kind.startswith("application/json"):
                problem = f"content-type {kind}"
            elif cache and response.headers.get("X-Cache") != cache:
                problem = f"X-Cache {response.headers.get('X-Cache')}, expected {cache}"
            else:
                problem = body_problem(target.expect, response.json())
            if problem:
                raise PerfError(f"{target.label}: {problem}")
            return response.json()

        if target.cache == "MISS":
            page = answer(target.path)["results"]
            path = f"{target.path}?max_rate={miss_number}"
            if answer(path, "MISS")["results"] != page:
                raise PerfError(f"{target.label}: max_rate changed the page")
            answer(path, "HIT")
        elif target.cache == "HIT":
            http.get(target.path)
            answer(target.path, "HIT")
        else:
            answer(target.path)


# done() prints the figures as one JSON line (wrk's own summary has no p95). The
# response() hook, only where X-Cache is counted, and request(), only for the MISS,
# are added where needed: each costs wrk a little on every request.
WRK_SCRIPT = """
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  first, stride, counter, cached = tonumber(args[1]), tonumber(args[2]), 0, 0
end
function done(summary, latency, requests)
  local cached_total = 0
  for _, thread in ipairs(threads) do cached_total = cached_total + thread:get("cached") end
  local e = summary.errors
  io.write(string.format(
    'PERF_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.1f, "p95_us": %.1f, '
    .. '"connect": %d, "read": %d, "write": %d, "status >= 400": %d, "timeout": %d, '
    .. '"cached": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect, e.read, e.write, e.status, e.timeout, cached_total))
end
"""
WRK_COUNT = """
function response(status, headers, body)
  if headers["X-Cache"] == "%s" then cached = cached + 1 end
end
"""
WRK_MISS = """
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?max_rate=" .. (first + index + counter * stride))
end
"""


def wrk(arguments: argparse.Namespace, target: Target, base_url: str, first: int) -> Result:
    """``target`` driven by wrk for ``--duration`` seconds; MISS keys from ``first`` up."""
    script = WRK_SCRIPT + (WRK_COUNT % target.cache if target.cache else "")
    script += WRK_MISS if target.cache == "MISS" else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script_file:
        script_file.write(script)
        script_file.flush()
        a = arguments
        command = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}s"]
        command += ["--timeout", "30s", "-s", script_file.name]
        command += ["-H", f"Authorization: Token {target.token}"] if target.token else []
        command += [base_url + target.path, "--", str(first), str(a.threads)]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=a.duration + 60, check=False
        )
    found = re.search(r"^PERF_RESULT (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not found:
        raise PerfError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures = json.loads(found.group(1))
    # "status >= 400" are answers; connect, read, write and timeout got no answer at all.
    names = ("status >= 400", "connect", "read", "write", "timeout")
    return Result(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        errors={name: figures[name] for name in names if figures[name]},
        cached=figures["cached"],
    )


def baseline_twin(target: Target) -> Target:
    return dataclasses.replace(target, label=f"{target.label} [baseline]", server="baseline")


def measure(
    arguments: argparse.Namespace, servers: dict[str, Server], groups: list[list[Target]]
) -> tuple[dict[str, Result], list[str]]:
    """Each target checked and loaded once per round; the best round of each, and notes.

    A group is a request and its baseline twin: every other round the twin goes second.
    """
    best: dict[str, Result] = {}
    worst: dict[str, float] = {}
    notes = []
    for index in range(arguments.rounds):
        first = MISS_FIRST + index * MISS_ROUND_SPAN
        for target in (t for group in groups for t in group[:: 1 if index % 2 == 0 else -1]):
            base_url = servers[target.server].base_url
            check(target, base_url, first)  # every round: an entry may have expired
            result = wrk(arguments, target, base_url, first + 1)
            print(
                f"  round {index + 1}: {target.label:<54} {result.rps:9,.0f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms",
                flush=True,
            )
            if result.errors:
                raise PerfError(f"{target.label}: failed answers under load: {result.errors}")
            if target.cache and result.cached != result.requests:
                notes.append(
                    f"{target.label}, round {index + 1}: {result.cached} of {result.requests} "
                    f"answers were X-Cache: {target.cache}"
                )
            if target.label not in best or result.rps > best[target.label].rps:
                best[target.label] = result
            worst[target.label] = min(result.rps, worst.get(target.label, result.rps))
    # Rounds far apart mean something else ran meanwhile: trust the best, rerun if you can.
    uneven = [
        f"{label} ({worst[label]:,.0f} to {result.rps:,.0f} req/s)"
        for label, result in best.items()
        if worst[label] and result.rps / worst[label] > UNEVEN_ROUNDS
    ]
    if uneven:
        notes.append("rounds differ by more than 25 %, the machine was busy: " + "; ".join(uneven))
    return best, notes


# --- The report -----------------------------------------------------------------------


def times_floor(floor_rps: float, rps: float) -> str:
    if not rps:
        return "-"
    ratio = floor_rps / rps
    return f"1{TIMES}" if round(ratio, 1) == 1.0 else f"{ratio:.1f}{TIMES} slower"


def table(groups: list[list[Target]], best: dict[str, Result], revision: str) -> list[str]:
    """One row a request; with a baseline, its req/s beside this tree's and the change."""
    floor = best[groups[0][0].label].rps
    before = [f"{revision}: req/s", f"{TIMES} floor"] if revision else []
    columns = ["request", *before, "req/s", "p50 ms", "p95 ms", f"{TIMES} floor"]
    columns += ["change", "goal (issue 8)"] if revision else ["goal (issue 8)"]
    lines = ["| " + " | ".join(columns) + " |", "|---" + "|---:" * (len(columns) - 2) + "|---|"]
    for group in groups:
        target, result = group[-1], best[group[-1].label]
        cells = [target.label]
        if revision:
            twin = best[group[0].label] if len(group) > 1 else None
            cells += [f"{twin.rps:,.0f}", times_floor(floor, twin.rps)] if twin else ["", ""]
        cells += [f"{result.rps:,.0f}", f"{result.p50_ms:.1f}", f"{result.p95_ms:.1f}"]
        cells.append(times_floor(floor, result.rps))
        if revision:
            cells.append(f"{(result.rps / twin.rps - 1) * 100:+.0f} %" if twin else "")
        if target.goal:
            met = floor / result.rps <= target.goal if result.rps else False
            cells.append(f"≤ {target.goal:g}{TIMES} ({'met' if met else 'not met'})")
        else:
            cells.append(target.note or (f"1{TIMES}" if target.server == "floor" else ""))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def versions() -> str:
    found = [f"Python {platform.python_version()}"]
    for package in ("django", "djangorestframework", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{package} {metadata.version(package)}")
    return ", ".join(found)


# --- The run --------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per round (8)")
    parser.add_argument("--connections", type=int, default=30, help="wrk connections (30)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the best counts (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--baseline", metavar="REV", help="also serve commit REV's example project, side by side"
    )
    arguments = parser.parse_args(argv)
    for name in ("duration", "connections", "threads", "rounds", "workers"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if arguments.rounds > MAX_ROUNDS:  # each round's MISS keys need a range of their own
        parser.error(f"--rounds must be at most {MAX_ROUNDS}")
    return arguments


def run(arguments: argparse.Namespace, work_dir: Path) -> list[str]:
    """The whole benchmark; the report's lines."""
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    if not shutil.which("wrk"):
        raise PerfError("wrk is not on PATH: apt-get install wrk (brew install wrk on macOS)")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    load = (
        f"{' '.join(wrk_version.stdout.split()[:2]) or 'wrk'} -t{arguments.threads} "
        f"-c{arguments.connections} -d{arguments.duration}s, best of {arguments.rounds} rounds"
    )
    database_url = checked_database_url()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
    environment = example_environment(arguments, database_url, redis_url, work_dir / "metrics")
    revision = ""
    if arguments.baseline:
        revision = baseline_tree(arguments.baseline, work_dir / "baseline")
        baseline = baseline_environment(environment, work_dir / "baseline", work_dir)
    recreate_database(database_url)
    print(f"perf: database {urlsplit(database_url).path[1:]}, Redis {redis_url}", flush=True)
    seeded = prepare_database(environment, work_dir / "seed.json")
    print(f"perf: migrated and seeded in {time.monotonic() - started:.0f} s", flush=True)
    floor = {
        **os.environ,
        "WEB_CONCURRENCY": str(arguments.workers),
        "PYTHONPATH": environment["PYTHONPATH"],
        "DJANGO_SETTINGS_MODULE": "perf_floor.settings",
    }
    groups = [[target] for target in targets(seeded)]
    with contextlib.ExitStack() as servers_open:
        servers = {
            "floor": servers_open.enter_context(
                serve(FLOOR_WSGI, TOOLS, floor, work_dir / "floor.log")
            ),
            "example": servers_open.enter_context(
                serve("config.wsgi", EXAMPLE_PROJECT, environment, work_dir / "example.log")
            ),
        }
        if revision:
            project = work_dir / "baseline" / "example_project"
            servers["baseline"] = servers_open.enter_context(
                serve(
                    "config.wsgi",
                    project,
                    baseline,
                    work_dir / "baseline.log",
                    conf=project / "config" / "gunicorn.conf.py",
                )
            )
            groups = [
                [baseline_twin(target), target] if target.server == "example" else [target]
                for [target] in groups
            ]
            print(f"perf: baseline {revision} served beside this tree", flush=True)
        print(f"perf: {load}", flush=True)
        best, notes = measure(arguments, servers, groups)
        rss = [f"- {name} workers: {worker_rss(servers[name])}" for name in servers]
    for name in ("example", "baseline") if revision else ("example",):
        notes += server_log_notes(work_dir / f"{name}.log")
        errors = server_log_errors(work_dir / f"{name}.log")
        if errors:
            notes.append(f"{len(errors)} error line(s) in the {name}'s log, first: {errors[0]}")
    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    threads = os.environ.get("GUNICORN_THREADS", "4")
    return [
        f"# nox -s perf, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Commit {git('rev-parse', '--short', 'HEAD')}{dirty}; {versions()}; "
        f"{os.cpu_count()} cores, load average {load_before:.1f} before the run.",
        *(
            [f"Beside commit {revision} (--baseline {arguments.baseline}), in the same rounds."]
            if revision
            else []
        ),
        f"gunicorn -c example_project/config/gunicorn.conf.py: {arguments.workers} workers "
        f"{TIMES} {threads} threads each, DEBUG off, PostgreSQL and Redis on this machine.",
        f"Load: {load}.",
        "",
        *table(groups, best, revision),
        "",
        "Resident set size after the load (VmRSS):",
        "",
        *rss,
        *([""] + [f"Note: {note}" for note in notes] if notes else []),
        "",
        f"Run time {time.monotonic() - started:.0f} s.",
    ]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # SIGTERM unwinds like Ctrl+C, so that the servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="tutor-perf-") as work:
        try:
            report = run(arguments, Path(work))
        except (PerfError, RuntimeError, subprocess.SubprocessError, OSError) as error:
            print(f"perf FAILED: {error}", file=sys.stderr)
            return 1
    text = "\n".join(report) + "\n"
    print(f"\n{text}", end="")
    RESULTS_DIR.mkdir(exist_ok=True)
    written = RESULTS_DIR / f"perf-{datetime.now():%Y%m%d-%H%M%S}.md"
    written.write_text(text)
    print(f"\nwritten to {written.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
