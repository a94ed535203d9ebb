"""The diff walker, table-driven and property-based (SPEC §4)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutor_marketplace.diff import MAX_DEPTH, dirty_paths

PROFILE = {
    "headline": "Maths",
    "description": "Ten years.",
    "is_published": True,
    "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math", "physics"]},
}


def edit(**changes):
    draft = {**PROFILE, "settings": dict(PROFILE["settings"])}
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = draft
        for parent in parents:
            target = target[parent]
        if value is DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return draft


DELETE = object()


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (PROFILE, []),
        (edit(headline="Physics"), ["headline"]),
        (edit(headline="  Maths  "), []),  # trimmed as publishing would
        (edit(settings__hourly_rate="40"), []),
        (edit(settings__hourly_rate=40), []),
        (edit(settings__hourly_rate=40.0), []),
        (edit(settings__hourly_rate="40.01"), ["settings.hourly_rate"]),
        (edit(settings__hourly_rate="forty"), ["settings.hourly_rate"]),
        (edit(settings__currency="uah"), []),
        (edit(settings__subjects=["Physics", " MATH "]), []),  # a set of normalised names
        (edit(settings__subjects=["math"]), ["settings.subjects"]),
        (edit(is_published=1), ["is_published"]),  # booleans are not numbers
        (edit(headline=DELETE), ["headline"]),
        (edit(extra="new"), ["extra"]),
        (edit(settings__extra={"a": 1}), ["settings.extra"]),
        (edit(settings__deep={"a": {"b": {"c": 1}}}), ["settings.deep"]),
        ({**PROFILE, "settings": "flat"}, ["settings"]),
        (
            edit(headline="x", description="y", settings__hourly_rate="41", settings__subjects=[]),
            ["description", "headline", "settings.hourly_rate", "settings.subjects"],
        ),
    ],
)
def test_profile_diff_table(draft, expected):
    assert dirty_paths(draft, PROFILE) == expected


@pytest.mark.parametrize(
    ("draft", "persisted", "expected"),
    [
        ({"a": {"b": {"c": {"d": 1}}}}, {"a": {"b": {"c": {"d": 2}}}}, ["a.b.c"]),
        ({"a": {"b": {"c": {"d": {"e": 1}}}}}, {"a": {"b": {"c": {"d": {"e": 1}}}}}, []),
        ({"a": {"b": {"c": [1, 2]}}}, {"a": {"b": {"c": [1, 3]}}}, ["a.b.c"]),
        ({"a": [{"x": 1}]}, {"a": [{"x": 2}]}, ["a"]),
        ({"a": [1, 2]}, {"a": [2, 1]}, ["a"]),  # order matters in a generic array
        ({"a": 1}, {"a": 1.0}, []),
        ({"a": "1"}, {"a": 1}, ["a"]),  # only declared paths read text as numbers
        ({"a": None}, {"a": False}, ["a"]),
        ({"a": {}}, {}, ["a"]),
        ({}, {"a": {"b": 1}}, ["a"]),
    ],
)
def test_generic_diff_table(draft, persisted, expected):
    assert dirty_paths(draft, persisted, normalisers={}) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text("abcd", min_size=1, max_size=2), children, max_size=3)
    ),
    max_leaves=12,
)
objects = st.dictionaries(st.text("abcd", min_size=1, max_size=2), json_values, max_size=4)


@given(objects)
def test_a_value_equals_itself(value):
    assert dirty_paths(value, value, normalisers={}) == []


@given(objects, objects)
def test_paths_are_symmetric_and_at_most_three_levels(a, b):
    paths = dirty_paths(a, b, normalisers={})
    assert paths == dirty_paths(b, a, normalisers={})
    assert all(1 <= len(path.split(".")) <= MAX_DEPTH for path in paths)


@given(
    objects, st.lists(st.text("xyz", min_size=1, max_size=2), min_size=1, max_size=6), json_values
)
def test_a_change_at_any_depth_is_reported_at_its_depth_3_ancestor(base, path, value):
    draft = dict(base)
    target = draft
    for key in path[:-1]:
        target[key] = {}
        target = target[key]
    target[path[-1]] = value
    persisted = dict(base)
    paths = dirty_paths(draft, persisted, normalisers={})
    head = path[0]
    if head in base:
        # the draft replaced the base's value at ``head``: reported there or below it
        assert all(p.split(".")[0] == head for p in paths)
    else:
        assert paths == [head], "an added key is dirty at its own path"


@given(
    objects, st.text("abcd", min_size=1, max_size=2), st.lists(json_values, max_size=3), json_values
)
def test_any_array_change_marks_the_array_itself(base, key, array, extra):
    persisted = {**base, key: array}
    draft = {**base, key: [*array, extra]}
    assert dirty_paths(draft, persisted, normalisers={}) == [key]


@given(st.decimals(min_value=0, max_value=999999, places=2, allow_nan=False))
def test_a_rate_in_any_notation_is_not_dirty(rate):
    persisted = {"settings": {"hourly_rate": f"{rate:.2f}"}}
    for draft_rate in (str(rate), f"{rate:.2f}", float(rate) if rate == int(rate) else str(rate)):
        assert dirty_paths({"settings": {"hourly_rate": draft_rate}}, persisted) == []
