"""gunicorn settings: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

With ``PROMETHEUS_MULTIPROC_DIR`` set, the metrics directory is emptied when the
server starts (stale files from an earlier run would be counted again) and a worker's
live gauges are dropped when it exits.
"""

import os
import shutil
import sys
from pathlib import Path

from gunicorn.glogging import Logger
from prometheus_client import multiprocess

# gunicorn reads this file before it changes into the project (--chdir), so make the
# project importable for the shared log format.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.logging import JSON_FORMATTER

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
# gunicorn 27's control interface listens on one Unix socket per user
# (~/.gunicorn/gunicorn.ctl): a second server on the machine (the load test runs two)
# fails to bind it and logs an error. Nothing here uses it; older gunicorns ignore this.
control_socket_disable = True
# The access line comes from the Django middleware, in JSON; gunicorn's own is off.
accesslog = None


class AccessLineOffLogger(Logger):
    """gunicorn's logger, which builds no access line unless ``--access-logfile`` asks.

    With ``logconfig_dict`` set gunicorn formats an access line for every request even
    when no handler will write it (an eighth of an empty API request's CPU time).
    """

    def access(self, resp, req, environ, request_time) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = AccessLineOffLogger
# gunicorn's own lines (start, worker boot/exit) as JSON on stdout too, like the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": JSON_FORMATTER},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
