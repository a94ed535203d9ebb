"""Default implementations of the ``TUTOR_LESSONS`` hooks.

Hosts replace them with dotted paths in settings; see the package README.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from tutor_core.users import full_name


def user_timezone_attribute(user: Any) -> str:
    """The user's ``timezone`` attribute if the user model has one, else UTC."""
    return getattr(user, "timezone", "") or "UTC"


def full_name_or_label(user: Any) -> str:
    """The user's full name when the model has one and it is set, else "User <id>".

    Never the login name: it is half of a credential (SPEC §0), and each participant of
    a lesson reads the other's name.
    """
    return full_name(user) or gettext("User %(id)s") % {"id": user.pk}


def authenticated_user_is_tutor(*, actor: Any, student: Any) -> bool:
    """Anyone authenticated may schedule; the one who schedules is the tutor."""
    return True
