"""Install the packages into a brand-new Django project, the way a host project does.

``python tools/host_smoke.py [--database postgres|sqlite]`` (``nox -s host_smoke``):

1. builds the wheel and sdist of core and each package with ``python -m build`` and runs
   ``twine check``;
2. per database, creates a fresh virtualenv and a new project (``django-admin
   startproject``) with its own user model (``people.Person(AbstractUser)`` with a
   ``timezone`` field), ``pip install``s the four built wheels and nothing of ours from
   an index (not editable), configures the
   apps, settings and urls as the package READMEs say, and runs ``check``,
   ``makemigrations --check --dry-run`` and ``migrate``;
3. serves the project with ``runserver`` and, as two real users with HTTP basic auth
   (DRF's default authentication), writes through and reads one endpoint of each
   package, asserting the status codes and the JSON envelopes.

The PostgreSQL run installs the ``[postgres]`` extras, uses the database
``tutor_host_smoke`` (created and dropped here) and Redis database 10 for the marketplace
cache. The SQLite run installs no PostgreSQL driver (it proves ``import psycopg`` fails)
and turns the marketplace cache off, so it needs no Redis either.

Exits non-zero on any failure; the server, the temporary folders and the database are
always cleaned up. ``HOST_SMOKE_POSTGRES_URL`` / ``HOST_SMOKE_REDIS_URL`` point it at
other servers or databases (not ``REDIS_URL``: the database it names is flushed).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from processes import RUNSERVER, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    # What the three depend on: its wheel is installed beside theirs, so pip never looks
    # for django-tutor-core on an index.
    "core": ROOT / "packages" / "django-tutor-core",
    "lessons": ROOT / "packages" / "django-tutor-lessons",
    "relations": ROOT / "packages" / "django-tutor-relations",
    "marketplace": ROOT / "packages" / "django-tutor-marketplace",
}
POSTGRES_URL = os.environ.get("HOST_SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE_NAME = urlsplit(POSTGRES_URL).path.lstrip("/") or "tutor_host_smoke"
REDIS_URL = os.environ.get("HOST_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/10")
PASSWORD = "host-smoke-password-1"
# pip and the build backends are the slow part; one stuck download must not hang CI.
COMMAND_TIMEOUT = 600
SERVER_START_SECONDS = 60


class SmokeError(Exception):
    """A step failed; the message says which and shows the end of its output."""


@dataclass
class Run:
    """One database run: its outcome, for the summary."""

    database: str
    seconds: float = 0.0
    steps: list[str] = field(default_factory=list)
    error: str = ""


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; its combined output, or SmokeError with the end of it."""
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SmokeError(f"timed out after {COMMAND_TIMEOUT} s: {' '.join(command)}") from error
    if completed.returncode != 0:
        raise SmokeError(
            f"exit {completed.returncode}: {' '.join(command)}\n{tail(completed.stdout)}"
        )
    return completed.stdout


# --- 1. distributions ---------------------------------------------------------------


def build_distributions(out: Path) -> dict[str, Path]:
    """Build every wheel and sdist into ``out``, twine-check them; the wheel per package."""
    wheels = {}
    for name, directory in PACKAGES.items():
        run([sys.executable, "-m", "build", "--outdir", str(out), str(directory)])
        distribution = directory.name.replace("-", "_")
        found = sorted(out.glob(f"{distribution}-*.whl"))
        if len(found) != 1 or not list(out.glob(f"{distribution}-*.tar.gz")):
            raise SmokeError(f"{name}: expected one wheel and one sdist in {out}, got {found}")
        wheels[name] = found[0]
    # --strict: a README that PyPI would render as plain text is a failure too.
    run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(out.iterdir()))])
    return wheels


# --- 2. the host project ------------------------------------------------------------

PERSON_MODEL = '''
"""The host's own user model: the packages must work with it, not with auth.User."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Person(AbstractUser):
    # Read by tutor_lessons' default USER_TIMEZONE hook: the calendar's own zone.
    timezone = models.CharField(max_length=64, blank=True, default="")
'''

