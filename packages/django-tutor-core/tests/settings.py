"""Settings for core's own suite: a minimal host of a sample package (``tests.sample``).

``DATABASE_URL`` picks the database (PostgreSQL by default, ``sqlite://`` for SQLite) and
``REDIS_URL`` the cache the throttles use.
"""

import os
import tempfile
from urllib.parse import urlsplit

_database_url = urlsplit(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tutor_core")
)
if _database_url.scheme.startswith("sqlite"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _database_url.path[1:]
            or os.path.join(tempfile.gettempdir(), "tutor_core.sqlite3"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _database_url.path.lstrip("/") or "tutor_core",
            "USER": _database_url.username or "postgres",
            "PASSWORD": _database_url.password or "",
            "HOST": _database_url.hostname or "127.0.0.1",
            "PORT": _database_url.port or 5432,
        }
    }

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
    }
}

SECRET_KEY = "tutor-core-tests"
USE_TZ = True
ROOT_URLCONF = "tests.sample.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "drf_spectacular",
    "drf_standardized_errors",
    "tests.sample",  # its Note model, for the pagination tests
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"],
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {"TITLE": "django-tutor-core tests", "COMPONENT_SPLIT_REQUEST": True}
