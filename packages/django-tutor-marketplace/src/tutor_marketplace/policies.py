"""Default implementations of the ``TUTOR_MARKETPLACE`` hooks."""

from __future__ import annotations

from typing import Any

from tutor_core.users import deprecated_alias, full_name


def full_name_or_label(user: Any) -> str:
    """The user's full name when the model has one and it is set, else ``"User <id>"``.

    Never the login name: it is half of a credential, and the listing shows every
    published tutor to every signed-in user (SPEC §0). The label is not translated: a
    listing page is cached once for every language.
    """
    return full_name(user) or f"User {user.pk}"


#: Deprecated: it no longer falls back on the username either.
full_name_or_username = deprecated_alias(
    full_name_or_label, "tutor_marketplace.policies.full_name_or_username"
)
