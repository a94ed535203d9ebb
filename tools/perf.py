"""Request-path benchmark: the example project beside a bare DRF floor, driven by wrk.

    python tools/perf.py [--duration 8] [--connections 30] [--threads 2] [--rounds 2]
                         [--workers 2] [--baseline REV]

``nox -s perf`` runs it (wrk on PATH). It recreates, migrates and seeds (``perf_seed.py``)
its own database (``DATABASE_URL``, default ``.../tutor_perf``; dropped, so its name must
hold ``perf``) and serves under gunicorn the floor (``perf_floor``: DRF, one view
answering ``{}``) and the example project with that view first in its URLconf. Each
round checks every request once (status, JSON, rows, ``X-Cache``), then drives it with
wrk; the best round counts. The table (req/s, p50, p95, times the floor) is printed and
written to ``.perf/``. ``--baseline REV`` also serves commit ``REV``'s packages and
example project (``git archive``; same virtualenv and database, the next Redis db) and
drives both in the same rounds, alternating which goes first. docs/performance.md has
the details. Exits 1 when setup fails or an answer is wrong; goals are only reported.
"""

from __future__ import annotations

import argparse
import contextlib
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
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from create_database import recreate_database
from processes import GUNICORN, THROTTLE_ENVIRONMENT, server_log_errors, server_log_notes, serving

TOOLS = Path(__file__).resolve().parent
REPO_ROOT = TOOLS.parent
EXAMPLE_PROJECT = REPO_ROOT / "example_project"
EMPTY_PATH = "/api/perf/empty/"  # perf_floor's one view, on every server
# The floor, served from tools/: the example's gunicorn settings, Django's WSGI factory.
FLOOR = (
    "gunicorn",
    "-c",
    str(EXAMPLE_PROJECT / GUNICORN[2]),
    "django.core.wsgi:get_wsgi_application()",
)
# Never a 429, and a short throttle history: DRF's throttles read and write, on every
# request, one user's requests within the rate's period; at a few hundred a second a
# per-minute rate makes that ~10^4 timestamps a request, which no real user pays.
THROTTLE_RATE = "1000000/s"
# MISS requests ask for max_rate = MISS_FIRST + n: above every seeded rate (below 2,000)
# and within numeric(8, 2); each round has a range of its own.
MISS_FIRST, MISS_ROUND_SPAN, MAX_ROUNDS = 100_000, 100_000, 8
UNEVEN_ROUNDS = 1.25  # best round over worst above this: the machine was busy
TIMES = "\N{MULTIPLICATION SIGN}"  # spelled by name: ruff takes a bare one for a letter


class PerfError(Exception):
    """The run cannot go on: setup failed, a server died, an answer was wrong."""


@dataclass(frozen=True)
class Target:
    """One row of the table: a request, what it must answer, its goal (times the floor)."""

    label: str
    path: str
    expect: dict[str, object]  # what the JSON body holds ("results": a row count); {}: {}
    token: str | None = None
    cache: str = ""  # "HIT": answered from the cache; "MISS": a new cache key per request
    goal: float | str = ""  # times the floor (issue 8), or what the row shows instead
    server: str = "example"  # "floor", "example" or "baseline"


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p95_ms: float
    errors: dict[str, int]  # requests without an answer or with a status >= 400, by kind
    requests: int
    cached: int  # answers with the X-Cache the target expects


