"""Contributor verbs for the django-tutor monorepo.

    nox -s tests             every package and the example project, PostgreSQL + Redis
    nox -s tests -k lessons  one package (``-k sqlite``: the SQLite runs)
    nox -s lint | docs | demo | frontend | bench | loadtest | perf | fuzz | faults

The test matrix follows django-allauth's noxfile: each package is tested against
Django 5.2 LTS (Python 3.11) and Django 6.1 (Python 3.13). ``DATABASE_URL`` and
``REDIS_URL`` point the tests at other servers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CORE = ROOT / "packages" / "django-tutor-core"
LESSONS = ROOT / "packages" / "django-tutor-lessons"
RELATIONS = ROOT / "packages" / "django-tutor-relations"
MARKETPLACE = ROOT / "packages" / "django-tutor-marketplace"
# import name of each package: its error table is generated into the docs
PACKAGES = {"lessons": LESSONS, "relations": RELATIONS, "marketplace": MARKETPLACE}
# Every package depends on django-tutor-core; installing it from here, in the same pip
# call, keeps pip from looking for it on an index.
CORE_INSTALL = ["-e", str(CORE)]
EXAMPLE = ROOT / "example_project"
# The packages' shared test host (settings, user models, pytest plugin): never published.
TESTING = ROOT / "testing"

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
# uv makes and fills a session's virtualenv in seconds; plain `pip install nox` (no uv)
# falls back to virtualenv and pip.
nox.options.default_venv_backend = "uv|virtualenv"


def _expose_pyenv_pythons() -> None:
    """Let ``python3.12``-style shims of pyenv resolve every installed interpreter.

    pyenv only runs a shim for the versions it is told to use; without this, nox
    finds ``python3.13`` on PATH but the shim refuses to start it. A ``PYENV_VERSION``
    that is already set (pyenv's own shim sets it when it starts nox) is kept first.
    """
    if not shutil.which("pyenv"):
        return
    chosen = [v for v in os.environ.get("PYENV_VERSION", "").split(":") if v]
    installed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    versions = chosen + [v for v in installed if v not in chosen]
    if versions:
        os.environ["PYENV_VERSION"] = ":".join(versions)


_expose_pyenv_pythons()

DJANGO = {"5.2": ("3.11", "django>=5.2,<5.3"), "6.1": ("3.13", "django>=6.1,<6.2")}
TEST_REQUIREMENTS = [
    "pytest>=8",
    "pytest-django>=4.9",
    "pytest-cov>=5",
    "factory-boy>=3.3",
    "redis>=5",  # Django's RedisCache, for the throttles
    "polib>=1.2",  # the example's translation test reads the .po catalogues
]
POSTGRES_DRIVER = "psycopg[binary]>=3.1.8"
# What a SQLite host must not need: the suite proves it by running without them.
POSTGRES_DRIVERS = ["psycopg", "psycopg-binary", "psycopg-c", "psycopg2", "psycopg2-binary"]
# Nor the optional extras: the SQLite runs are the minimal host (lessons' [orjson]).
OPTIONAL_EXTRAS = ["orjson"]
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"

# package: (where its tests run, what coverage measures, the gate, what it installs, the
# Redis database its tests use: each its own, as the marketplace suite flushes its own)
SUITES = {
    "core": (CORE, "tutor_core", 90, CORE_INSTALL, 5),
    "lessons": (
        LESSONS,
        "tutor_lessons",
        90,
        [*CORE_INSTALL, "-e", f"{LESSONS}[orjson]", f"-e{TESTING}"],
        1,
    ),
    "relations": (
        RELATIONS,
        "tutor_relations",
        90,
        [*CORE_INSTALL, "-e", str(RELATIONS), f"-e{TESTING}"],
        3,
    ),
    "marketplace": (
        MARKETPLACE,
        "tutor_marketplace",
        90,
        [*CORE_INSTALL, "-e", str(MARKETPLACE), f"-e{TESTING}", "hypothesis>=6.100"],
        4,
    ),
    "example": (
        EXAMPLE,
        "accounts",
        70,
        [
            *CORE_INSTALL,
            *(f"-e{path}" for path in PACKAGES.values()),
            "-r",
            str(EXAMPLE / "requirements.txt"),
        ],
        2,
    ),
}
# (package, Django, database). "sqlite" runs install no PostgreSQL driver at all, as a
# SQLite-only host; "uuiduser" runs on PostgreSQL with a UUID-keyed user model that has
# no is_active field (tutor_testing.uuidapp), as a host with another user model.
MATRIX = [
    ("core", "5.2", "postgres"),
    ("core", "6.1", "sqlite"),
    ("lessons", "5.2", "postgres"),
    ("lessons", "6.1", "postgres"),
    ("lessons", "5.2", "sqlite"),
    ("lessons", "6.1", "sqlite"),
    ("lessons", "6.1", "uuiduser"),
    ("relations", "5.2", "postgres"),
    ("relations", "6.1", "postgres"),
    ("relations", "6.1", "sqlite"),
    ("relations", "6.1", "uuiduser"),
    ("marketplace", "5.2", "postgres"),
    ("marketplace", "6.1", "postgres"),
    ("example", "5.2", "postgres"),
    ("example", "6.1", "postgres"),
]


def _database_url(session: nox.Session, package: str, database: str) -> str:
    if database == "sqlite":
        # A file, not memory: the race tests need one connection per request thread.
        return f"sqlite:///{Path(session.create_tmp()).resolve() / f'{package}.sqlite3'}"
    configured = os.environ.get("DATABASE_URL", "")
    # A sqlite:// DATABASE_URL left over from the demo must not turn these runs to SQLite.
    if configured.startswith("postgres"):
        return configured
    suffix = "_uuiduser" if database == "uuiduser" else ""
    return f"{POSTGRES}/tutor_{package}{suffix}"


@nox.session
@nox.parametrize(
    ("python", "package", "django", "database"),
    [(DJANGO[django][0], package, django, db) for package, django, db in MATRIX],
    ids=[f"{package}-django{django}-{db}" for package, django, db in MATRIX],
)
def tests(session: nox.Session, package: str, django: str, database: str) -> None:
    """Run one package's suite with coverage gates (packages 90 %, accounts 70 %)."""
    directory, measured, minimum, requirements, redis_db = SUITES[package]
    env = {
        "DATABASE_URL": _database_url(session, package, database),
        "REDIS_URL": os.environ.get("REDIS_URL", f"{REDIS}/{redis_db}"),
    }
    session.install(DJANGO[django][1], *TEST_REQUIREMENTS)
    session.install(*requirements)
    if database == "sqlite":
        # A reused virtualenv may still hold a driver from an older run of this noxfile.
        # A uv-made virtualenv has no pip: uv uninstalls there.
        if session.venv_backend == "uv":
            from nox.virtualenv import UV  # the uv nox itself uses

            uninstall = [UV, "pip", "uninstall", "--quiet", "--python", f"{session.bin}/python"]
        else:
            uninstall = ["python", "-m", "pip", "uninstall", "--quiet", "--yes"]
        session.run(*uninstall, *POSTGRES_DRIVERS, *OPTIONAL_EXTRAS, external=True)
        session.run("python", "-c", _NO_DRIVER_CHECK)
    else:
        session.install(POSTGRES_DRIVER)
    if database == "uuiduser":
        env["TUTOR_TEST_USER_MODEL"] = "uuid"
    session.chdir(directory)
    session.run(
        "pytest",
        f"--cov={measured}",
        f"--cov-fail-under={minimum}",
        # One "--opt=value" token each: a bare path would move pytest's rootdir to the root.
        f"--cov-config={ROOT / 'pyproject.toml'}",
        "--cov-report=term",
        *session.posargs,
        env=env,
    )


_NO_DRIVER_CHECK = """
import importlib.util, sys
found = [name for name in ("psycopg", "psycopg2", "orjson") if importlib.util.find_spec(name)]
sys.exit(f"a PostgreSQL driver or an optional extra is installed: {found}" if found else 0)
"""


# Every message catalogue (locale/uk/LC_MESSAGES/django.po and its compiled .mo): each
# package's, the accounts app's and the example config's (its LOCALE_PATHS).
CATALOGUES = [
    CORE / "src" / "tutor_core",
    *(path / "src" / f"tutor_{name}" for name, path in PACKAGES.items()),
    EXAMPLE / "accounts",
    EXAMPLE / "config",
]
LANGUAGES = ["uk"]


@nox.session(python="3.12")
def messages(session: nox.Session) -> None:
    """Regenerate every Ukrainian catalogue from the source and compile it.

    ``django-admin makemessages`` then ``compilemessages`` in each directory of
    ``CATALOGUES``: new strings arrive with an empty ``msgstr`` (a changed one may come
    back ``#, fuzzy``); translate them, drop the fuzzy flags, and run it again to compile
    the ``.mo`` files, which are committed. Needs GNU gettext (``apt-get install -y
    gettext``); the tests and CI do not (example_project/tests/test_translations.py).
    """
    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        session.error("nox -s messages needs GNU gettext: apt-get install -y gettext")
    session.install(DJANGO["5.2"][1])
    locales = [f"--locale={language}" for language in LANGUAGES]
    for directory in CATALOGUES:
        session.chdir(directory)
        (directory / "locale").mkdir(exist_ok=True)
        session.run(
            "django-admin",
            "makemessages",
            *locales,
            # File names only: line numbers would change the catalogue at every edit.
            "--add-location=file",
            "--no-obsolete",
            "--ignore=migrations/*",
        )
        session.run("django-admin", "compilemessages", *locales)


TYPE_CHECKERS = [
    "mypy>=1.13",
    "django-stubs[compatible-mypy]>=5.1",
    "djangorestframework-stubs>=3.15",
]


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and mypy over core and every package's source."""
    # Pinned to a minor release: new ruff minors add rules and formatter styles.
    session.install("ruff>=0.17,<0.18")
    session.run("ruff", "check", str(ROOT))
    session.run("ruff", "format", "--check", str(ROOT))
    # The django-stubs plugin reads the models through each package's test host.
    session.install(
        *TYPE_CHECKERS,
        *CORE_INSTALL,
        *(f"-e{path}" for path in PACKAGES.values()),
        f"-e{TESTING}",
        *TEST_REQUIREMENTS,
        "hypothesis>=6.100",
        POSTGRES_DRIVER,  # the test hosts' default database, which django.setup() loads
    )
    for directory in [CORE, *PACKAGES.values()]:
        session.chdir(directory)
        session.run(
            "mypy", f"--config-file={ROOT / 'pyproject.toml'}", "src", env={"PYTHONPATH": "."}
        )


def _install_example(session: nox.Session) -> None:
    packages = [f"-e{path}[postgres]" for path in PACKAGES.values()]
    session.install(*CORE_INSTALL, *packages, "-r", str(EXAMPLE / "requirements.txt"))


# The frontend dev servers' ports the demo's CORS allows by default (Vite, Create React App /
# Next.js, Vue CLI / webpack), on both names of the loopback address.
DEV_SERVER_ORIGINS = [
    f"http://{host}:{port}" for port in (5173, 3000, 8080) for host in ("localhost", "127.0.0.1")
]


def _serve_demo(session: nox.Session, **overrides: str) -> None:
    """Migrate, seed and serve the example project as the demo (``overrides`` win)."""
    _install_example(session)
    # Plain HTTP, throttles a frontend team's end-to-end suite that registers its own
    # users does not run into, and CORS for the usual local frontend dev servers (Vite,
    # Create React App / Next.js, Vue CLI / webpack); whatever the caller sets wins.
    defaults = {
        "DEBUG": "1",
        "THROTTLE_PROFILE": "development",
        "SECURE_SSL_REDIRECT": "0",
        "CORS_ALLOWED_ORIGINS": ",".join(DEV_SERVER_ORIGINS),
    }
    env = {name: os.environ.get(name, value) for name, value in defaults.items()}
    env.update(overrides)
    # DATABASE_URL=postgres://.../name: create that database when it is new.
    session.run("python", str(ROOT / "tools" / "create_database.py"))
    session.chdir(EXAMPLE)
    session.run("python", "manage.py", "migrate", "--noinput", env=env)
    session.run("python", "manage.py", "seed_demo", env=env)
    port = os.environ.get("PORT", "8000")
    session.log(f"Serving on http://127.0.0.1:{port}/api/docs/ (Ctrl+C stops)")
    session.run("python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", env=env)


@nox.session(python="3.12")
def demo(session: nox.Session) -> None:
    """Serve the example project with demo data on 127.0.0.1:${PORT:-8000} (SQLite default).

    DEBUG on and the development throttle profile (THROTTLE_PROFILE=production: strict);
    CORS allows frontend dev servers on localhost/127.0.0.1 ports 5173, 3000 and 8080.
    """
    _serve_demo(session)


@nox.session(python="3.12")
def bench(session: nox.Session) -> None:
    """Each package's benchmark, one run: the calendar, the relations batch, the listing.

    ``nox -s bench -- lessons`` (or relations, marketplace) runs one of them.
    """
    # redis: every endpoint is throttled, and the suites' settings keep throttles there.
    session.install(
        *CORE_INSTALL,
        *(f"-e{path}[postgres]" for path in PACKAGES.values()),
        f"-e{TESTING}",  # the benchmarks run on the suites' test settings
        "factory-boy>=3.3",
        "redis>=5",
        "gunicorn>=22.0",  # the listing is also measured served over HTTP
    )
    scripts = {
        "lessons": "bench_calendar.py",
        "relations": "bench_batch.py",
        "marketplace": "bench_listing.py",
    }
    chosen = [name for name in scripts if name in session.posargs] or list(scripts)
    for name in chosen:
        directory, _measured, _minimum, _requirements, redis_db = SUITES[name]
        session.chdir(directory)
        env = {
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"{POSTGRES}/tutor_bench_{name}"),
            "REDIS_URL": f"{REDIS}/{redis_db}",
        }
        session.log(f"--- {name} ---")
        session.run("python", f"benchmarks/{scripts[name]}", env=env)


