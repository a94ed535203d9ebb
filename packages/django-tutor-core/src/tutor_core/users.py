"""What the packages' default hooks say about a user, written once."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


def full_name(user: Any) -> str:
    """The user's full name, stripped; ``""`` when the model has none or it is not set.

    A package's ``USER_DISPLAY_NAME`` default falls back on a label ("User 42"), never on
    the login name: that is half of a credential (SPEC §0).
    """
    get_full_name = getattr(user, "get_full_name", None)
    name = get_full_name() if callable(get_full_name) else ""
    return (name or "").strip()


def deprecated_alias(function: Callable[..., Result], old_name: str) -> Callable[..., Result]:
    """``function`` under its old dotted name ``old_name``, warning on every call."""

    @functools.wraps(function)
    def alias(*args: Any, **kwargs: Any) -> Result:
        warnings.warn(
            f"{old_name} is deprecated: use {function.__module__}.{function.__name__}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return function(*args, **kwargs)

    return alias
