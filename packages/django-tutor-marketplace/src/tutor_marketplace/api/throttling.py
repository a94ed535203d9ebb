"""Per-user throttles of the marketplace API; rates are ``TUTOR_MARKETPLACE`` settings.

Reads (the listing, profile GETs) by ``READ_THROTTLE_RATE``, writes by
``WRITE_THROTTLE_RATE``, autosave (a client saves every few seconds while typing) by
``AUTOSAVE_THROTTLE_RATE``; ``None`` switches one off.
"""

from rest_framework.throttling import UserRateThrottle

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
