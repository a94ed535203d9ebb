"""When the listing cache is invalidated: after the transaction that changed it commits.

Everything that changes what the listing shows calls ``schedule_invalidation``: the
services, the model-signal receivers (admin edits included) and the querysets' bulk
paths. Invalidating before the commit would let a request in between re-cache the old
rows; running after it, with the generation check of ``tutor_marketplace.cache``, means
no entry computed from the old rows survives the commit.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction


def invalidate_now(*, reason: str) -> None:
    from tutor_marketplace.cache import listing_cache

    listing_cache.invalidate(reason=reason)


def schedule_invalidation(*, reason: str, using: str | None = None) -> None:
    """Invalidate the listing once the current transaction commits (now if none)."""
    # robust: a Redis failure is already logged by the cache; it must not turn a
    # committed write into an error response.
    transaction.on_commit(partial(invalidate_now, reason=reason), using=using, robust=True)
