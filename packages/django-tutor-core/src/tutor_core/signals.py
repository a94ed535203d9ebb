"""Signals that cannot hurt: a receiver that raises is logged, never re-raised.

A package announces each domain event through its ``Announcer``: after commit
(``transaction.on_commit(..., robust=True)``) an INFO line with the event and its ids,
then the signal through ``send_robust_logged``. Django's ``send_robust`` calls every
receiver even when one raises, and each failure is logged at ERROR with its traceback, the event
``signal_receiver_failed`` and the ids the package names, so a broken receiver never
changes the response of a write that has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.dispatch import Signal


def send_robust_logged(
    signal: Signal,
    *,
    sender: Any,
    logger: logging.Logger,
    message: str,
    log_extra: dict[str, Any],
    **kwargs: Any,
) -> None:
    """``signal.send_robust(sender, **kwargs)``, logging each receiver that raised."""
    for receiver, response in signal.send_robust(sender=sender, **kwargs):
        if isinstance(response, Exception):
            logger.error(
                message,
                exc_info=(type(response), response, response.__traceback__),
                extra={
                    "event": "signal_receiver_failed",
                    **log_extra,
                    "receiver": getattr(receiver, "__qualname__", repr(receiver)),
                },
            )


@dataclass(frozen=True)
class Announcer:
    """How one package announces its domain events: an INFO line, then its signal.

    ``announce(signal, "lesson_scheduled", ids={"lesson_id": 5}, details={...},
    lesson=lesson)`` logs ``lesson scheduled`` with ``event``, ``ids`` and ``details`` as
    fields, then sends ``signal`` from ``sender`` with the remaining arguments; a
    receiver that raises is logged as ``failure_message`` with the event and ``ids``.
    """

    logger: logging.Logger
    sender: Any
    failure_message: str

    def __call__(
        self,
        signal: Signal,
        event: str,
        *,
        ids: dict[str, Any],
        details: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        fields = {"event": event, **ids, **(details or {})}
        self.logger.info(event.replace("_", " "), extra=fields)
        send_robust_logged(
            signal,
            sender=self.sender,
            logger=self.logger,
            message=self.failure_message,
            log_extra={"signal": event, **ids},
            **kwargs,
        )

    def on_commit(self, signal: Signal, event: str, **kwargs: Any) -> None:
        """The same, once the current transaction commits (at once outside of one).

        ``robust``: should logging itself fail, the committed write still answers as such.
        """
        transaction.on_commit(lambda: self(signal, event, **kwargs), robust=True)