def _write_schema(session: nox.Session, path: Path) -> None:
    """The example project's OpenAPI schema, validated, into ``path`` (run from ROOT)."""
    # The schema needs no database; sqlite:// keeps a DATABASE_URL from the shell out.
    session.run(
        "python",
        str(EXAMPLE / "manage.py"),
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(path),
        env={"DATABASE_URL": "sqlite://"},
    )


@nox.session(python="3.12")
def docs(session: nox.Session) -> None:
    """Build the docs site with mkdocs --strict, the API reference regenerated first."""
    _install_example(session)
    session.install("-r", str(ROOT / "docs" / "requirements.txt"))
    session.chdir(ROOT)
    (ROOT / "docs" / "reference").mkdir(exist_ok=True)
    _write_schema(session, ROOT / "docs" / "reference" / "openapi.yaml")
    # Each package's error table, from the registry its responses are built from.
    tables = "; ".join(
        f"Path('docs/reference/{name}-errors.md').write_text("
        f"import_module('tutor_{name}.errors').table())"
        for name in PACKAGES
    )
    session.run(
        "python",
        "example_project/manage.py",
        "shell",
        "--no-imports",
        "--command",
        f"from importlib import import_module; from pathlib import Path; {tables}",
        env={"DATABASE_URL": "sqlite://"},
    )
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session(python="3.12")
def loadtest(session: nox.Session) -> None:
    """Every endpoint at 10 and 30 locust users across two gunicorn instances.

    ``nox -s loadtest -- --duration 20 --levels 10``; see tools/loadtest.py.
    """
    _install_example(session)
    session.install("locust>=2.30")
    session.chdir(ROOT)
    session.run("python", "tools/loadtest.py", *session.posargs)