# Appended to the settings.py that startproject wrote; each block is a README's step 2.
SETTINGS = """

# --- added by tools/host_smoke.py ---------------------------------------------------
AUTH_USER_MODEL = "people.Person"
INSTALLED_APPS += ["people"]

# django-tutor-lessons, django-tutor-relations README step 2; the marketplace's adds
# django_filters. Each app once: the READMEs overlap on DRF and its companions.
INSTALLED_APPS += [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_standardized_errors",
    "tutor_lessons",
    "tutor_relations",
    "tutor_marketplace",
]
REST_FRAMEWORK = {{
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
}}

# django-tutor-marketplace README step 2.
from redis.backoff import NoBackoff  # noqa: E402
from redis.retry import Retry  # noqa: E402

CACHEOPS_REDIS = {{
    "host": {redis_host!r},
    "port": {redis_port!r},
    "db": {redis_db!r},
    "socket_timeout": 0.25,
    "socket_connect_timeout": 0.25,
    "retry": Retry(NoBackoff(), 0),
}}
CACHEOPS = {{}}
TUTOR_MARKETPLACE = {marketplace!r}
"""

POSTGRES_SETTINGS = """
# django-tutor-lessons README step 2: the exclusion constraints, on PostgreSQL only.
INSTALLED_APPS += ["django.contrib.postgres"]
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": {name!r},
        "USER": {user!r},
        "HOST": {host!r},
        "PORT": {port!r},
    }}
}}
"""

SQLITE_SETTINGS = """
# The lessons and relations READMEs: concurrent SQLite writers queue (checks W002).
DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
"""

# Each package README step 3, in the order they are written there.
URLS = """

# --- added by tools/host_smoke.py ---------------------------------------------------
from django.urls import include  # noqa: E402

urlpatterns += [path("api/lessons/", include("tutor_lessons.api.urls"))]
urlpatterns += [path("api/", include("tutor_relations.api.urls"))]
urlpatterns += [path("api/", include("tutor_marketplace.api.urls"))]
"""

CREATE_USERS = """
import json
from django.contrib.auth import get_user_model
Person = get_user_model()
tutor = Person.objects.create_user("tutor", password={password!r}, timezone="Europe/Kyiv")
student = Person.objects.create_user("student", password={password!r}, timezone="Asia/Tokyo")
print(json.dumps({{"tutor": tutor.pk, "student": student.pk}}))
"""

NO_DRIVER_CHECK = """
import importlib, sys
for name in ("psycopg", "psycopg2"):
    try:
        importlib.import_module(name)
    except ImportError:
        continue
    sys.exit(f"{name} imports in the SQLite host's virtualenv")
"""


def postgres_parts() -> dict[str, Any]:
    parts = urlsplit(POSTGRES_URL)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": parts.username or "postgres",
    }


def postgres(python: Path, statement: str) -> None:
    """Run one statement against the maintenance database, with the host venv's psycopg.

    The host virtualenv has the driver (the [postgres] extra); the session running this
    script need not.
    """
    parts = postgres_parts()
    code = (
        "import psycopg, sys\n"
        "with psycopg.connect(host=sys.argv[1], port=sys.argv[2], user=sys.argv[3],\n"
        "                     dbname='postgres', autocommit=True, connect_timeout=5) as c:\n"
        "    c.execute(sys.argv[4])\n"
    )
    run([str(python), "-c", code, parts["host"], parts["port"], parts["user"], statement])


def flush_redis(python: Path) -> None:
    """Empty the smoke's Redis database, so the first listing is a MISS on every run."""
    run([str(python), "-c", f"import redis; redis.Redis.from_url({REDIS_URL!r}).flushdb()"])


def create_venv(work: Path, database: str, wheels: dict[str, Path], report: list[str]) -> Path:
    """A new virtualenv with the built wheels installed; its python."""
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    # The wheels by path, so pip cannot take a django-tutor-* from an index instead.
    extra = "[postgres]" if database == "postgres" else ""
    run(
        [str(python), "-m", "pip", "install", "--quiet"]
        # core has no extras; the packages' [postgres] brings the driver.
        + [f"{wheel}{'' if name == 'core' else extra}" for name, wheel in wheels.items()]
    )
    versions = run([str(python), "-m", "pip", "list", "--format=freeze"])
    pinned = {line.split("==")[0].lower(): line for line in versions.split()}
    shown = [
        "django-tutor-core",
        "django",
        "djangorestframework",
        "psycopg",
        "redis",
        "django-cacheops",
    ]
    report.append("installed " + ", ".join(pinned[name] for name in shown if name in pinned))
    if database == "sqlite":
        run([str(python), "-c", NO_DRIVER_CHECK])
        report.append("import psycopg fails (no PostgreSQL driver)")
    return python


