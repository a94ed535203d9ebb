"""Log plumbing: the current request id, and the handler that writes JSON lines.

``AccessLogMiddleware`` sets ``request_id_var`` for the duration of a request;
``RequestIdFilter`` copies it onto every log record, so a domain event logged by a
reusable app (``tutor_lessons``) carries the id of the request that caused it.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

#: The project's one JSON line format, shared by Django's LOGGING and gunicorn's.
JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    # An ISO 8601 UTC "timestamp" key from the record's creation time.
    "timestamp": True,
}

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``None`` outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class StdoutHandler(logging.StreamHandler):
    """A stream handler that looks ``sys.stdout`` up at every write.

    ``StreamHandler(sys.stdout)`` would keep the stream that existed when logging was
    configured; resolving it late lets a test's output capture see the lines.
    """

    def __init__(self) -> None:
        super().__init__(stream=sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value: object) -> None:
        # StreamHandler.__init__ assigns the stream; the property always reads sys.stdout.
        pass