@nox.session(python="3.12")
def perf(session: nox.Session) -> None:
    """The request path beside a bare DRF floor, under gunicorn and wrk: req/s, p50/p95.

    ``nox -s perf -- --duration 8 --connections 30 --rounds 2``; ``-- --baseline main``
    also serves that commit's example project and measures both in the same rounds.
    Needs wrk on PATH (not a Python package); see tools/perf.py.
    """
    if not shutil.which("wrk"):
        session.error("nox -s perf needs wrk: apt-get install wrk (macOS: brew install wrk)")
    _install_example(session)
    session.install("httpx>=0.27")
    session.chdir(ROOT)
    session.run("python", "tools/perf.py", *session.posargs)


PGBOUNCER = Path("/usr/sbin/pgbouncer")


@nox.session(python="3.12")
def faults(session: nox.Session) -> None:
    """The example project as deployed, under faults; restarts PostgreSQL and Redis.

    pytest over example_project/fault_tests: gunicorn with 16 keep-alive clients while
    PostgreSQL, then Redis, restart (no 500, 503 only while PostgreSQL is down, every
    booking answered 201 stored and no other); the same load through PgBouncer in
    transaction mode; the demo (runserver) with 150 keep-alive clients, its database
    connections within its pool. Needs Debian's ``pgbouncer`` and root (``pg_ctlcluster``);
    ``FAULTS_POSTGRES_CLUSTER`` names the cluster when none is on ``DATABASE_URL``'s port.
    Arguments go to pytest: ``nox -s faults -- -k demo --phase-seconds 5``.
    """
    if not PGBOUNCER.exists() and not shutil.which("pgbouncer"):
        session.error("pgbouncer is missing: apt-get install -y pgbouncer")
    _install_example(session)
    session.chdir(EXAMPLE)
    session.run("pytest", "fault_tests", *session.posargs)


