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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
FRONTEND = ROOT / "frontend"
sys.path.insert(0, str(ROOT / "tools"))

from create_database import ensure_postgres_database  # noqa: E402
from processes import GUNICORN, serving  # noqa: E402


def main() -> int:
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": f"frontend-story-{secrets.token_urlsafe(32)}",
        "SECURE_SSL_REDIRECT": "0",
        # The demo's profile, made for a frontend's end-to-end runs that register their
        # own users (production allows 20 registrations an hour per address).
        "THROTTLE_PROFILE": "development",
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
    port = int(os.environ.get("PORT") or 0) or None
    with tempfile.TemporaryDirectory(prefix="frontend-story-") as work:
        log_path = Path(work) / "gunicorn.log"
        with serving(GUNICORN, environment=environment, log_path=log_path, port=port) as server:
            story = subprocess.run(["node", "story.mjs", server.url], cwd=FRONTEND, check=False)
            if story.returncode:
                print(log_path.read_text()[-4000:], file=sys.stderr)
            return story.returncode


if __name__ == "__main__":
    sys.exit(main())