def targets(seeded: dict[str, str]) -> list[Target]:
    """The requests of issue 8 and their goals, with the seed's tokens and windows."""
    page, month = {"results": 20, "has_more": True}, {"results": 50, "has_more_events": False}
    year, listing = {"results": 500, "has_more_events": False}, "/api/marketplace/tutors/"
    # fmt: off
    return [
        Target("bare DRF view (the floor)", EMPTY_PATH, {}, server="floor"),
        Target("same empty view, example middleware", EMPTY_PATH, {},
               goal="the middleware's own cost"),
        Target("GET /api/auth/me/", "/api/auth/me/", {"username": "perf-me"}, seeded["me"],
               goal=2.5),
        Target("GET /api/lessons/my/ month, 50 lessons",
               f"/api/lessons/my/?{seeded['month_query']}", month, seeded["month"], goal=5),
        Target("GET /api/lessons/my/ year, 500 lessons",
               f"/api/lessons/my/?{seeded['year_query']}", year, seeded["year"], goal=15),
        Target("GET /api/marketplace/tutors/ HIT", listing, page, seeded["listing"], "HIT", 2),
        Target("GET /api/marketplace/tutors/ MISS, 10,000", listing, page, seeded["listing"],
               "MISS", 20),
        Target("GET /api/tutor/relations/students/ 20 rows", "/api/tutor/relations/students/",
               page, seeded["relations"], goal=5),
    ]
    # fmt: on


# --- Database, trees and servers ------------------------------------------------------


