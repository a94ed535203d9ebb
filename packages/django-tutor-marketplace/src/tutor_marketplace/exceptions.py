"""The errors the marketplace services raise: plain domain exceptions with stable codes.

They know nothing of HTTP; ``tutor_marketplace.api.errors`` turns them into responses.
"""

from __future__ import annotations

from typing import Any

from tutor_marketplace.errors import CODES


class MarketplaceError(Exception):
    """A change the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    code: str = ""

    def __init__(self, code: str | None = None, *, attr: str | None = None, **params: Any):
        if code is not None:
            self.code = code
        self.params = params
        self.spec = CODES[self.code]
        self._attr = attr
        super().__init__(self.spec.detail(**params))

    @property
    def attr(self) -> str | None:
        """The input field at fault, if the error is about one."""
        return self._attr or self.spec.attr


class InvalidInput(MarketplaceError):
    """Input the rules refuse (a 400 in the API)."""


class ProfileNotFound(MarketplaceError):
    code = "profile_not_found"


class DraftNotFound(MarketplaceError):
    code = "draft_not_found"


class ProfileIncomplete(MarketplaceError):
    code = "profile_incomplete"


class DraftVersionMismatch(MarketplaceError):
    code = "draft_version_mismatch"


class DraftTooLarge(MarketplaceError):
    code = "draft_too_large"
