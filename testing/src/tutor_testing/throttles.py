"""A host's own throttle base, for the packages' THROTTLE_BASE_CLASS tests."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.throttling import UserRateThrottle


class RefuseAll(UserRateThrottle):
    """Refuses every request (``Retry-After: 7``) and records the scope and rate it got."""

    seen: ClassVar[list[tuple[str | None, str | None]]] = []

    def allow_request(self, request: Any, view: Any) -> bool:
        RefuseAll.seen.append((self.scope, self.rate))
        return False

    def wait(self) -> float:
        return 7
