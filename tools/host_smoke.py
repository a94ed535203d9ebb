"""Install the packages into a brand-new Django project, the way a host project does.

``python tools/host_smoke.py [--database postgres|sqlite]`` (``nox -s host_smoke``)
builds and ``twine check --strict``s core's and each package's wheel and sdist; per
database, makes a virtualenv and a new project (``startproject``, its own user model
``people.Person``), installs the four wheels, configures it as the READMEs say, runs
``check --fail-level WARNING``, ``makemigrations --check`` and ``migrate``, then serves
it (``runserver``) and, as two users with basic auth, writes through and reads one
endpoint of each package. PostgreSQL: the ``[postgres]`` extras, the database
``tutor_host_smoke`` and Redis db 10 (``HOST_SMOKE_POSTGRES_URL``/``_REDIS_URL``; both
emptied). SQLite: no driver importable, the cache off and cacheops at a closed port.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from processes import RUNSERVER, free_port, serving

ROOT = Path(__file__).resolve().parent.parent
# Core first: what the three depend on, installed from its wheel beside theirs.
PACKAGES = ["core", "lessons", "relations", "marketplace"]
POSTGRES = urlsplit(os.environ.get("HOST_SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1"))
DATABASE_NAME = POSTGRES.path.lstrip("/") or "tutor_host_smoke"
REDIS = urlsplit(os.environ.get("HOST_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/10"))
PASSWORD = "host-smoke-password-1"
TIMEOUT = 600  # pip and the build backends are the slow part: no stuck download hangs CI


class SmokeError(Exception):
    """A step failed; the message says which and shows the end of its output."""


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run(*command: str | Path, cwd: Path | None = None) -> str:
    """Run a command; its combined output, or SmokeError with the end of it."""
    try:
        done = subprocess.run(
            [str(part) for part in command], cwd=cwd, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise SmokeError(f"timed out after {TIMEOUT} s: {error.cmd}") from error
    if done.returncode:
        raise SmokeError(f"exit {done.returncode}: {' '.join(done.args)}\n{tail(done.stdout)}")
    return done.stdout


def require(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)


def build_distributions(out: Path) -> dict[str, Path]:
    """Every wheel and sdist in ``out``, twine-checked; the wheel of each package."""
    wheels = {}
    for name in PACKAGES:
        run(sys.executable, "-m", "build", "--outdir", out, ROOT / f"packages/django-tutor-{name}")
        found = sorted(out.glob(f"django_tutor_{name}-*.whl"))
        sdists = list(out.glob(f"django_tutor_{name}-*.tar.gz"))
        require(len(found) == 1 and sdists, f"{name}: expected one wheel and one sdist: {found}")
        wheels[name] = found[0]
    # --strict: a README that PyPI would render as plain text is a failure too.
    run(sys.executable, "-m", "twine", "check", "--strict", *sorted(out.iterdir()))
    return wheels


# --- The host project -----------------------------------------------------------------

PERSON_MODEL = '''"""The host's own user model: the packages must work with it, not auth.User."""

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

DATABASE_SETTINGS = {
    "postgres": """
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
""",
    "sqlite": """
# The lessons and relations READMEs: concurrent SQLite writers queue (checks W002).
DATABASES["default"]["OPTIONS"] = {{"transaction_mode": "IMMEDIATE"}}
""",
}

# Each package README step 3, in the order they are written there.
URLS = """

# --- added by tools/host_smoke.py ---------------------------------------------------
from django.urls import include  # noqa: E402

urlpatterns += [path("api/lessons/", include("tutor_lessons.api.urls"))]
urlpatterns += [path("api/", include("tutor_relations.api.urls"))]
urlpatterns += [path("api/", include("tutor_marketplace.api.urls"))]
"""

CREATE_USERS = f"""
import json
from django.contrib.auth import get_user_model
Person = get_user_model()
tutor = Person.objects.create_user("tutor", password={PASSWORD!r}, timezone="Europe/Kyiv")
student = Person.objects.create_user("student", password={PASSWORD!r}, timezone="Asia/Tokyo")
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

# One statement on the maintenance database, with the host virtualenv's driver (the
# [postgres] extra): the session running this script needs none.
POSTGRES_STATEMENT = """
import psycopg, sys
with psycopg.connect(host=sys.argv[1], port=sys.argv[2], user=sys.argv[3],
                     dbname='postgres', autocommit=True, connect_timeout=5) as connection:
    connection.execute(sys.argv[4])
