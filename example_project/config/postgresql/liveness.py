"""Has the server closed an idle connection? Asked of the socket, without a round trip.

An idle connection in autocommit has nothing to read: PostgreSQL speaks only when asked.
When its socket is readable all the same, the server has written its last words (``FATAL:
terminating connection due to administrator command`` on a restart or a
``pg_terminate_backend``, an idle-session timeout, PgBouncer's ``client_idle_timeout``)
and closed it, and the next statement on it would fail. A poll of the socket costs a
system call (about a microsecond); Django's ``CONN_HEALTH_CHECKS`` costs a ``SELECT 1``
round trip instead. What neither sees without I/O, a connection dropped silently on the
way (no FIN, no RST), fails its request with a 503 and is replaced by the next one.

No Django import here: the settings module hands ``check_pooled_connection`` to the
psycopg pool.
"""

from __future__ import annotations

import select
from typing import Any


def closed_by_server(connection: Any) -> bool:
    """True when the idle DB-API ``connection`` (psycopg 3 or 2) cannot serve a statement."""
    if getattr(connection, "closed", False) or getattr(connection, "broken", False):
        return True
    try:
        descriptor = connection.fileno()
    except Exception:  # a closed psycopg connection raises its own OperationalError
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLPRI)
    # Readable data, end of file, a reset or an error: none leaves the connection usable.
    return bool(poller.poll(0))


def check_pooled_connection(connection: Any) -> None:
    """psycopg_pool's ``check``: a connection the server closed is discarded, not lent.

    It is closed before the check fails: libpq has not read the server's goodbye, so to
    the pool the connection would still look idle and healthy, and it would take it back
    and lend it again, until its ``timeout``.
    """
    if closed_by_server(connection):
        import psycopg

        connection.close()
        raise psycopg.OperationalError("the server closed this idle connection")