def create_project(work: Path, python: Path, database: str, report: list[str]) -> Path:
    """A new project with its own user model, configured by the READMEs and migrated."""
    project = work / "host"
    project.mkdir()
    run([str(python.parent / "django-admin"), "startproject", "host", str(project)])
    run([str(python), "manage.py", "startapp", "people"], cwd=project)
    (project / "people" / "models.py").write_text(PERSON_MODEL.lstrip())

    redis = urlsplit(REDIS_URL)
    settings = SETTINGS.format(
        redis_host=redis.hostname or "127.0.0.1",
        # The SQLite run has the cache off and points cacheops at a port nobody listens
        # on: a listing that still reached for Redis would log a cache error (checked).
        redis_port=(redis.port or 6379) if database == "postgres" else free_port(),
        redis_db=int(redis.path.lstrip("/") or 0),
        marketplace={} if database == "postgres" else {"CACHE_ENABLED": False},
    )
    if database == "postgres":
        settings += POSTGRES_SETTINGS.format(name=DATABASE_NAME, **postgres_parts())
    else:
        settings += SQLITE_SETTINGS
    with (project / "host" / "settings.py").open("a") as file:
        file.write(settings)
    with (project / "host" / "urls.py").open("a") as file:
        file.write(URLS)

    manage = [str(python), "manage.py"]
    # The host's own migration, generated here like any new project's.
    run([*manage, "makemigrations", "people"], cwd=project)
    # Warnings fail too: a host that followed the READMEs should get none.
    run([*manage, "check", "--fail-level", "WARNING"], cwd=project)
    run([*manage, "makemigrations", "--check", "--dry-run"], cwd=project)
    run([*manage, "migrate", "--noinput"], cwd=project)
    report.append("check, makemigrations --check --dry-run, migrate: ok")
    return project


# --- 3. over HTTP -------------------------------------------------------------------


