"""Which database errors mean "the database cannot serve now", and one log line per outage.

A request that meets such an error is answered ``503 service_unavailable`` with
``Retry-After`` (``config.errors``), not a 500 with a traceback: while PostgreSQL
restarts, or refuses connections, every request would otherwise log one. Here the first
failure of an outage logs ``database_unavailable`` at WARNING, later ones only count,
and the next connection that opens logs ``database_available`` with how long it took
and how many requests were refused. The state is per process (each gunicorn worker
logs its own pair).

A statement cancelled by ``statement_timeout`` is answered the same 503, but is no
outage: each one is logged (``database_statement_timeout``), for a slow query is a bug.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created

logger = logging.getLogger("config.database")

# SQLSTATEs of a server that cannot serve now: class 08 (connection exceptions), 53
# (insufficient resources: "too many clients", out of memory or disk), an administrator's
# or a crash's shutdown, "the database system is starting up / shutting down".
UNAVAILABLE_CLASSES = ("08", "53")
UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "57P05"})
STATEMENT_TIMEOUT = "57014"  # query_canceled: statement_timeout (or a cancel request)


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def _from_postgres_driver(error: BaseException) -> bool:
    return type(error.__cause__).__module__.split(".")[0] in {"psycopg", "psycopg2", "psycopg_pool"}


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or could not serve: retrying later can succeed."""
    if isinstance(error, InterfaceError):
        return True  # "connection already closed": the connection died in this request
    if not isinstance(error, OperationalError):
        return False
    if _from_postgres_driver(error):
        state = _sqlstate(error)
        # No SQLSTATE: the driver's own failure to connect or to talk (refused, reset, a
        # pool that lent nothing within its timeout).
        return state is None or state.startswith(UNAVAILABLE_CLASSES) or state in UNAVAILABLE_STATES
    # SQLite's writers queue for their ``timeout``; past it, it is busy, not broken.
    return "database is locked" in str(error)


def is_statement_timeout(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and _sqlstate(error) == STATEMENT_TIMEOUT


class Outage:
    """One process's view of a database outage: its start, and the requests it refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: float | None = None
        self.refused = 0

    def report(self, error: BaseException) -> None:
        with self._lock:
            self.refused += 1
            if self.started is not None:
                return
            self.started = time.monotonic()
        logger.warning(
            "database unavailable",
            extra={"event": "database_unavailable", "error": str(error).strip()[:500]},
        )

    def end(self) -> None:
        if self.started is None:  # the common case: one attribute read, no lock
            return
        with self._lock:
            if self.started is None:
                return
            seconds, refused = time.monotonic() - self.started, self.refused
            self.started, self.refused = None, 0
        logger.warning(
            "database available",
            extra={
                "event": "database_available",
                "outage_seconds": round(seconds, 2),
                "refused_requests": refused,
            },
        )


database_outage = Outage()


def _connection_opened(**kwargs: object) -> None:
    database_outage.end()


connection_created.connect(_connection_opened, dispatch_uid="config.outage")


def report_statement_timeout(error: BaseException, path: str) -> None:
    logger.warning(
        "database statement timeout",
        extra={"event": "database_statement_timeout", "path": path, "error": str(error)[:500]},
    )
