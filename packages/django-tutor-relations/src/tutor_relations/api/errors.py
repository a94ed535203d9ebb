"""Domain errors to HTTP, for the relations views: core's translation, bound to this registry.

The base view (``tutor_core.api.views.TutorAPIView``) turns every ``RelationsError`` into
the DRF exception of its status; what is left here is the package's own shorthand.
"""

from __future__ import annotations

from tutor_core.api.errors import DomainAPIError, RegistryErrors, api_exception_for
from tutor_relations.errors import CODES

#: The name this package gave core's ``DomainAPIError`` before 1.0.
RelationsAPIError = DomainAPIError

__all__ = ["RelationsAPIError", "api_exception_for", "not_found", "validation_error"]


_ERRORS = RegistryErrors(CODES)
#: ``validation_error("invalid_id")``: a 400 naming one field with a registry code.
validation_error = _ERRORS.validation_error
#: Another tutor's relation, or no such relation: the registry's 404 either way.
not_found = _ERRORS.not_found
