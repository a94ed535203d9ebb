"""The settings of the minimal host each package's own test suite runs in.

A package's ``tests/settings.py`` starts from :func:`host_settings` and adds only what
is its own (its ``TUTOR_*`` dict, its URLconf, its enums in the schema)::

    globals().update(host_settings("tutor_lessons", redis_db=1))

``DATABASE_URL`` picks the database (PostgreSQL by default, ``sqlite://`` or
``sqlite:////abs/path`` for a SQLite file), ``REDIS_URL`` the Redis cache, and
``TUTOR_TEST_USER_MODEL=uuid`` the user model with a UUID key and no ``is_active``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any
from urllib.parse import SplitResult, urlsplit

_ERRORS = "drf_standardized_errors.openapi_serializers"
# as drf-standardized-errors' docs recommend
_ERROR_ENUMS = {
    name: f"{_ERRORS}.{name}.choices"
    for name in (
        "ValidationErrorEnum",
        "ClientErrorEnum",
        "ServerErrorEnum",
        *(f"ErrorCode{status}Enum" for status in (401, 403, 404, 405, 406, 415, 429, 500)),
    )
}


def host_settings(
    app: str,
    *,
    redis_db: int,
    apps: tuple[str, ...] = (),
    postgres_app: bool = False,
    basic_auth_first: bool = False,
    enum_overrides: dict[str, str] | None = None,
    version: str = "0.9.0",
) -> dict[str, Any]:
    """Every setting of the test host of ``app`` (an import name such as ``tutor_lessons``).

    ``redis_db`` is the Redis database when ``REDIS_URL`` is unset; ``apps`` are
    installed before ``app``; ``postgres_app`` adds ``django.contrib.postgres`` on
    PostgreSQL (a SQLite host has no driver for it to import); ``basic_auth_first``
    makes a request without credentials a 401 with ``WWW-Authenticate`` instead of a
    403; ``enum_overrides`` name the package's enums in the schema.
    """
    name = app.removeprefix("tutor_")
    databases = _databases(
        urlsplit(os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{app}")),
        default_name=app,
    )
    # TUTOR_TEST_USER_MODEL=uuid: a user with a UUID key and no ``is_active`` field.
    user_app = "uuidapp" if os.environ.get("TUTOR_TEST_USER_MODEL") == "uuid" else "testapp"
    installed_apps = [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "rest_framework",
        "drf_spectacular",
        "drf_standardized_errors",
        *apps,
        app,
        f"tutor_testing.{user_app}",
    ]
    if postgres_app and databases["default"]["ENGINE"].endswith("postgresql"):
        installed_apps.append("django.contrib.postgres")
    authentication = [
        "rest_framework.authentication.SessionAuthentication",
        # The concurrency tests talk real HTTP to a live server with it.
        "rest_framework.authentication.BasicAuthentication",
    ]
    if basic_auth_first:
        # The first class answers the challenge: a request without credentials is a
        # 401 with WWW-Authenticate, as under a host's token authentication.
        authentication.reverse()
    return {
        "DATABASES": databases,
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"),
            }
        },
        "SECRET_KEY": f"tutor-{name}-tests",
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "ROOT_URLCONF": "tests.urls",
        "ALLOWED_HOSTS": ["127.0.0.1", "testserver"],
        "USER_APP": user_app,
        "AUTH_USER_MODEL": "uuidapp.UuidPerson" if user_app == "uuidapp" else "testapp.Person",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "INSTALLED_APPS": installed_apps,
        "MIDDLEWARE": [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        "REST_FRAMEWORK": {
            "DEFAULT_AUTHENTICATION_CLASSES": authentication,
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
            "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
        },
        "SPECTACULAR_SETTINGS": {
            "TITLE": f"django-tutor-{name}",
            "VERSION": version,
            "COMPONENT_SPLIT_REQUEST": True,
            "ENUM_NAME_OVERRIDES": {**_ERROR_ENUMS, **(enum_overrides or {})},
            "POSTPROCESSING_HOOKS": [
                "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
            ],
        },
    }


def _databases(url: SplitResult, *, default_name: str) -> dict[str, dict[str, Any]]:
    if url.scheme.startswith("sqlite"):
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                # Always a file, never memory: the race tests need one connection per
                # request thread. sqlite:////abs/path names it; sqlite:// picks a temp file.
                "NAME": url.path[1:] or ":memory:",
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
                "TEST": {
                    "NAME": url.path[1:]
                    or os.path.join(
                        tempfile.gettempdir(), f"{default_name}_tests_{os.getpid()}.sqlite3"
                    )
                },
            }
        }
    database_name = url.path.lstrip("/") or default_name
    return {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database_name,
            "USER": url.username or "postgres",
            "PASSWORD": url.password or "",
            "HOST": url.hostname or "127.0.0.1",
            "PORT": url.port or 5432,
            # Not Django's "test_" prefix: every database of a suite starts with the name
            # it was given (tutor_lessons...), so a server shared by several runs can give
            # each its own prefix.
            "TEST": {"NAME": f"{database_name}_test"},
        }
    }
