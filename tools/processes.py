"""What every tool that serves the example project needs: ports, server logs, a clean stop.

Imported by ``fuzz.py``, ``loadtest.py``, ``perf.py``, ``frontend_story.py`` and
``host_smoke.py`` (each run as ``python tools/<name>.py``, so ``tools/`` is on the path).
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a server's log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def stop(process: subprocess.Popen) -> None:
    """Stop a server gracefully; kill it if it does not stop within 15 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