def call(
    base: str, method: str, path: str, user: str, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    """One request with HTTP basic auth: (status, headers, parsed JSON body)."""
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Basic {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, dict(error.headers), error.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError as error:
        raise SmokeError(f"{method} {path}: {status}, not JSON: {raw[:300]!r}") from error
    return status, headers, payload


def expect(
    base: str, method: str, path: str, user: str, status: int, body: Any = None
) -> tuple[dict[str, str], Any]:
    got, headers, payload = call(base, method, path, user, body)
    if got != status:
        raise SmokeError(f"{method} {path} as {user}: {got}, expected {status}: {payload}")
    return headers, payload


def require(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)


def exercise(base: str, ids: dict[str, int], cached: bool, report: list[str]) -> None:
    """Write through each package once, then read each package's endpoint and check it."""
    tutor, student = ids["tutor"], ids["student"]
    profile = {
        "headline": "Algebra and geometry",
        "is_published": True,
        "settings": {"hourly_rate": "40.00", "currency": "USD", "subjects": ["maths", "algebra"]},
    }
    expect(base, "PATCH", "/api/me/profile/", "tutor", 200, profile)
    expect(base, "POST", "/api/student/relations/", "student", 201, {"tutor": tutor})
    start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0)
    start = start.replace(microsecond=0)
    lesson = {
        "student": student,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }
    expect(base, "POST", "/api/lessons/", "tutor", 201, lesson)

    # lessons: the student's calendar, in the zone of the host's own user model field.
    window = f"from={datetime.now(UTC).date()}&to={start.date() + timedelta(days=7)}"
    _headers, calendar = expect(base, "GET", f"/api/lessons/my/?{window}", "student", 200)
    require(
        set(calendar) >= {"results", "has_more_events", "timezone"}
        and calendar["timezone"] == "Asia/Tokyo"
        and len(calendar["results"]) == 1
        and calendar["results"][0]["timezone"] == "Asia/Tokyo",
        f"lessons calendar: unexpected body {calendar}",
    )
    report.append("GET /api/lessons/my/ 200: 1 lesson, timezone Asia/Tokyo")

    # relations: the student's tutors, cursor-paginated.
    _headers, relations = expect(base, "GET", "/api/student/relations/", "student", 200)
    require(
        set(relations) >= {"results", "cursor", "has_more"}
        and len(relations["results"]) == 1
        and relations["results"][0]["status"] == "pending",
        f"student relations: unexpected body {relations}",
    )
    report.append("GET /api/student/relations/ 200: 1 pending relation")

    # marketplace: the published listing; with Redis, the second read is a cache hit.
    caches = []
    for _attempt in range(2):
        headers, listing = expect(base, "GET", "/api/marketplace/tutors/", "student", 200)
        require(
            set(listing) >= {"results", "cursor", "has_more"}
            and len(listing["results"]) == 1
            # Sorted by name: an array subquery on PostgreSQL, a prefetch elsewhere.
            and listing["results"][0]["subjects"] == ["algebra", "maths"],
            f"marketplace listing: unexpected body {listing}",
        )
        caches.append(headers.get("X-Cache", ""))
    expected = ["MISS", "HIT"] if cached else ["MISS", "MISS"]
    require(caches == expected, f"marketplace X-Cache {caches}, expected {expected}")
    report.append(
        f"GET /api/marketplace/tutors/ 200 x2: 1 tutor, 2 subjects, X-Cache {'/'.join(caches)}"
    )


# --- 4. one run per database --------------------------------------------------------


def run_database(database: str, wheels: dict[str, Path], scratch: Path) -> Run:
    """Install, configure, migrate, serve and call one host; never raises SmokeError."""
    outcome = Run(database)
    started = time.monotonic()
    work = scratch / database
    work.mkdir()
    python: Path | None = None
    try:
        python = create_venv(work, database, wheels, outcome.steps)
        if database == "postgres":
            # Dropped first too: a run killed before its cleanup must not break the next.
            postgres(python, f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
            postgres(python, f'CREATE DATABASE "{DATABASE_NAME}"')
            flush_redis(python)
        project = create_project(work, python, database, outcome.steps)
        users = CREATE_USERS.format(password=PASSWORD)
        output = run([str(python), "manage.py", "shell", "-c", users], cwd=project)
        ids = json.loads(output.strip().splitlines()[-1])
        log_path = work / "runserver.log"
        try:
            # Django's admin login page: the one page every new project serves.
            with serving(
                RUNSERVER,
                environment=os.environ,
                log_path=log_path,
                python=python,
                cwd=project,
                ready_path="/admin/login/",
                seconds=SERVER_START_SECONDS,
            ) as server:
                exercise(server.url, ids, cached=database == "postgres", report=outcome.steps)
            # The package logs Redis trouble as a warning and serves on: only the log shows.
            require(
                "marketplace cache unavailable" not in log_path.read_text(),
                "the marketplace reported Redis errors",
            )
            if database == "sqlite":
                outcome.steps.append("no Redis contacted (cacheops pointed at a closed port)")
        except SmokeError as error:
            log = tail(log_path.read_text())
            raise SmokeError(f"{error}\n--- runserver log ---\n{log}") from error
    except SmokeError as error:
        outcome.error = str(error)
    finally:
        if database == "postgres" and python is not None and python.exists():
            try:
                postgres(python, f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
                flush_redis(python)
            except SmokeError as error:
                outcome.error = outcome.error or f"cleanup: {error}"
    outcome.seconds = time.monotonic() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        choices=["postgres", "sqlite"],
        action="append",
        help="run only this database (repeatable); default: both",
    )
    databases = parser.parse_args().database or ["postgres", "sqlite"]
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="tutor-host-smoke-"))
    runs: list[Run] = []
    built = ""
    try:
        try:
            wheels = build_distributions(scratch / "dist")
        except SmokeError as error:
            print(f"FAIL build / twine check: {error}", file=sys.stderr)
            return 1
        built = ", ".join(sorted(path.name for path in (scratch / "dist").iterdir()))
        for database in databases:
            print(f"--- {database} host ---", flush=True)
            runs.append(run_database(database, wheels, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print("\n=== host smoke summary ===")
    print(f"built and twine-checked: {built}")
    for outcome in runs:
        verdict = "FAIL" if outcome.error else "ok"
        print(f"{outcome.database}: {verdict} in {outcome.seconds:.0f} s")
        for step in outcome.steps:
            print(f"  - {step}")
        if outcome.error:
            print(textwrap.indent(outcome.error, "  ! "))
    print(f"total {time.monotonic() - started:.0f} s")
    return 1 if any(outcome.error for outcome in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
