"""What every tool that serves the example project needs: ``serving()``, ports, logs.

``serving()`` starts a server (gunicorn or runserver), waits until it answers, yields
it and stops it. Also the environment that keeps the example project's throttles out
of a run's way, and how to read its JSON server log for errors.

Imported by the tools (each run as ``python tools/<name>.py``, so ``tools/`` is on the
path) and by the example project's tests that serve it over HTTP.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"

# Throttles set so high that they never answer 429 during a run (every client comes
# from 127.0.0.1, so the per-address ones would). The example project reads these
# variables; they win over its THROTTLE_PROFILE.
THROTTLE_ENVIRONMENT = {
    f"{scope}_THROTTLE_RATE": "100000/min"
    for scope in (
        *("AUTH_REGISTER", "AUTH_TOKEN", "AUTH_ME", "SCHEMA"),
        *("TUTOR_LESSONS_WRITE", "TUTOR_LESSONS_READ"),
        *("TUTOR_RELATIONS_WRITE", "TUTOR_RELATIONS_READ"),
        *("TUTOR_MARKETPLACE_WRITE", "TUTOR_MARKETPLACE_READ", "TUTOR_MARKETPLACE_AUTOSAVE"),
    )
}
# Error lines that report latency, not a failure: tutor_marketplace logs a listing cache
# miss slower than its SLOW_MISS_ERROR_MS (300 ms) at ERROR. When every client starts at
# once on a small machine a few misses queue past that; the table shows the listing's
# latency, and these lines are counted and printed, not failed on.
LATENCY_LOG_EVENTS = frozenset({"marketplace_slow_miss"})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def log_lines(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.exists() else []


# --- Server logs ----------------------------------------------------------------------


def is_latency_report(line: str) -> bool:
    return any(f'"event": "{event}"' in line for event in LATENCY_LOG_EVENTS)


def server_log_errors(log_path: Path) -> list[str]:
    return [
        line
        for line in log_lines(log_path)
        if ('"level": "ERROR"' in line or '"level": "CRITICAL"' in line or "Traceback" in line)
        and not is_latency_report(line)
    ]


def server_log_notes(log_path: Path) -> list[str]:
    """Warnings and latency reports of a server log, counted: printed, not failures."""
    counts: Counter[str] = Counter()
    slowest: dict[str, float] = {}
    for line in log_lines(log_path):
        if '"level": "WARNING"' not in line and not is_latency_report(line):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            counts[line[:120]] += 1
            continue
        note = f"{record.get('level')} {record.get('message')}"
        counts[note] += 1
        if isinstance(record.get("duration_ms"), int | float):
            slowest[note] = max(slowest.get(note, 0.0), record["duration_ms"])
    return [
        f"{count} x {note}" + (f" (slowest {slowest[note]:.0f} ms)" if note in slowest else "")
        for note, count in counts.most_common()
    ]


# --- Serving the example project ------------------------------------------------------


EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "example_project"
#: The example project as deployed; ``config/gunicorn.conf.py`` binds to ``HOST:PORT``.
GUNICORN = ("gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi")
#: Django's development server; ``serving()`` appends its address.
RUNSERVER = ("manage.py", "runserver", "--noreload")


@dataclass(frozen=True)
class Server:
    """A server ``serving()`` started: its base URL, process and log."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path


def wait_until_answering(
    url: str, process: subprocess.Popen, log_path: Path, seconds: float = 60
) -> None:
    """Until ``url`` answers 200; raises RuntimeError if the server exits or stays silent."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), opener.open(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    exited = process.poll() is not None
    state = f"exited with {process.returncode}" if exited else f"did not answer in {seconds:.0f} s"
    tail = "\n".join(log_lines(log_path)[-30:])
    raise RuntimeError(f"the server of {url} {state}:\n{tail}")


@contextmanager
def serving(
    command: Sequence[str] = GUNICORN,
    *,
    environment: Mapping[str, str],
    log_path: Path,
    port: int | None = None,
    python: str | Path = sys.executable,
    cwd: Path = EXAMPLE_PROJECT,
    ready_path: str = "/healthz",
    seconds: float = 60,
) -> Iterator[Server]:
    """Serve a Django project for the block: started, answering, then stopped.

    ``command`` runs under ``python`` in ``cwd`` (the example project unless told):
    ``GUNICORN`` plus any options (bound to ``HOST:PORT`` from the environment, which
    this sets) or ``RUNSERVER`` (its address appended). ``port`` defaults to a free one.
    Yields once ``ready_path`` answers 200; a server that exits or stays silent for
    ``seconds`` raises RuntimeError with the tail of its log.
    """
    port = port or free_port()
    arguments = list(command)
    if arguments[0] == "manage.py":
        arguments.append(f"{HOST}:{port}")
    else:
        arguments[:0] = ["-m"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(python), *arguments],
            cwd=cwd,
            env={**environment, "HOST": HOST, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://{HOST}:{port}"
        wait_until_answering(url + ready_path, process, log_path, seconds)
        yield Server(url, port, process, log_path)
    finally:  # gracefully, or killed after 15 seconds
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
