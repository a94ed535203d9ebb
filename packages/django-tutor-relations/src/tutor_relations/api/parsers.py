"""The JSON parser of the relations API: core's, which answers 400 for too-deep bodies.

Kept importable under its pre-1.0 name for hosts that list it in their own settings.
"""

from tutor_core.api.parsers import JSONParser

__all__ = ["JSONParser"]