def git(*arguments: str) -> str:
    """A read-only git command's output in the repository ('' when it fails)."""
    done = subprocess.run(["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def run_python(arguments: list[str], cwd: Path, environment: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode:
        raise PerfError(f"{arguments[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


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
    if differ := sorted(
        name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name)
    ):
        raise PerfError(
            f"--baseline {revision}: its migrations differ ({', '.join(differ[:5])}); "
            "both servers share one database"
        )
    return commit


def baseline_environment(environment: dict[str, str], tree: Path) -> dict[str, str]:
    """The example's environment with the baseline's packages first and the next Redis db."""
    import redis

    parts = urlsplit(environment["REDIS_URL"])
    redis_url = parts._replace(path=f"/{int(parts.path.lstrip('/') or 0) + 1}").geturl()
    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        raise PerfError(f"cannot empty the baseline's Redis {redis_url}: {error}") from error
    (tree / "metrics").mkdir()
    sources = [str(path) for path in sorted((tree / "packages").glob("*/src"))]
    return {
        **environment,
        "PYTHONPATH": os.pathsep.join([*sources, str(TOOLS)]),
        "REDIS_URL": redis_url,
        "PROMETHEUS_MULTIPROC_DIR": str(tree / "metrics"),
    }


def worker_rss(pid: int) -> str:
    """The resident size of each gunicorn worker (the master's children)."""
    sizes = []
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{child}/status").read_text())
            sizes += [f"{int(found.group(1)) / 1024:.1f} MiB"] if found else []
    return ", ".join(sizes) or "unknown"


# --- Checking and loading -------------------------------------------------------------


def check(target: Target, url: str, miss_number: int) -> None:
    """The answer, before it is timed: 200, JSON, the seeded rows, the expected X-Cache.

    A HIT is asked twice (the first answer stores the entry if it was not there). A MISS
    with a new ``max_rate`` must miss and answer the plain listing's very page (the key
    varies, nothing else does), and then hit.
    """
    headers = {"Authorization": f"Token {target.token}"} if target.token else {}
    with httpx.Client(base_url=url, headers=headers, timeout=30, trust_env=False) as http:

        def answer(path: str, cache: str = "") -> dict:
            response = http.get(path)
            kind, got = response.headers.get("content-type", ""), response.headers.get("X-Cache")
            if response.status_code != 200:
                problem = f"status {response.status_code}: {response.text[:300]}"
            elif not kind.startswith("application/json"):
                problem = f"content-type {kind}"
            elif cache and got != cache:
                problem = f"X-Cache {got}, expected {cache}"
            else:
                body, expect = response.json(), target.expect
                found = {k: len(body.get(k, [])) if k == "results" else body.get(k) for k in expect}
                ok = found == expect and (expect or body == {})
                problem = None if ok else f"expected {expect}, found {found or str(body)[:100]}"
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


# done() prints the figures as one JSON line (wrk's own summary has no p95). response()
# counts X-Cache and request() makes the MISS keys, only where needed: each costs wrk a
# little on every request.
WRK_SCRIPT = """
local threads = {}
function setup(thread) thread:set("index", #threads); table.insert(threads, thread) end
function init(args) first, stride, counter, cached = tonumber(args[1]), tonumber(args[2]), 0, 0 end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("cached") end
  local e = summary.errors
  io.write(string.format('PERF_RESULT {"requests": %d, "duration_us": %d, "p50_us": %.1f, '
    .. '"p95_us": %.1f, "connect": %d, "read": %d, "write": %d, "status >= 400": %d, '
    .. '"timeout": %d, "cached": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.connect, e.read, e.write, e.status,
    e.timeout, total))
end
"""
WRK_COUNT = """
function response(status, headers) if headers["X-Cache"] == "%s" then cached = cached + 1 end end
"""
WRK_MISS = """
function request() counter = counter + 1
  return wrk.format(nil, wrk.path .. "?max_rate=" .. (first + index + counter * stride)) end
"""


def wrk(arguments: argparse.Namespace, target: Target, url: str, first: int) -> Result:
    """``target`` driven by wrk for ``--duration`` seconds; MISS keys from ``first`` up."""
    script = WRK_SCRIPT + (WRK_COUNT % target.cache if target.cache else "")
    script += WRK_MISS if target.cache == "MISS" else ""
    a = arguments
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script_file:
        script_file.write(script)
        script_file.flush()
        command = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}s"]
        command += ["--timeout", "30s", "-s", script_file.name]
        command += ["-H", f"Authorization: Token {target.token}"] if target.token else []
        command += [url + target.path, "--", str(first), str(a.threads)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=a.duration + 60)
    found = re.search(r"^PERF_RESULT (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not found:
        raise PerfError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    f = json.loads(found.group(1))
    errors = ("status >= 400", "connect", "read", "write", "timeout")
    return Result(
        rps=f["requests"] / (f["duration_us"] / 1e6) if f["duration_us"] else 0.0,
        p50_ms=f["p50_us"] / 1000,
        p95_ms=f["p95_us"] / 1000,
        errors={name: f[name] for name in errors if f[name]},
        requests=f["requests"],
        cached=f["cached"],
    )


def measure(
    arguments: argparse.Namespace, urls: dict[str, str], groups: list[list[Target]]
) -> tuple[dict[str, Result], list[str]]:
    """Each target checked and loaded once per round; the best round of each, and notes.
    A group is a request and its baseline twin: every other round the twin goes second."""
    best: dict[str, Result] = {}
    worst: dict[str, float] = {}
    notes = []
    for index in range(arguments.rounds):
        first = MISS_FIRST + index * MISS_ROUND_SPAN
        for target in (t for group in groups for t in group[:: 1 if index % 2 == 0 else -1]):
            check(target, urls[target.server], first)  # every round: an entry may have expired
            result = wrk(arguments, target, urls[target.server], first + 1)
            print(
                f"  round {index + 1}: {target.label:<54} {result.rps:9,.0f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms",
                flush=True,
            )
            if result.errors:
                raise PerfError(f"{target.label}: failed requests under load: {result.errors}")
            if target.cache and result.cached != result.requests:
                notes.append(
                    f"{target.label}, round {index + 1}: {result.cached} of {result.requests} "
                    f"answers were X-Cache: {target.cache}"
                )
            if target.label not in best or result.rps > best[target.label].rps:
                best[target.label] = result
            worst[target.label] = min(result.rps, worst.get(target.label, result.rps))
    # Rounds far apart mean something else ran meanwhile: trust the best, rerun if you can.
    if uneven := [
        f"{label} ({worst[label]:,.0f} to {result.rps:,.0f} req/s)"
        for label, result in best.items()
        if worst[label] and result.rps / worst[label] > UNEVEN_ROUNDS
    ]:
        notes.append("rounds differ by more than 25 %, the machine was busy: " + "; ".join(uneven))
    if arguments.rounds == 1 and any(len(group) > 1 for group in groups):
        notes.append("one round: the baseline went first every time; --rounds 2+ alternates")
    return best, notes


def times_floor(floor_rps: float, rps: float) -> str:
    if not rps:
        return "-"
    return (
        f"1{TIMES}" if round(floor_rps / rps, 1) == 1.0 else f"{floor_rps / rps:.1f}{TIMES} slower"
    )


def table(groups: list[list[Target]], best: dict[str, Result], revision: str) -> list[str]:
    """One row a request; with a baseline, its req/s beside this tree's and the change."""
    floor = best[groups[0][0].label].rps
    columns = ["request", *([f"{revision}: req/s", f"{TIMES} floor"] if revision else [])]
    columns += ["this tree: req/s" if revision else "req/s", "p50 ms", "p95 ms", f"{TIMES} floor"]
    columns += ["change", "goal (issue 8)"] if revision else ["goal (issue 8)"]
    lines = ["| " + " | ".join(columns) + " |", "|---" + "|---:" * (len(columns) - 2) + "|---|"]
    for group in groups:
        target, result = group[-1], best[group[-1].label]
        twin = best[group[0].label] if len(group) > 1 else None
        cells = [target.label]
        if revision:
            cells += [f"{twin.rps:,.0f}", times_floor(floor, twin.rps)] if twin else ["", ""]
        cells += [f"{result.rps:,.0f}", f"{result.p50_ms:.1f}", f"{result.p95_ms:.1f}"]
        cells.append(times_floor(floor, result.rps))
        if revision:
            cells.append(f"{(result.rps / twin.rps - 1) * 100:+.0f} %" if twin else "")
        if isinstance(target.goal, str):
            cells.append(target.goal)
        else:
            met = result.rps and floor / result.rps <= target.goal
            cells.append(f"≤ {target.goal:g}{TIMES} ({'met' if met else 'not met'})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# --- The run --------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = {"duration": (8, "seconds per round"), "connections": (30, "wrk connections")}
    options |= {"threads": (2, "wrk threads"), "workers": (2, "gunicorn workers")}
    options["rounds"] = (2, f"rounds, at most {MAX_ROUNDS}; the best counts")
    for name, (default, what) in options.items():
        parser.add_argument(f"--{name}", type=int, default=default, help=f"{what} ({default})")
    parser.add_argument("--baseline", metavar="REV", help="also serve commit REV, side by side")
    arguments = parser.parse_args(argv)
    if any(getattr(arguments, name) < 1 for name in options):
        parser.error(f"--{'/--'.join(options)} must be at least 1")
    if arguments.rounds > MAX_ROUNDS:  # each round's MISS keys need a range of their own
        parser.error(f"--rounds must be at most {MAX_ROUNDS}")
    return arguments


def run(arguments: argparse.Namespace, work: Path) -> list[str]:
    """The whole benchmark; the report's lines."""
    started, load_before = time.monotonic(), os.getloadavg()[0]
    if not shutil.which("wrk"):
        raise PerfError("wrk is not on PATH: apt-get install wrk (brew install wrk on macOS)")
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[:2]
    a = arguments
    load = f"{' '.join(version)} -t{a.threads} -c{a.connections} -d{a.duration}s"
    load += f", best of {a.rounds} round(s)"
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_perf")
    # The run drops the database it is given: never one that is not a benchmark's own.
    if not database_url.startswith("postgres") or "perf" not in urlsplit(database_url).path:
        raise PerfError(
            f"DATABASE_URL must name a PostgreSQL database with 'perf' in its name "
            f"(it is dropped on every run), not {database_url!r}"
        )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
    (work / "metrics").mkdir()
    environment = {
        **os.environ,
        **dict.fromkeys(THROTTLE_ENVIRONMENT, THROTTLE_RATE),
        **{"DATABASE_URL": database_url, "REDIS_URL": redis_url, "ALLOWED_HOSTS": "127.0.0.1"},
        **{"DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "WEB_CONCURRENCY": str(a.workers)},
        "SECRET_KEY": f"perf-{secrets.token_urlsafe(32)}",
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),  # as the gunicorn config expects
        # tools/ for perf_floor: the project's settings with the empty view added.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TOOLS), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "perf_floor.stack_settings",
    }
    revision = baseline_tree(a.baseline, work / "baseline") if a.baseline else ""
    recreate_database(database_url)
    print(f"perf: database {urlsplit(database_url).path[1:]}, Redis {redis_url}", flush=True)
    run_python(["manage.py", "migrate", "--noinput", "-v", "0"], EXAMPLE_PROJECT, environment)
    run_python([str(TOOLS / "perf_seed.py"), str(work / "seed.json")], EXAMPLE_PROJECT, environment)
    print(f"perf: migrated and seeded in {time.monotonic() - started:.0f} s", flush=True)
    groups = [[target] for target in targets(json.loads((work / "seed.json").read_text()))]
    floor = {key: environment[key] for key in ("WEB_CONCURRENCY", "PYTHONPATH")}
    floor = {**os.environ, **floor, "DJANGO_SETTINGS_MODULE": "perf_floor.settings"}
    servers = {"floor": (FLOOR, TOOLS, floor), "example": (GUNICORN, EXAMPLE_PROJECT, environment)}
    if revision:
        baseline = baseline_environment(environment, work / "baseline")
        servers["baseline"] = (GUNICORN, work / "baseline" / "example_project", baseline)
        twin = lambda t: replace(t, label=f"{t.label} [baseline]", server="baseline")  # noqa: E731
        groups = [[twin(t), t] if t.server == "example" else [t] for [t] in groups]
    with contextlib.ExitStack() as stack:
        served = {}
        for name, (command, cwd, env) in servers.items():
            log_path = work / f"{name}.log"
            server = serving(
                command, environment=env, log_path=log_path, cwd=cwd, ready_path=EMPTY_PATH
            )
            served[name] = stack.enter_context(server)
        print(f"perf: {load}" + (f"; baseline {revision} beside this tree" if revision else ""))
        best, notes = measure(a, {name: server.url for name, server in served.items()}, groups)
        rss = [f"- {name} workers: {worker_rss(s.process.pid)}" for name, s in served.items()]
    for name in [name for name in servers if name != "floor"]:
        notes += [f"{name}: {note}" for note in server_log_notes(work / f"{name}.log")]
        if errors := server_log_errors(work / f"{name}.log"):
            notes.append(f"{len(errors)} error line(s) in the {name}'s log, first: {errors[0]}")
    dirty = " + uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    packages = ("django", "djangorestframework", "gunicorn")
    versions = ", ".join(f"{package} {metadata.version(package)}" for package in packages)
    compared = f"; beside commit {revision} (--baseline {a.baseline})" if revision else ""
    return [
        f"# nox -s perf, {datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Commit {git('rev-parse', '--short', 'HEAD')}{dirty}{compared}.",
        f"Python {platform.python_version()}, {versions}; {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before the run.",
        f"gunicorn -c example_project/config/gunicorn.conf.py: {a.workers} workers "
        f"{TIMES} {os.environ.get('GUNICORN_THREADS', '4')} threads each, DEBUG off, "
        "PostgreSQL and Redis on this machine.",
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
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: servers stopped
    with tempfile.TemporaryDirectory(prefix="tutor-perf-") as work:
        try:
            text = "\n".join(run(arguments, Path(work))) + "\n"
        except (PerfError, RuntimeError, subprocess.SubprocessError, OSError) as error:
            print(f"perf FAILED: {error}", file=sys.stderr)
            return 1
    print(f"\n{text}", end="")
    written = REPO_ROOT / ".perf" / f"perf-{datetime.now():%Y%m%d-%H%M%S}.md"
    written.parent.mkdir(exist_ok=True)
    written.write_text(text)
    print(f"\nwritten to {written.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
