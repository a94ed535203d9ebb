"""Per-user throttles of the marketplace API; rates are ``TUTOR_MARKETPLACE`` settings.

Reads (the listing, profile GETs) by ``READ_THROTTLE_RATE``, writes by
``WRITE_THROTTLE_RATE``, autosave (a client saves every few seconds while typing) by
``AUTOSAVE_THROTTLE_RATE``; ``None`` switches one off.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from tutor_marketplace.conf import marketplace_settings


class MarketplaceReadThrottle(UserRateThrottle):
    scope = "tutor_marketplace_read"

    def get_rate(self) -> str | None:
        return marketplace_settings.READ_THROTTLE_RATE


class MarketplaceWriteThrottle(UserRateThrottle):
    scope = "tutor_marketplace_write"

    def get_rate(self) -> str | None:
        return marketplace_settings.WRITE_THROTTLE_RATE


class AutosaveThrottle(UserRateThrottle):
    scope = "tutor_marketplace_autosave"

    def get_rate(self) -> str | None:
        return marketplace_settings.AUTOSAVE_THROTTLE_RATE


def build_throttle(throttle: type[UserRateThrottle]) -> BaseThrottle:
    """An instance of ``throttle``, built on the ``THROTTLE_BASE_CLASS`` when one is set."""
    base = marketplace_settings.THROTTLE_BASE_CLASS
    return throttle() if base is None else _on_base(throttle, base)()


@cache
def _on_base(throttle: type[UserRateThrottle], base: type) -> type[BaseThrottle]:
    if not (isinstance(base, type) and issubclass(base, SimpleRateThrottle)):
        raise ImproperlyConfigured(
            f"THROTTLE_BASE_CLASS must be a rest_framework SimpleRateThrottle subclass, "
            f"not {base!r}."
        )
    # The package's scope and get_rate() first, then the base's way of counting.
    return type(throttle.__name__, (throttle, base), {"__module__": throttle.__module__})
