"""Settings of the django-tutor example project, read from the environment.

| variable                          | default                                        |
|-----------------------------------|------------------------------------------------|
| DEBUG                             | off; "1", "true", "yes", "on" turn it on       |
| SECRET_KEY                        | an insecure development key, only if DEBUG     |
| ALLOWED_HOSTS                     | "127.0.0.1,localhost" (comma-separated)        |
| CSRF_TRUSTED_ORIGINS              | none (comma-separated origins)                 |
| CORS_ALLOWED_ORIGINS              | none: browsers on other origins get no access  |
| DATABASE_URL                      | sqlite:///<example_project>/db.sqlite3         |
| CONN_MAX_AGE                      | 60 (seconds a connection is reused); runserver: 0 |
| CONN_HEALTH_CHECKS                | off; on: a "SELECT 1" before each request's use  |
| DATABASE_POOL_SIZE                | 0: no pool; runserver on PostgreSQL: 4         |
| DATABASE_POOL_TIMEOUT             | 10 (seconds a request waits for a pooled one)  |
| DATABASE_CONNECT_TIMEOUT          | 5 (seconds, PostgreSQL)                        |
| DATABASE_STATEMENT_TIMEOUT        | 15000 (ms a statement may run; 0: no limit)    |
| PGBOUNCER                         | off; on: behind PgBouncer in transaction mode  |
| REDIS_URL                         | unset: a per-process in-memory cache           |
|                                   | rediss://…: TLS (ssl_* query parameters)       |
| LOG_LEVEL                         | INFO                                           |
| TRUSTED_PROXY_COUNT               | 0: throttles key on the socket address         |
| THROTTLE_PROFILE                  | "production"; "development" for the demo       |
| AUTH_REGISTER_THROTTLE_RATE       | 20/hour per address (development: 1000/min)    |
| AUTH_TOKEN_THROTTLE_RATE          | 30/min per address (development: 1000/min)     |
| AUTH_ME_THROTTLE_RATE             | 300/min per user (development: 6000/min)       |
| TUTOR_LESSONS_WRITE_THROTTLE_RATE | 60/min per user (development: 1000/min)        |
| TUTOR_LESSONS_READ_THROTTLE_RATE  | 600/min per user (development: 6000/min)       |
| SCHEMA_THROTTLE_RATE              | 30/min per address (development: 600/min)     |
| ADMIN_LOGIN_THROTTLE_RATE         | 10/min per address (development: 100/min)      |
| ADMIN_LOGIN_USERNAME_THROTTLE_RATE| 30/hour per username (development: 1000/hour)  |
| SECURE_SSL_REDIRECT               | on unless DEBUG                                |
| SECURE_HSTS_SECONDS               | 31536000 (a year) unless DEBUG, else 0         |
| SECURE_HSTS_INCLUDE_SUBDOMAINS    | on unless DEBUG                                |
| SECURE_HSTS_PRELOAD               | on unless DEBUG                                |
| SESSION_COOKIE_SECURE             | on unless DEBUG                                |
| CSRF_COOKIE_SECURE                | on unless DEBUG                                |
| SECURE_PROXY_SSL_HEADER           | unset; e.g. "X-Forwarded-Proto: https"         |

A throttle rate is a DRF rate, "<count>/<s|min|hour|day>". The profile picks the
defaults; a rate's own variable wins over both profiles. ``PROMETHEUS_MULTIPROC_DIR``
switches ``/metrics`` to multi-process mode (see ``config/gunicorn.conf.py``).
docs/deploying.md explains each group.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from redis import ConnectionPool
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.logging import JSON_FORMATTER
from config.postgresql.liveness import check_pooled_connection

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, *, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_count(name: str, *, default: int) -> int:
    """A whole number >= 0 from the environment; anything else stops the start-up."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number >= 0, not {value!r}.")
    return int(value)


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """``"X-Forwarded-Proto: https"`` as Django's ``("HTTP_X_FORWARDED_PROTO", "https")``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, _, expected = (part.strip() for part in value.partition(":"))
    if not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ImproperlyConfigured(
            f"{name} must look like 'X-Forwarded-Proto: https', not {value!r}."
        )
    return "HTTP_" + header.upper().replace("-", "_"), expected or "https"


# An origin as a browser sends it in ``Origin``: a lower-case scheme and host, the port
# only when it is not the scheme's default, and nothing after it. django-cors-headers
# compares scheme and host:port literally, so anything else would never match.
ORIGIN = re.compile(
    r"(?P<scheme>https?)://"
    r"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


def env_origins(name: str) -> list[str]:
    """Comma-separated ``scheme://host[:port]`` origins; a malformed one stops the start-up."""
    origins = env_list(name, default="")
    for origin in origins:
        match = ORIGIN.fullmatch(origin)
        if match is None or int(match["port"] or 1) > 65535:
            raise ImproperlyConfigured(
                f"{name} must list origins such as 'https://app.example.com' or "
                f"'http://localhost:5173' (scheme://host[:port], lower case, no path), "
                f"not {origin!r}."
            )
        if match["port"] == DEFAULT_PORTS[match["scheme"]]:
            raise ImproperlyConfigured(
                f"{name}: a browser sends {origin!r} without its default port; "
                f"write {origin.rsplit(':', 1)[0]!r}."
            )
    return origins