@nox.session(python="3.12")
def hostile(session: nox.Session) -> None:
    """The security review's hostile requests, each with its status, CPU, memory and body.

    pytest over example_project/hostile_tests: the example project under gunicorn (one
    worker, one thread) on a database of its own (``<DATABASE_URL's name>_hostile``) and
    Redis database 7 (``HOSTILE_REDIS_DATABASE``): oversized and deeply nested bodies,
    password guessing at ``/admin/login/``, ``seed_demo`` on a real database, account
    probing, cache flooding and flushing, unbounded growth. A test fails when a request
    breaks its promise (a 5xx, a body over 64 KB, an ERROR line, over a second of CPU,
    a status or effect other than the one named); the figures are printed at the end.
    Arguments go to pytest: ``nox -s hostile -- -k "autosave or admin"``.
    """
    _install_example(session)
    session.chdir(EXAMPLE)
    session.run("pytest", "hostile_tests", *session.posargs)


@nox.session(python="3.12")
def fuzz(session: nox.Session) -> None:
    """schemathesis over every operation of the example project, signed in as a demo tutor.

    The example project under gunicorn (DEBUG off, SECURE_SSL_REDIRECT=0, development
    throttles) on a new PostgreSQL database with the demo data, and Redis; see
    tools/fuzz.py. It fails on any of these checks, which hold whatever the data:

    - not_a_server_error: no 5xx;
    - status_code_conformance: every status is one the operation documents;
    - response_schema_conformance: every body matches its status's schema (each 400
      names a documented field and code);
    - content_type_conformance, response_headers_conformance: documented content types
      and headers (Retry-After on 429, ETag, X-Cache).

    Not run: positive_data_acceptance and negative_data_rejection (a schema-valid id of
    someone else's lesson is rightly a 404, a clashing slot a 409, and some lenient
    inputs are accepted on purpose), and the stateful or auth checks (use_after_free,
    ensure_resource_availability, ignored_auth, ...), which need links or a second user.

    Arguments go to ``schemathesis run``: ``nox -s fuzz -- --max-examples 200``; CI runs
    ``-- --max-examples 25 --seed 20261202``. ``PORT`` (default 8097) is where the server listens.
    """
    _install_example(session)
    session.install("schemathesis>=4.3,<5")
    session.chdir(ROOT)
    session.run("python", "tools/fuzz.py", *session.posargs)


