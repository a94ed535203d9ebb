"""Settings for the package's own test suite: a minimal host with a custom user model.

``DATABASE_URL`` picks the database (PostgreSQL by default, ``sqlite://`` for SQLite) and
``REDIS_URL`` the cache the throttles use.
"""

import os
import tempfile
from urllib.parse import urlsplit

_database_url = urlsplit(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_relations")
)
if _database_url.scheme.startswith("sqlite"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            # Always a file, never memory: the race tests need one connection per
            # request thread. sqlite:////abs/path names it; sqlite:// picks a temp file.
            "NAME": _database_url.path[1:] or ":memory:",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
            "TEST": {
                "NAME": _database_url.path[1:]
                or os.path.join(
                    tempfile.gettempdir(), f"tutor_relations_tests_{os.getpid()}.sqlite3"
                )
            },
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _database_url.path.lstrip("/") or "tutor_relations",
            "USER": _database_url.username or "postgres",
            "PASSWORD": _database_url.password or "",
            "HOST": _database_url.hostname or "127.0.0.1",
            "PORT": _database_url.port or 5432,
            # Not Django's "test_" prefix: every database of this suite starts with the
            # name it was given (tutor_relations...).
            "TEST": {"NAME": (_database_url.path.lstrip("/") or "tutor_relations") + "_test"},
        }
    }

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    }
}

SECRET_KEY = "tutor-lessons-tests"
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.testapp.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
# TUTOR_TEST_USER_MODEL=uuid: a user with a UUID key and no ``is_active`` field.
USER_APP = "uuidapp" if os.environ.get("TUTOR_TEST_USER_MODEL") == "uuid" else "testapp"
AUTH_USER_MODEL = "uuidapp.UuidPerson" if USER_APP == "uuidapp" else "testapp.Person"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "drf_spectacular",
    "drf_standardized_errors",
    "tutor_relations",
    f"tests.{USER_APP}",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

# Throttles on, but roomy enough for the races; tests that need a 429 lower them.
TUTOR_RELATIONS = {"WRITE_THROTTLE_RATE": "1000/min", "READ_THROTTLE_RATE": "1000/min"}

TEMPLATES = [
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
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials is a 401 (with WWW-Authenticate),
        # as under the example project's token authentication. The concurrency tests
        # talk real HTTP to a live server with it.
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
}

_ERRORS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "django-tutor-relations",
    "VERSION": "0.9.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {  # as drf-standardized-errors' docs recommend
        "ValidationErrorEnum": f"{_ERRORS}.ValidationErrorEnum.choices",
        "ClientErrorEnum": f"{_ERRORS}.ClientErrorEnum.choices",
        "ServerErrorEnum": f"{_ERRORS}.ServerErrorEnum.choices",
        "ErrorCode401Enum": f"{_ERRORS}.ErrorCode401Enum.choices",
        "ErrorCode403Enum": f"{_ERRORS}.ErrorCode403Enum.choices",
        "ErrorCode404Enum": f"{_ERRORS}.ErrorCode404Enum.choices",
        "ErrorCode405Enum": f"{_ERRORS}.ErrorCode405Enum.choices",
        "ErrorCode406Enum": f"{_ERRORS}.ErrorCode406Enum.choices",
        "ErrorCode415Enum": f"{_ERRORS}.ErrorCode415Enum.choices",
        "ErrorCode429Enum": f"{_ERRORS}.ErrorCode429Enum.choices",
        "ErrorCode500Enum": f"{_ERRORS}.ErrorCode500Enum.choices",
        "RelationStatusEnum": "tutor_relations.models.RELATION_STATUS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
    ],
}
