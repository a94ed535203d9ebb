"""The package's 400s by registry code: ``validation_error("invalid_rate_range")``.

Turning a ``MarketplaceError`` into HTTP is ``tutor_core.api.errors`` (the base view does
it); ``api_exception_for`` is re-exported for code that imported it from here.
"""

from __future__ import annotations

from tutor_core.api.errors import RegistryErrors, api_exception_for
from tutor_marketplace.errors import CODES

__all__ = ["api_exception_for", "validation_error"]


#: ``validation_error("invalid_rate_range")``: a 400 naming one field with a registry code.
validation_error = RegistryErrors(CODES).validation_error
