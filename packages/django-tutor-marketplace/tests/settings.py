"""Settings for the package's own test suite: a minimal host with a custom user model.

``DATABASE_URL`` picks the PostgreSQL database and ``REDIS_URL`` the Redis database both
the listing cache (through cacheops) and the throttles use.
"""

import os
from urllib.parse import urlsplit

from redis.backoff import NoBackoff
from redis.retry import Retry

_database_url = urlsplit(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_marketplace")
)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database_url.path.lstrip("/") or "tutor_marketplace",
        "USER": _database_url.username or "postgres",
        "PASSWORD": _database_url.password or "",
        "HOST": _database_url.hostname or "127.0.0.1",
        "PORT": _database_url.port or 5432,
        "TEST": {"NAME": "test_" + (_database_url.path.lstrip("/") or "tutor_marketplace")},
    }
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")
_redis = urlsplit(REDIS_URL)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}
# The listing cache's Redis, through cacheops. Bounded timeouts: a Redis that stops
# answering costs a quarter of a second, not a hung request.
CACHEOPS_REDIS = {
    "host": _redis.hostname or "127.0.0.1",
    "port": _redis.port or 6379,
    "db": int(_redis.path.lstrip("/") or 0),
    "socket_timeout": 0.25,
    "socket_connect_timeout": 0.25,
    # redis-py retries 3 times with up to 10 s of backoff by default: not on a request path.
    "retry": Retry(NoBackoff(), 0),
}
CACHEOPS = {}  # no automatic queryset caching: the package names its own keys

SECRET_KEY = "tutor-marketplace-tests"
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.testapp.urls"
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
AUTH_USER_MODEL = "testapp.Person"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_standardized_errors",
    "tutor_marketplace",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

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
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
}

TUTOR_MARKETPLACE = {
    # Tests flush the buffer themselves; one test turns the background thread on.
    "METRICS_FLUSH_INTERVAL": None,
}

_ERRORS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "django-tutor-marketplace",
    "VERSION": "0.9.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
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
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"tutor_marketplace": {"handlers": ["console"], "level": "INFO"}},
}
