"""Default implementations of the ``TUTOR_MARKETPLACE`` hooks."""

from __future__ import annotations

from typing import Any


def full_name_or_username(user: Any) -> str:
    """The user's full name when the model has one and it is set, else the username."""
    get_full_name = getattr(user, "get_full_name", None)
    name = get_full_name().strip() if callable(get_full_name) else ""
    return name or str(user.get_username())
