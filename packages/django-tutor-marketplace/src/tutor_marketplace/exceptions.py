"""The errors the marketplace services raise: plain domain exceptions with stable codes.

They know nothing of HTTP; ``tutor_core.api.errors`` turns them into responses (the
base view, ``tutor_core.api.views.TutorAPIView``, does it for every view).
"""

from __future__ import annotations

from tutor_core.exceptions import TutorError
from tutor_marketplace.errors import CODES


class MarketplaceError(TutorError):
    """A change the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    registry = CODES


class InvalidInput(MarketplaceError):
    """Input the rules refuse (a 400 in the API)."""


class ProfileNotFound(MarketplaceError, code="profile_not_found"): ...


class DraftNotFound(MarketplaceError, code="draft_not_found"): ...


class ProfileIncomplete(MarketplaceError, code="profile_incomplete"): ...


class DraftVersionMismatch(MarketplaceError, code="draft_version_mismatch"): ...


class DraftTooLarge(MarketplaceError, code="draft_too_large"): ...