"""


def postgres(python: Path, statement: str) -> None:
    where = [POSTGRES.hostname or "127.0.0.1", str(POSTGRES.port or 5432)]
    run(python, "-c", POSTGRES_STATEMENT, *where, POSTGRES.username or "postgres", statement)


def fresh_postgres(python: Path, create: bool = True) -> None:
    """Drop the database (a run killed before its cleanup must not break the next) and
    create it anew; empty the Redis database, so that the first listing is a MISS."""
    postgres(python, f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
    if create:
        postgres(python, f'CREATE DATABASE "{DATABASE_NAME}"')
    run(python, "-c", f"import redis; redis.Redis.from_url({REDIS.geturl()!r}).flushdb()")


def create_venv(work: Path, database: str, wheels: dict[str, Path], report: list[str]) -> Path:
    """A new virtualenv with the built wheels installed (by path, so that pip cannot take
    a django-tutor-* from an index); its python."""
    run(sys.executable, "-m", "venv", work / "venv")
    python = work / "venv" / "bin" / "python"
    extra = "[postgres]" if database == "postgres" else ""  # core has no extras
    installs = [f"{wheel}{extra if name != 'core' else ''}" for name, wheel in wheels.items()]
    run(python, "-m", "pip", "install", "--quiet", *installs)
    versions = run(python, "-m", "pip", "list", "--format=freeze").split()
    pinned = {line.split("==")[0].lower(): line for line in versions}
    shown = ["django-tutor-core", "django", "djangorestframework", "psycopg", "redis"]
    shown.append("django-cacheops")
    report.append("installed " + ", ".join(pinned[name] for name in shown if name in pinned))
    if database == "sqlite":
        run(python, "-c", NO_DRIVER_CHECK)
        report.append("import psycopg fails (no PostgreSQL driver)")
    return python


def create_project(work: Path, python: Path, database: str, report: list[str]) -> Path:
    """A new project with its own user model, configured by the READMEs and migrated."""
    project = work / "host"
    project.mkdir()
    run(python.parent / "django-admin", "startproject", "host", project)
    run(python, "manage.py", "startapp", "people", cwd=project)
    (project / "people" / "models.py").write_text(PERSON_MODEL)
    postgres = database == "postgres"
    settings = SETTINGS.format(
        redis_host=REDIS.hostname or "127.0.0.1",
        # SQLite: the cache off, and cacheops at a port nobody listens on.
        redis_port=(REDIS.port or 6379) if postgres else free_port(),
        redis_db=int(REDIS.path.lstrip("/") or 0),
        marketplace={} if postgres else {"CACHE_ENABLED": False},
    ) + DATABASE_SETTINGS[database].format(
        name=DATABASE_NAME, user=POSTGRES.username or "postgres",
        host=POSTGRES.hostname or "127.0.0.1", port=str(POSTGRES.port or 5432),
    )  # fmt: skip
    with (project / "host" / "settings.py").open("a") as file:
        file.write(settings)
    with (project / "host" / "urls.py").open("a") as file:
        file.write(URLS)
    run(python, "manage.py", "makemigrations", "people", cwd=project)  # the host's own
    # Warnings fail too: a host that followed the READMEs should get none.
    run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=project)
    run(python, "manage.py", "makemigrations", "--check", "--dry-run", cwd=project)
    run(python, "manage.py", "migrate", "--noinput", cwd=project)
    report.append("check, makemigrations --check --dry-run, migrate: ok")
    return project


# --- Over HTTP ------------------------------------------------------------------------


def exercise(base: str, ids: dict[str, int], cached: bool, report: list[str]) -> None:
    """Write through each package once, then read each package's endpoint and check it."""

    def expect(method: str, path: str, user: str, status: int, body: Any = None) -> Any:
        response = httpx.request(
            method, base + path, json=body, auth=(user, PASSWORD), timeout=30, trust_env=False,
            headers={"Accept": "application/json"},
        )  # fmt: skip
        try:
            payload = response.json() if response.content else None
        except ValueError as error:
            problem = f"{response.status_code}, not JSON: {response.text[:300]}"
            raise SmokeError(f"{method} {path}: {problem}") from error
        require(
            response.status_code == status,
            f"{method} {path} as {user}: {response.status_code}, expected {status}: {payload}",
        )
        return response, payload

    profile = {"headline": "Algebra and geometry", "is_published": True, "settings": {
        "hourly_rate": "40.00", "currency": "USD", "subjects": ["maths", "algebra"]}}  # fmt: skip
    expect("PATCH", "/api/me/profile/", "tutor", 200, profile)
    expect("POST", "/api/student/relations/", "student", 201, {"tutor": ids["tutor"]})
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=1)
    lesson = {"student": ids["student"], "start": start.isoformat(),
              "end": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    expect("POST", "/api/lessons/", "tutor", 201, lesson)

    # lessons: the student's calendar, in the zone of the host's own user model field.
    window = f"from={datetime.now(UTC).date()}&to={start.date() + timedelta(days=7)}"
    _, calendar = expect("GET", f"/api/lessons/my/?{window}", "student", 200)
    require(
        set(calendar) >= {"results", "has_more_events", "timezone"}
        and calendar["timezone"] == "Asia/Tokyo"
        and [row["timezone"] for row in calendar["results"]] == ["Asia/Tokyo"],
        f"lessons calendar: unexpected body {calendar}",
    )
    report.append("GET /api/lessons/my/ 200: 1 lesson, timezone Asia/Tokyo")

    # relations: the student's tutors, cursor-paginated.
    _, relations = expect("GET", "/api/student/relations/", "student", 200)
    require(
        set(relations) >= {"results", "cursor", "has_more"}
        and [row["status"] for row in relations["results"]] == ["pending"],
        f"student relations: unexpected body {relations}",
    )
    report.append("GET /api/student/relations/ 200: 1 pending relation")

    # marketplace: the published listing; with Redis, the second read is a cache hit.
    caches = []
    for _ in range(2):
        response, listing = expect("GET", "/api/marketplace/tutors/", "student", 200)
        require(
            set(listing) >= {"results", "cursor", "has_more"}
            # Sorted by name: an array subquery on PostgreSQL, a prefetch elsewhere.
            and [row["subjects"] for row in listing["results"]] == [["algebra", "maths"]],
            f"marketplace listing: unexpected body {listing}",
        )
        caches.append(response.headers.get("X-Cache", ""))
    expected = ["MISS", "HIT"] if cached else ["MISS", "MISS"]
    require(caches == expected, f"marketplace X-Cache {caches}, expected {expected}")
    shown = "/".join(caches)
    report.append(f"GET /api/marketplace/tutors/ 200 x2: 1 tutor, 2 subjects, X-Cache {shown}")


def run_database(database: str, wheels: dict[str, Path], scratch: Path, report: list[str]) -> str:
    """Install, configure, migrate, serve and call one host; its error, or ""."""
    work, python, error = scratch / database, None, ""
    work.mkdir()
    try:
        python = create_venv(work, database, wheels, report)
        if database == "postgres":
            fresh_postgres(python)
        project = create_project(work, python, database, report)
        output = run(python, "manage.py", "shell", "-c", CREATE_USERS, cwd=project)
        ids = json.loads(output.strip().splitlines()[-1])
        log_path = work / "runserver.log"
        try:
            # Django's admin login page: the one page every new project serves.
            with serving(
                RUNSERVER, environment=os.environ, log_path=log_path, python=python,
                cwd=project, ready_path="/admin/login/",
            ) as server:  # fmt: skip
                exercise(server.url, ids, cached=database == "postgres", report=report)
            # The package logs Redis trouble as a warning and serves on: only the log shows.
            require(
                "marketplace cache unavailable" not in log_path.read_text(),
                "the marketplace reported Redis errors",
            )
            if database == "sqlite":
                report.append("no Redis contacted (cacheops pointed at a closed port)")
        except (SmokeError, RuntimeError, httpx.HTTPError) as failure:
            log = tail(log_path.read_text())
            raise SmokeError(f"{failure}\n--- runserver log ---\n{log}") from failure
    except SmokeError as failure:
        error = str(failure)
    finally:
        if database == "postgres" and python is not None and python.exists():
            try:
                fresh_postgres(python, create=False)
            except SmokeError as failure:
                error = error or f"cleanup: {failure}"
    return error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], action="append",
                        help="run only this database (repeatable); default: both")  # fmt: skip
    databases = parser.parse_args().database or ["postgres", "sqlite"]
    started, failed = time.monotonic(), False
    with tempfile.TemporaryDirectory(prefix="tutor-host-smoke-", ignore_cleanup_errors=True) as s:
        scratch = Path(s)
        try:
            wheels = build_distributions(scratch / "dist")
        except SmokeError as error:
            print(f"FAIL build / twine check: {error}", file=sys.stderr)
            return 1
        built = sorted(path.name for path in (scratch / "dist").iterdir())
        print(f"built and twine-checked: {', '.join(built)}")
        for database in databases:
            print(f"--- {database} host ---", flush=True)
            begun, report = time.monotonic(), []
            error = run_database(database, wheels, scratch, report)
            print(f"{database}: {'FAIL' if error else 'ok'} in {time.monotonic() - begun:.0f} s")
            print("\n".join(f"  - {step}" for step in report))
            if error:
                print(textwrap.indent(error, "  ! "))
            failed = failed or bool(error)
    print(f"host smoke {'FAILED' if failed else 'passed'} in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
