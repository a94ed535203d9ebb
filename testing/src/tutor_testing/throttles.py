"""A host's own throttle base, for the packages' THROTTLE_BASE_CLASS tests."""

from __future__ import annotations

from typing import Any, ClassVar

from django.test import override_settings
from rest_framework.throttling import UserRateThrottle


class RefuseAll(UserRateThrottle):
    """Refuses every request (``Retry-After: 7``) and records the scope and rate it got."""

    seen: ClassVar[list[tuple[str | None, str | None]]] = []

    def allow_request(self, request: Any, view: Any) -> bool:
        RefuseAll.seen.append((self.scope, self.rate))
        return False

    def wait(self) -> float:
        return 7


def assert_counted_on_the_base_class(
    client: Any, url: str, *, setting: str, scope: str, **other_settings: Any
) -> None:
    """A GET of ``url`` is counted by ``RefuseAll`` as the package's ``THROTTLE_BASE_CLASS``.

    It must answer 429 with RefuseAll's ``Retry-After`` and hand it the package's own
    read scope and ``READ_THROTTLE_RATE``.
    """
    RefuseAll.seen.clear()
    package_settings = {
        **other_settings,
        "READ_THROTTLE_RATE": "5/min",
        "THROTTLE_BASE_CLASS": "tutor_testing.throttles.RefuseAll",
    }
    with override_settings(**{setting: package_settings}):
        response = client.get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert RefuseAll.seen == [(scope, "5/min")]
