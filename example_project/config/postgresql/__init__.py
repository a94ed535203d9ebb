"""Django's PostgreSQL backend, with idle connections the server closed replaced for free.

``ENGINE = "config.postgresql"`` (the example project sets it for a ``postgres://``
``DATABASE_URL``). See ``config.postgresql.base``.
"""
