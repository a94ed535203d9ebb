"""The autosave diff (SPEC §4): which dotted paths of a draft differ from the profile.

Rules: paths are at most ``MAX_DEPTH`` (3) segments deep, and a change deeper down is
reported at its depth-3 ancestor; an array is dirty as a whole; a key present on one
side only is dirty; values are normalised first, so a difference publishing would not
make is no difference ("40" and "40.00" are the same rate, " Maths" and "maths" the same
subject). Normalisation per path comes from ``PROFILE_NORMALISERS``; elsewhere numbers
compare by value (``1 == 1.0``), booleans stay booleans (``true != 1``) and strings are
compared as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from tutor_marketplace.models import normalise_subject_name

MAX_DEPTH = 3

Normaliser = Callable[[Any], Any]


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float | Decimal):
        try:
            return ("number", Decimal(str(value)).normalize())
        except InvalidOperation:
            return ("raw", repr(value))
    if isinstance(value, str):
        try:
            return ("number", Decimal(value.strip()).normalize())
        except InvalidOperation:
            return ("raw", value)
    return ("raw", repr(value))


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else normalise(value)


def _upper_text(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else normalise(value)


def _subjects(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ("subjects", tuple(sorted({normalise_subject_name(item) for item in value})))
    return normalise(value)


PROFILE_NORMALISERS: dict[str, Normaliser] = {
    "headline": _text,
    "description": _text,
    "settings.hourly_rate": _number,
    "settings.currency": _upper_text,
    "settings.subjects": _subjects,
}


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float | Decimal):
        return _number(value)
    return ("string", value)


def normalise(value: Any) -> Any:
    """A comparable form of any JSON value (numbers by value, containers deeply).

    Without recursion, however deep a draft the settings allow: a container's form is
    built from its items' forms, which the loop has pushed onto ``forms`` just before.
    """
    forms: list[Any] = []
    pending: list[tuple[Any, bool]] = [(value, False)]
    while pending:
        item, items_done = pending.pop()
        if not isinstance(item, dict | list):
            forms.append(_scalar(item))
        elif not items_done:
            pending.append((item, True))
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, False) for child in reversed(list(children)))
        else:
            start = len(forms) - len(item)
            children_forms = tuple(forms[start:])
            del forms[start:]
            if isinstance(item, dict):
                keys = (str(key) for key in item)
                forms.append(("object", tuple(sorted(zip(keys, children_forms, strict=True)))))
            else:
                forms.append(("array", children_forms))
    return forms[0]


def dirty_paths(
    draft: Any, persisted: Any, *, normalisers: dict[str, Normaliser] | None = None
) -> list[str]:
    """The dotted paths at which ``draft`` and ``persisted`` differ, sorted."""
    normalisers = PROFILE_NORMALISERS if normalisers is None else normalisers
    found: set[str] = set()
    _walk(draft, persisted, (), normalisers, found)
    return sorted(found)


# Recursive, but at most ``MAX_DEPTH`` calls deep: below that, values are normalised.
def _walk(
    draft: Any,
    persisted: Any,
    path: tuple[str, ...],
    normalisers: dict[str, Normaliser],
    found: set[str],
) -> None:
    dotted = ".".join(path)
    if isinstance(draft, dict) and isinstance(persisted, dict) and len(path) < MAX_DEPTH:
        for key in draft.keys() | persisted.keys():
            child = (*path, str(key))
            if key not in draft or key not in persisted:
                found.add(".".join(child))
            else:
                _walk(draft[key], persisted[key], child, normalisers, found)
        return
    normaliser = normalisers.get(dotted, normalise)
    if normaliser(draft) != normaliser(persisted):
        found.add(dotted)
