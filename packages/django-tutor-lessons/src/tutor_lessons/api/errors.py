"""The lessons registry's 400s and 404 as DRF exceptions, for serializers and views.

A ``LessonsError`` a service raises becomes HTTP in the base view
(``tutor_core.api.views.TutorAPIView``); these name a registry code where a serializer
or a view refuses a request itself.
"""

from __future__ import annotations

from tutor_core.api.errors import RegistryErrors
from tutor_lessons.errors import CODES

_ERRORS = RegistryErrors(CODES)
#: ``validation_error("start_in_past")``: a 400 naming one field with a registry code.
validation_error = _ERRORS.validation_error
#: Someone else's lesson, or no such lesson: the registry's 404 either way.
not_found = _ERRORS.not_found