@nox.session(python="3.12")
def host_smoke(session: nox.Session) -> None:
    """Install the built wheels into a new Django project, on PostgreSQL and on SQLite.

    ``nox -s host_smoke -- --database sqlite`` runs one database. See tools/host_smoke.py.
    """
    # Only what builds and checks the distributions: the host gets its own virtualenvs.
    session.install("build>=1.2", "twine>=5", "httpx>=0.27")
    session.chdir(ROOT)
    session.run("python", "tools/host_smoke.py", *session.posargs)


CHROMIUM = Path("/usr/bin/chromium")
FRONTEND = ROOT / "frontend"


@nox.session(python="3.12")
def browser(session: nox.Session) -> None:
    """Swagger UI, Redoc and the calendar page in headless Chromium against the example
    project under gunicorn.

    Needs Debian's Chromium (``apt-get install -y chromium chromium-driver``); Playwright
    drives it, and never downloads a browser of its own. See example_project/browser_tests.
    """
    if not CHROMIUM.exists():
        session.error(
            f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver "
            "(the browser test never downloads a browser of its own)"
        )
    if not shutil.which("npm"):
        session.error("npm is missing: install Node.js 20+ (Debian: apt-get install -y nodejs npm)")
    _install_example(session)
    # Only the Python package: its driver ships in the wheel; no `playwright install`.
    session.install("playwright>=1.50,<2")
    # The calendar page's dependencies (FullCalendar, Vite), pinned in package-lock.json;
    # its test builds the page from the current source (the calendar_page fixture).
    session.chdir(FRONTEND)
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        database_url = f"{POSTGRES}/tutor_browser"
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", f"{REDIS}/6"),
        "CHROMIUM": str(CHROMIUM),
    }
    session.chdir(EXAMPLE)
    session.run("pytest", "browser_tests", *session.posargs, env=env)


