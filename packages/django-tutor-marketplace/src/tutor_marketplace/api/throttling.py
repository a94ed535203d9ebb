"""Per-user throttles of the marketplace API; rates are ``TUTOR_MARKETPLACE`` settings.

Reads (the listing, profile GETs) by ``READ_THROTTLE_RATE``, writes by
``WRITE_THROTTLE_RATE``, autosave (a client saves every few seconds while typing) by
``AUTOSAVE_THROTTLE_RATE``; ``None`` switches one off. ``build_throttle`` (from core)
builds one on ``THROTTLE_BASE_CLASS`` when that is set.
"""

from __future__ import annotations

from tutor_core.throttling import PackageRateThrottle, build_throttle
from tutor_marketplace.conf import marketplace_settings

__all__ = [
    "AutosaveThrottle",
    "MarketplaceReadThrottle",
    "MarketplaceWriteThrottle",
    "build_throttle",
]


class MarketplaceThrottle(PackageRateThrottle):
    """The marketplace API's throttles: scopes ``tutor_marketplace_<kind>``."""

    package_settings = marketplace_settings


class MarketplaceReadThrottle(MarketplaceThrottle, setting="READ_THROTTLE_RATE"): ...


class MarketplaceWriteThrottle(MarketplaceThrottle, setting="WRITE_THROTTLE_RATE"): ...


class AutosaveThrottle(MarketplaceThrottle, setting="AUTOSAVE_THROTTLE_RATE"): ...
