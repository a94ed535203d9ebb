"""Default implementations of the ``TUTOR_MARKETPLACE`` hooks."""

from __future__ import annotations

import warnings
from typing import Any


def full_name_or_label(user: Any) -> str:
    """The user's full name when the model has one and it is set, else ``"User <id>"``.

    Never the login name: it is half of a credential, and the listing shows every
    published tutor to every signed-in user (SPEC §0). The label is not translated: a
    listing page is cached once for every language.
    """
    get_full_name = getattr(user, "get_full_name", None)
    name = get_full_name() if callable(get_full_name) else ""
    return (name or "").strip() or f"User {user.pk}"


def full_name_or_username(user: Any) -> str:
    """Deprecated alias of ``full_name_or_label`` (which never shows the username)."""
    warnings.warn(
        "tutor_marketplace.policies.full_name_or_username is deprecated and no longer "
        "falls back to the username; use full_name_or_label.",
        DeprecationWarning,
        stacklevel=2,
    )
    return full_name_or_label(user)
