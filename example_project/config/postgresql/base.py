"""Django's PostgreSQL backend, replacing at each request's start a connection the server closed.

With persistent connections (``CONN_MAX_AGE``) a restart of PostgreSQL, or a proxy that
closes idle connections, leaves every worker thread holding a connection that is dead:
with Django's own backend the first request of each thread after it fails. Django calls
``close_if_unusable_or_obsolete`` when a request starts and when it ends; here it also
closes a connection whose socket says the server hung up (``liveness.closed_by_server``:
one ``poll`` system call, no round trip), so the request's first statement opens a new
one. Inside a transaction nothing is replaced: that request fails and is answered 503.

Pooled connections (``OPTIONS["pool"]``) get the same test from the pool itself, as its
``check``, when they are lent out (the example project's settings pass it).
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from config.postgresql.liveness import closed_by_server


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_unusable_or_obsolete(self) -> None:
        super().close_if_unusable_or_obsolete()
        if (
            self.connection is not None
            and not self.in_atomic_block
            and closed_by_server(self.connection)
        ):
            self.close()
