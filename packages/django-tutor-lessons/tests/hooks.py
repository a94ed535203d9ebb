"""A host's ``USER_DISPLAY_NAME`` of another shape, for the tests that swap the default."""

from typing import Any

CAPITALS = {
    "USER_DISPLAY_NAME": "tests.hooks.display_name_in_capitals",
    "USER_LISTED_FIELDS": ["display_name"],
}


def display_name_in_capitals(user: Any) -> str:
    """The user's ``display_name`` in capitals: a field neither default reads."""
    return user.display_name.upper()
