"""Signals that cannot hurt: a receiver that raises is logged, never re-raised.

Services send their signals after commit (``transaction.on_commit(..., robust=True)``)
through ``send_robust_logged``: Django's ``send_robust`` calls every receiver even when
one raises, and each failure is logged at ERROR with its traceback, the event
``signal_receiver_failed`` and the ids the package names, so a broken receiver never
changes the response of a write that has committed.
"""

from __future__ import annotations

import logging
from typing import Any

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
