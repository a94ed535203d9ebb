"""Default implementations of the ``TUTOR_LESSONS`` hooks.

Hosts replace them with dotted paths in settings; see the package README.
"""

from __future__ import annotations

from typing import Any


def user_timezone_attribute(user: Any) -> str:
    """The user's ``timezone`` attribute if the user model has one, else UTC."""
    return getattr(user, "timezone", "") or "UTC"


def authenticated_user_is_tutor(*, actor: Any, student: Any) -> bool:
    """Anyone authenticated may schedule; the one who schedules is the tutor."""
    return True