@nox.session(python="3.12")
def typescript(session: nox.Session) -> None:
    """The frontend contract: TypeScript types from the schema, a client checked by tsc --strict.

    Generates frontend/schema.yaml from the example project, lints it with Redocly CLI
    (frontend/redocly.yaml), generates frontend/src/schema.d.ts from it with
    openapi-typescript, then type-checks frontend/src (openapi-fetch) with tsc --strict:
    a schema change that would break the frontend fails here. Node.js 20+ and npm come
    from the machine; the npm packages are pinned in package-lock.json.

    ``nox -s typescript -- live`` then also runs the client (``frontend/story.mjs``)
    against the example project under gunicorn on PostgreSQL and Redis (tools/frontend_story.py).
    """
    if not shutil.which("npm"):
        session.error("npm is missing: install Node.js 20+ (Debian: apt-get install -y nodejs npm)")
    _install_example(session)
    session.chdir(ROOT)
    _write_schema(session, FRONTEND / "schema.yaml")
    session.chdir(FRONTEND)
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run("npm", "run", "--silent", "generate", external=True)
    # Redocly's rules (frontend/redocly.yaml): no error, no example its schema refuses.
    session.run("npm", "run", "--silent", "lint:schema", external=True)
    session.run("npm", "run", "--silent", "typecheck", "--", "--strict", external=True)
    if "live" in session.posargs:
        session.run("npm", "run", "--silent", "build", external=True)
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url.startswith("postgres"):
            database_url = f"{POSTGRES}/tutor_frontend"
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", f"{REDIS}/7"),
        }
        session.run("python", str(ROOT / "tools" / "frontend_story.py"), env=env)


@nox.session(python="3.12")
def frontend(session: nox.Session) -> None:
    """The calendar page (frontend/calendar, FullCalendar) on its own origin beside the demo.

    Builds the page with Vite (``npm ci``, ``npm run build:calendar``, the API's URL
    baked in as VITE_API_URL), serves ``frontend/dist/calendar`` with ``python -m
    http.server`` on 127.0.0.1:${FRONTEND_PORT:-5173}, and the demo as ``nox -s demo``
    does on 127.0.0.1:${PORT:-8000} (SQLite unless DATABASE_URL says otherwise), its
    CORS_ALLOWED_ORIGINS with the page's origin added. Open the printed URL and sign in
    as a demo user (olena / demo-pass-123). Ctrl+C stops both.
    """
    if not shutil.which("npm"):
        session.error("npm is missing: install Node.js 20+ (Debian: apt-get install -y nodejs npm)")
    port = os.environ.get("PORT", "8000")
    page_port = os.environ.get("FRONTEND_PORT", "5173")
    api = f"http://127.0.0.1:{port}"
    origin = f"http://127.0.0.1:{page_port}"
    session.chdir(FRONTEND)
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    session.run(
        "npm", "run", "--silent", "build:calendar", env={"VITE_API_URL": api}, external=True
    )
    origins = os.environ.get("CORS_ALLOWED_ORIGINS", ",".join(DEV_SERVER_ORIGINS)).split(",")
    cors = ",".join([*(item for item in origins if item and item != origin), origin])
    site = subprocess.Popen(
        [sys.executable, "-m", "http.server", page_port, "--bind", "127.0.0.1"],
        cwd=FRONTEND / "dist" / "calendar",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        session.log(f"The calendar: {origin}/ (sign in as olena / demo-pass-123), API {api}")
        _serve_demo(session, CORS_ALLOWED_ORIGINS=cors)
    finally:
        site.terminate()
        site.wait(timeout=15)
