"""Settings for the package's own test suite: the shared test host, with the marketplace.

``DATABASE_URL`` picks the PostgreSQL database and ``REDIS_URL`` the Redis database both
the listing cache (through cacheops) and the throttles use: see ``tutor_testing.settings``.
"""

from urllib.parse import urlsplit

from redis.backoff import NoBackoff
from redis.retry import Retry

from tutor_testing.settings import host_settings

_host = host_settings(
    "tutor_marketplace",
    redis_db=4,
    apps=("django_filters",),
    # The suite's host is a PostgreSQL one, with django.contrib.postgres installed.
    postgres_app=True,
)
globals().update(_host)

REDIS_URL = _host["CACHES"]["default"]["LOCATION"]
_redis = urlsplit(REDIS_URL)
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

TUTOR_MARKETPLACE = {
    # Tests flush the buffer themselves; one test turns the background thread on.
    "METRICS_FLUSH_INTERVAL": None,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"tutor_marketplace": {"handlers": ["console"], "level": "INFO"}},
}
