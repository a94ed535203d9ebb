"""The settings under which ``bench_listing.py`` serves the listing over HTTP (gunicorn).

The package's test settings (``DATABASE_URL`` names the benchmark's database), with the
listing's own throttle off, as in the in-process figures, and as a host runs it:
persistent database connections, the telemetry buffer flushed by its background thread.
"""

from tests.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405

import os  # noqa: E402

TUTOR_MARKETPLACE = {"READ_THROTTLE_RATE": None, "METRICS_FLUSH_INTERVAL": 2.0}
if os.environ.get("BENCH_TELEMETRY") == "off":  # to measure what the sinks cost
    TUTOR_MARKETPLACE.update(METRICS_DATABASE=False, METRICS_PROMETHEUS=False)
LOGGING = {"version": 1, "disable_existing_loggers": False}