DEBUG = env_flag("DEBUG")

# Without DEBUG there is no fallback: an empty SECRET_KEY makes Django refuse, at the
# first use (sessions, signing), to run with a guessable key.
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "django-insecure-example-project-development-only" if DEBUG else ""
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default="127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default="")

# --- HTTPS --------------------------------------------------------------------------

# Without DEBUG the project expects HTTPS end to end (``check --deploy`` is clean);
# plain-HTTP runs (the tests, the load test, the demo) turn the redirect off.
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_count("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_flag("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_flag("CSRF_COOKIE_SECURE", default=not DEBUG)
# Behind a TLS-terminating proxy Django sees plain HTTP: name the header the proxy
# sets, or the SSL redirect loops. Never set it without such a proxy in front.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "corsheaders",
    "accounts",
    "django_filters",  # the marketplace listing's filters
    "tutor_lessons",
    "tutor_relations",
    "tutor_marketplace",
]

MIDDLEWARE = [
    # First, so that its single access line covers everything below, static files too.
    "config.middleware.AccessLogMiddleware",
    "config.metrics.PrometheusMiddleware",
    # As high as django-cors-headers asks, before anything that can answer: a preflight
    # is answered here (never reaching authentication or the throttles), and the access
    # log and metrics above still record it. Above ApiErrorMiddleware, not below: that
    # one replaces Django's error pages under /api/ with new responses, which would drop
    # the CORS headers set below it, and a frontend could not read the JSON error.
    "corsheaders.middleware.CorsMiddleware",
    # /healthz and /readyz, before any middleware that checks the host or redirects.
    "config.health.HealthCheckMiddleware",
    # Before every middleware that can fail a request (a bad Host fails in
    # SecurityMiddleware and CommonMiddleware), after those that record the status.
    "config.errors.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of every message from Accept-Language (English or Ukrainian, SPEC
    # §0): after the session, before CommonMiddleware, as Django's docs place it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Password guessing at /admin/login/: a 429 before the form is read or a hash made.
    "config.admin_login.AdminLoginThrottleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Cross-origin browser clients (django-cors-headers) -------------------------------

# A frontend on another origin (a dev server on localhost:5173, app.example.com) calls
# the API with ``Authorization: Token ...``. None is allowed unless named; the demo names
# the usual local dev servers (``nox -s demo``).
CORS_ALLOWED_ORIGINS = env_origins("CORS_ALLOWED_ORIGINS")
# Only the API: the admin, the metrics and the static files stay same-origin.
CORS_URLS_REGEX = r"^/api/"
# Beside django-cors-headers' defaults (authorization, content-type, ...), the request
# headers the API reads. Accept-Language is CORS-safelisted only for plain values.
CORS_ALLOW_HEADERS = (
    *default_cors_headers,
    "accept-language",
    "idempotency-key",  # tutor_relations' writes
    "if-match",  # tutor_marketplace's autosaved draft
    "x-request-id",  # the access log, tutor_relations' request id
)
# The response headers a frontend reads, beyond the CORS-safelisted ones.
CORS_EXPOSE_HEADERS = ["ETag", "Idempotent-Replayed", "Retry-After", "X-Cache", "X-Request-ID"]
# Chromium keeps a preflight at most two hours, whatever is asked for.
CORS_PREFLIGHT_MAX_AGE = 7200
# Tokens travel in a header, not in cookies: no credentialed (cookie) requests, so a
# page on another origin can never ride a session cookie of the admin or the API docs.
CORS_ALLOW_CREDENTIALS = False

# --- Database -----------------------------------------------------------------------

# Django's development server runs a thread per open client connection: with persistent
# connections each idle keep-alive client would hold a database connection (Django's
# docs say not to combine them). Under runserver the default is therefore no persistent
# connections, and on PostgreSQL a small pool that every thread borrows from.
SERVING_WITH_RUNSERVER = sys.argv[1:2] == ["runserver"]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_count("CONN_MAX_AGE", default=0 if SERVING_WITH_RUNSERVER else 60),
        # Off by default: it costs a "SELECT 1" round trip on every request that uses
        # the database, and on PostgreSQL config.postgresql already replaces a connection
        # the server closed (a restart, an idle timeout) before the request uses it.
        conn_health_checks=env_flag("CONN_HEALTH_CHECKS"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue
    # (up to ``timeout`` seconds) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # tutor_lessons' exclusion constraints need it on PostgreSQL (Django's postgres.E005).
    INSTALLED_APPS.append("django.contrib.postgres")
    _options: dict[str, object] = DATABASES["default"].setdefault("OPTIONS", {})
    # A server that does not answer costs a request this long, not the OS's minutes.
    _options["connect_timeout"] = env_count("DATABASE_CONNECT_TIMEOUT", default=5)
    # Behind PgBouncer in transaction mode: no server-side cursors (a cursor would
    # outlive its transaction's server connection), no startup options (PgBouncer
    # refuses "options"; set statement_timeout on the role instead). Django already
    # turns psycopg's prepared statements off (prepare_threshold=None).
    PGBOUNCER = env_flag("PGBOUNCER")
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = PGBOUNCER
    # Milliseconds any one statement may run before PostgreSQL cancels it (a 503); 0
    # turns it off, e.g. for a long ``migrate``: DATABASE_STATEMENT_TIMEOUT=0.
    DATABASE_STATEMENT_TIMEOUT = env_count("DATABASE_STATEMENT_TIMEOUT", default=15_000)
    if DATABASE_STATEMENT_TIMEOUT and not PGBOUNCER:
        _options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT}"
    # DATABASE_POOL_SIZE=n: the connections a process holds at most, lent to its threads
    # per request (psycopg's pool; persistent connections then stay off). Under
    # runserver it defaults to 4, so the demo holds at most 4 however many clients.
    _pool_size = env_count("DATABASE_POOL_SIZE", default=4 if SERVING_WITH_RUNSERVER else 0)
    if _pool_size:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _options["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            # A thread waits this long for a connection, then answers 503.
            "timeout": env_count("DATABASE_POOL_TIMEOUT", default=10),
            # A pooled connection the server closed is replaced before it is lent.
            "check": check_pooled_connection,
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# Every Redis client of the project (the throttles' cache, the listing cache) waits at
# most this long to connect and for an answer, and never retries.
REDIS_SOCKET_TIMEOUT = 0.25


def redis_cache(url: str) -> dict[str, object]:
    """The ``CACHES`` entry of a Redis at ``url``: what the throttles count in."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "tutor",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # Only the throttles keep their counts here. While Redis is down or silent
            # they let requests through (each failure logged at ERROR by
            # django_redis.cache) instead of failing every API request with a 500, and a
            # silent Redis costs a bounded timeout, not a hang (SPEC §3.1: the listing
            # is still served).
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            # redis-py retries with backoff by default: not on a request path.
            "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 0)},
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users --------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    # A password over 128 characters (the API refuses one earlier, before hashing).
    {"NAME": "accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------------

LANGUAGE_CODE = "en-us"
# The platform's languages (SPEC §0): English and Ukrainian.
LANGUAGES = [("en", "English"), ("uk", "Українська")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The example config's own messages (config.errors, config.admin_login); the apps'
# catalogues (accounts, the packages) are found in their own locale/ directories.
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]

# --- Static files -------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the Swagger UI / Redoc assets (drf-spectacular-sidecar) and the
# docs fonts straight from the finders, so gunicorn with DEBUG off needs no
# collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# ...which makes a missing STATIC_ROOT (no collectstatic run) normal, not worth a warning.
warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

# --- Throttles ----------------------------------------------------------------------

# Production limits are strict; the demo (``nox -s demo``) runs the development
# profile so that a frontend team's end-to-end suite can register its own users.
THROTTLE_PROFILES = {
    "production": {
        "AUTH_REGISTER_THROTTLE_RATE": "20/hour",
        "AUTH_TOKEN_THROTTLE_RATE": "30/min",
        "AUTH_ME_THROTTLE_RATE": "300/min",
        "ADMIN_LOGIN_THROTTLE_RATE": "10/min",
        "ADMIN_LOGIN_USERNAME_THROTTLE_RATE": "30/hour",
        "SCHEMA_THROTTLE_RATE": "30/min",
        "TUTOR_LESSONS_WRITE_THROTTLE_RATE": "60/min",
        "TUTOR_LESSONS_READ_THROTTLE_RATE": "600/min",
        "TUTOR_RELATIONS_WRITE_THROTTLE_RATE": "60/min",
        "TUTOR_RELATIONS_READ_THROTTLE_RATE": "600/min",
        "TUTOR_MARKETPLACE_WRITE_THROTTLE_RATE": "60/min",
        "TUTOR_MARKETPLACE_READ_THROTTLE_RATE": "600/min",
        "TUTOR_MARKETPLACE_AUTOSAVE_THROTTLE_RATE": "240/min",
    },
    "development": {
        "AUTH_REGISTER_THROTTLE_RATE": "1000/min",
        "AUTH_TOKEN_THROTTLE_RATE": "1000/min",
        "AUTH_ME_THROTTLE_RATE": "6000/min",
        "ADMIN_LOGIN_THROTTLE_RATE": "100/min",
        "ADMIN_LOGIN_USERNAME_THROTTLE_RATE": "1000/hour",
        "SCHEMA_THROTTLE_RATE": "600/min",
        "TUTOR_LESSONS_WRITE_THROTTLE_RATE": "1000/min",
        "TUTOR_LESSONS_READ_THROTTLE_RATE": "6000/min",
        "TUTOR_RELATIONS_WRITE_THROTTLE_RATE": "1000/min",
        "TUTOR_RELATIONS_READ_THROTTLE_RATE": "6000/min",
        "TUTOR_MARKETPLACE_WRITE_THROTTLE_RATE": "1000/min",
        "TUTOR_MARKETPLACE_READ_THROTTLE_RATE": "6000/min",
        "TUTOR_MARKETPLACE_AUTOSAVE_THROTTLE_RATE": "6000/min",
    },
}
THROTTLE_PROFILE = os.environ.get("THROTTLE_PROFILE", "").strip() or "production"
if THROTTLE_PROFILE not in THROTTLE_PROFILES:
    raise ImproperlyConfigured(
        f"THROTTLE_PROFILE must be one of {', '.join(THROTTLE_PROFILES)}, not {THROTTLE_PROFILE!r}."
    )
# DRF's own parser reads only the count and the period's first letter.
DRF_RATE = re.compile(r"\d+/[smhd][a-z]*")


def throttle_rate(name: str) -> str:
    """The rate from its own variable, else from the throttle profile."""
    rate = os.environ.get(name, "").strip() or THROTTLE_PROFILES[THROTTLE_PROFILE][name]
    if not DRF_RATE.fullmatch(rate):
        # Checked here: DRF would only fail at the first throttled request.
        raise ImproperlyConfigured(f"{name} must be a DRF rate such as '60/min', not {rate!r}.")
    return rate


# --- Django REST framework ----------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's TokenAuthentication with its lookup's SQL built once (accounts.authentication).
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # drf-standardized-errors' AutoSchema, plus Retry-After on every 429 and the "Not
    # signed in" example on every 401 (the packages' views use it too).
    "DEFAULT_SCHEMA_CLASS": "tutor_core.api.schema.AutoSchema",
    # orjson renders the same compact UTF-8 JSON as DRF's renderer, several times faster
    # (a 500-lesson calendar: about 2 ms less a request).
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's JSONParser, but a too deeply nested body is a 400, not a 500.
        "tutor_core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The per-address throttles key on the socket address (0), or on the address the
    # outermost of n trusted proxies saw; never on what a client wrote in X-Forwarded-For.
    "NUM_PROXIES": env_count("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "auth_register": throttle_rate("AUTH_REGISTER_THROTTLE_RATE"),
        "auth_token": throttle_rate("AUTH_TOKEN_THROTTLE_RATE"),
        "auth_me": throttle_rate("AUTH_ME_THROTTLE_RATE"),
        # config.admin_login: the admin's sign-in form, per address and per username.
        "admin_login": throttle_rate("ADMIN_LOGIN_THROTTLE_RATE"),
        "admin_login_username": throttle_rate("ADMIN_LOGIN_USERNAME_THROTTLE_RATE"),
        # config.schema_view: GET /api/schema/, per address (or user).
        "schema": throttle_rate("SCHEMA_THROTTLE_RATE"),
    },
}

# Django's own request errors raised inside DRF views (a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE) get their own code instead of a 500.
# An error body lists at most config.errors.MAX_ERRORS errors, flattened in linear time.
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "config.errors.ApiExceptionHandler",
    "EXCEPTION_FORMATTER_CLASS": "config.errors.BoundedExceptionFormatter",
}

_STANDARDIZED_ERRORS = "drf_standardized_errors.openapi_serializers"

SPECTACULAR_SETTINGS = {
    "TITLE": "django-tutor API",
    "DESCRIPTION": (
        "Lessons and scheduling, tutor-student relations and the tutor marketplace. "
        "Authenticate with "
        "`Authorization: Token <token>` (from `POST /api/auth/token/`). Every error has "
        'one shape: `{"type": ..., "errors": [{"code", "detail", "attr"}]}`.'
    ),
    "VERSION": "0.9.0",
    "LICENSE": {"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"},
    # Relative: the API answers on whatever origin serves this schema.
    "SERVERS": [{"url": "/"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl=None keeps Swagger UI from calling the public validator service.
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "validatorUrl": None,
    },
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "Roboto, sans-serif",
                "headings": {"fontFamily": "Montserrat, sans-serif"},
            }
        }
    },
    # drf-standardized-errors' error enums get stable component names.
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": f"{_STANDARDIZED_ERRORS}.ValidationErrorEnum.choices",
        "ClientErrorEnum": f"{_STANDARDIZED_ERRORS}.ClientErrorEnum.choices",
        "ServerErrorEnum": f"{_STANDARDIZED_ERRORS}.ServerErrorEnum.choices",
        "ErrorCode401Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode401Enum.choices",
        "ErrorCode403Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode403Enum.choices",
        "ErrorCode404Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode404Enum.choices",
        "ErrorCode405Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode405Enum.choices",
        "ErrorCode406Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode406Enum.choices",
        "ErrorCode415Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode415Enum.choices",
        "ErrorCode429Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode429Enum.choices",
        "ErrorCode500Enum": f"{_STANDARDIZED_ERRORS}.ErrorCode500Enum.choices",
        "RelationStatusEnum": "tutor_relations.models.RELATION_STATUS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        # Error fields of list items carry their real index, not the literal "INDEX".
        "config.schema.indexed_error_attributes",
        # Django's refusals before any view (too many fields): a 400 bad_request.
        "config.schema.request_errors",
        # A database that cannot serve: a 503 service_unavailable on every operation.
        "config.schema.service_unavailable",
    ],
}

# --- Reusable apps ------------------------------------------------------------------

# Every package's throttles count in Redis atomically, in one round trip
# (config.throttling); on the in-memory cache they are DRF's own.
ATOMIC_THROTTLE = "config.throttling.AtomicUserRateThrottle"

# django-tutor-lessons. The defaults suit this project: a user's zone is read from
# ``accounts.User.timezone`` and the authenticated user who creates a lesson is its tutor.
TUTOR_LESSONS: dict[str, object] = {
    # "USER_TIMEZONE": "tutor_lessons.policies.user_timezone_attribute",
    # A tutor schedules lessons only with a student in an active relation (else 403).
    "SCHEDULING_POLICY": "accounts.hooks.tutor_has_active_relation",
    # Lessons name their tutor and student by the display name, as the other packages do;
    # the calendar's one query reads that field alone of each.
    "USER_DISPLAY_NAME": "accounts.hooks.display_name",
    "USER_LISTED_FIELDS": ["display_name"],
    "WRITE_THROTTLE_RATE": throttle_rate("TUTOR_LESSONS_WRITE_THROTTLE_RATE"),
    "READ_THROTTLE_RATE": throttle_rate("TUTOR_LESSONS_READ_THROTTLE_RATE"),
    "THROTTLE_BASE_CLASS": ATOMIC_THROTTLE,
}
# django-tutor-relations.
TUTOR_RELATIONS: dict[str, object] = {
    "USER_DISPLAY_NAME": "accounts.hooks.display_name",
    # A student may ask only a tutor the marketplace lists (a published profile).
    "TUTOR_ELIGIBILITY": "accounts.hooks.published_tutors",
    "WRITE_THROTTLE_RATE": throttle_rate("TUTOR_RELATIONS_WRITE_THROTTLE_RATE"),
    "READ_THROTTLE_RATE": throttle_rate("TUTOR_RELATIONS_READ_THROTTLE_RATE"),
    "THROTTLE_BASE_CLASS": ATOMIC_THROTTLE,
}


def cacheops_redis(url: str) -> dict[str, object]:
    """``CACHEOPS_REDIS`` for a Redis at ``url``: the marketplace listing cache's client.

    redis-py reads the URL, as django-redis does for the throttles' cache
    (``ConnectionPool.from_url``): ``rediss://`` speaks TLS with the ``ssl_*`` query
    parameters (``ssl_cert_reqs``, ``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``),
    and the user name, password and database come along. cacheops passes the dict to
    ``redis.Redis``, which uses the pool as it is.
    """
    pool = ConnectionPool.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    return {"connection_pool": pool}


# django-tutor-marketplace. Its listing cache lives in Redis (through django-cacheops'
# client, with short socket timeouts and no retries, so that a Redis outage costs a
# request no more than ~0.25 s); without REDIS_URL (the demo's default) it is off.
CACHEOPS_REDIS = cacheops_redis(REDIS_URL or "redis://127.0.0.1:6379/0")
CACHEOPS: dict[str, object] = {}  # no automatic queryset caching
TUTOR_MARKETPLACE: dict[str, object] = {
    "USER_DISPLAY_NAME": "accounts.hooks.display_name",
    # What the listing shows of a user: saving one of these invalidates it.
    "USER_LISTED_FIELDS": ["is_active", "display_name"],
    "CACHE_ENABLED": bool(REDIS_URL),
    # Off by default (SPEC §3.1, planned for v1.0): relation changes do not touch the
    # listing. MARKETPLACE_INVALIDATE_ON_RELATIONS=1 connects the relations signal.
    "INVALIDATE_ON_SIGNALS": (
        ["tutor_relations.signals.relation_status_changed"]
        if env_flag("MARKETPLACE_INVALIDATE_ON_RELATIONS")
        else []
    ),
    "READ_THROTTLE_RATE": throttle_rate("TUTOR_MARKETPLACE_READ_THROTTLE_RATE"),
    "WRITE_THROTTLE_RATE": throttle_rate("TUTOR_MARKETPLACE_WRITE_THROTTLE_RATE"),
    "AUTOSAVE_THROTTLE_RATE": throttle_rate("TUTOR_MARKETPLACE_AUTOSAVE_THROTTLE_RATE"),
    "THROTTLE_BASE_CLASS": ATOMIC_THROTTLE,
}

# --- Logging ------------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

# One JSON object per line on stdout. The access line comes from
# config.middleware.AccessLogMiddleware alone: runserver's ``django.server`` line is
# dropped and ``django.request`` keeps only 5xx (with the traceback).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "stdout": {
            "class": "config.logging.StdoutHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "tutor_lessons": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "tutor_relations": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "tutor_marketplace": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "config.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "config.database": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "config.health": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
