"""Idempotency keys, in the manner of Stripe's: a retried write answers as the first did.

A client sends ``Idempotency-Key: <any unique string>`` with a write. The first request
with a key runs and its response is stored for the user and key, in the same
transaction as the write; a retry with the same key and the same request (method, path
and body) gets the stored response back and acts no more. The same key with another
request is refused (``IdempotencyKeyReused``, a 422). Keys expire after
``IDEMPOTENCY_KEY_TTL`` (24 hours by default); an expired key acts anew.

Expired keys are deleted without a cron job: each request that stores a new response
then deletes up to ``IDEMPOTENCY_PURGE_BATCH_SIZE`` expired keys, oldest first, so the
table holds about one TTL's worth of keys. (The ``purge_relation_idempotency_keys``
command deletes all of them at once, e.g. after a quiet spell.)

Concurrent requests with one key cannot both act: the first inserts the key row and
holds its lock until it commits; the second's insert waits for that commit, then finds
the stored response. Responses that are refusals (a domain error) roll the key back
with everything else, so a retry is judged afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Subquery
from django.utils import timezone

from tutor_relations.conf import relations_settings
from tutor_relations.exceptions import IdempotencyKeyReused, InvalidRequest
from tutor_relations.models import IdempotencyKey

_KEY = re.compile(r"[\x21-\x7e]{1,255}")

logger = logging.getLogger("tutor_relations")


def validate_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidRequest("invalid_idempotency_key")
    return key


def fingerprint(*, method: str | None, path: str, body: Any) -> str:
    """A digest of the request that a retry must repeat exactly (keys in any order)."""
    canonical = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    replayed: bool


def run_once(
    *, user: Any, key: str, request_fingerprint: str, act: Callable[[], tuple[int, Any]]
) -> StoredResponse:
    """Run ``act`` (which returns ``(status, JSON body)``) once per user and key.

    Three queries besides ``act``'s own: insert-if-absent, a locking read, and the
    update that stores the response; then, when a new response was stored, one
    ``DELETE`` of a bounded batch of expired keys.
    """
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.bulk_create(
            [IdempotencyKey(user=user, key=key, fingerprint=request_fingerprint, created=now)],
            ignore_conflicts=True,
        )
        record = IdempotencyKey.objects.select_for_update().get(user=user, key=key)
        if _expired(record.created, now):
            record.fingerprint, record.created = request_fingerprint, now
            record.response_status = record.response_body = None
        if record.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused()
        if record.response_status is not None:
            return StoredResponse(record.response_status, record.response_body, replayed=True)
        status, body = act()
        record.response_status, record.response_body = status, body
        record.save(update_fields=["fingerprint", "created", "response_status", "response_body"])
    _purge_some_expired(now=now)
    return StoredResponse(status, body, replayed=False)


def _purge_some_expired(*, now: datetime) -> None:
    """Delete up to ``IDEMPOTENCY_PURGE_BATCH_SIZE`` expired keys, oldest first.

    One statement. Rows another request holds (say, one renewing its expired key) are
    skipped where the database can (``SKIP LOCKED``), so the purge neither waits nor
    deadlocks, and the expiry is checked again on the row it deletes. The write it
    follows has committed: a failure here is logged, never the response.
    """
    cutoff = now - relations_settings.IDEMPOTENCY_KEY_TTL
    alias = router.db_for_write(IdempotencyKey)
    oldest = (
        IdempotencyKey.objects.using(alias)
        .filter(created__lte=cutoff)
        .order_by("created")
        .values("pk")[: relations_settings.IDEMPOTENCY_PURGE_BATCH_SIZE]
    )
    if connections[alias].features.has_select_for_update_skip_locked:
        oldest = oldest.select_for_update(skip_locked=True)
    try:
        with transaction.atomic(using=alias):
            IdempotencyKey.objects.using(alias).filter(
                created__lte=cutoff, pk__in=Subquery(oldest)
            ).delete()
    except DatabaseError:
        logger.warning(
            "expired idempotency keys not purged",
            exc_info=True,
            extra={"event": "idempotency_purge_failed"},
        )


def _expired(created: datetime, now: datetime) -> bool:
    return created <= now - relations_settings.IDEMPOTENCY_KEY_TTL


def idempotency_keys_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the keys older than ``IDEMPOTENCY_KEY_TTL``; return how many."""
    now = now or timezone.now()
    deleted, _ = IdempotencyKey.objects.filter(
        created__lte=now - relations_settings.IDEMPOTENCY_KEY_TTL
    ).delete()
    return deleted
