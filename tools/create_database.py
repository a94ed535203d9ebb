"""Create the PostgreSQL database a ``DATABASE_URL`` names, if it does not exist yet.

``python tools/create_database.py [URL]`` (default: ``$DATABASE_URL``); anything but a
postgres:// URL is left alone. Used by ``nox -s demo`` and the load test, so that
pointing them at a new PostgreSQL database needs no ``createdb`` first.
``recreate_database`` gives ``fuzz.py``, ``perf.py`` and the example project's
hostile_tests and fault_tests a new one for each run, named by ``own_database_url``.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlsplit, urlunsplit


def maintenance_connection(database_url: str):  # -> psycopg.Connection
    """An autocommit connection to the ``postgres`` database of ``database_url``'s server."""
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def ensure_postgres_database(database_url: str) -> bool:
    """Create the database if missing; True when it was created. Raises RuntimeError."""
    parts = urlsplit(database_url)
    if not parts.scheme.startswith("postgres"):
        return False
    import psycopg
    from psycopg import sql

    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise RuntimeError(f"DATABASE_URL names no database: {database_url}")
    try:
        with maintenance_connection(database_url) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone() is not None:
                return False
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    except psycopg.Error as error:
        raise RuntimeError(f"cannot prepare database {name!r}: {error}") from error


def own_database_url(database_url: str, suffix: str) -> str:
    """``database_url`` with ``suffix`` after its database name (the local ``tutor`` for
    a URL that is not PostgreSQL's): a tool's own database, never the one it names."""
    if not database_url.startswith("postgres"):
        database_url = "postgres://postgres@127.0.0.1:5432/tutor"
    parts = urlsplit(database_url)
    name = (unquote(parts.path.lstrip("/")) or "tutor") + suffix
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(database_url: str) -> None:
    """Drop the database of ``database_url`` (and its connections) and create it anew."""
    import psycopg
    from psycopg import sql

    name = unquote(urlsplit(database_url).path.lstrip("/"))
    try:
        with maintenance_connection(database_url) as connection:
            database = sql.Identifier(name)
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(database))
    except psycopg.Error as error:
        raise RuntimeError(f"cannot recreate database {name!r}: {error}") from error


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", "")
    try:
        if ensure_postgres_database(url):
            print(f"created database {urlsplit(url).path.lstrip('/')}")
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
