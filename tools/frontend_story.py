"""Run the typed frontend client's story (frontend/story.mjs) against a live example project.

``python tools/frontend_story.py`` (``nox -s typescript -- live`` runs it after the type
check and ``npm run build``): migrates the database ``DATABASE_URL`` names (created when
missing), serves the example project under gunicorn with DEBUG off on 127.0.0.1 (plain
HTTP, ``SECURE_SSL_REDIRECT=0``, the demo's development throttles; ``PORT``, default a
free port), runs ``node frontend/story.mjs`` against it and stops the server. The exit
code is node's.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
FRONTEND = ROOT / "frontend"
sys.path.insert(0, str(ROOT / "tools"))

from create_database import ensure_postgres_database  # noqa: E402
from processes import free_port  # noqa: E402


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            with opener.open(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer in 60 s:\n{log.read_text()}")


def main() -> int:
    port = int(os.environ.get("PORT") or free_port())
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": f"frontend-story-{secrets.token_urlsafe(32)}",
        "SECURE_SSL_REDIRECT": "0",
        # The demo's profile, made for a frontend's end-to-end runs that register their
        # own users (production allows 20 registrations an hour per address).
        "THROTTLE_PROFILE": "development",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    ensure_postgres_database(environment.get("DATABASE_URL", ""))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        check=True,
        cwd=EXAMPLE,
        env=environment,
    )
    with tempfile.TemporaryDirectory(prefix="frontend-story-") as work:
        log_path = Path(work) / "gunicorn.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
                cwd=EXAMPLE,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base_url}/api/schema/?format=json", server, log_path)
            story = subprocess.run(["node", "story.mjs", base_url], cwd=FRONTEND, check=False)
            if story.returncode:
                print(log_path.read_text()[-4000:], file=sys.stderr)
            return story.returncode
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    sys.exit(main())
