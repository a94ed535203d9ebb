"""Fixtures of the relations suite; the shared ones come from ``tutor_testing.pytest_plugin``."""

from __future__ import annotations

import pytest

from tests.factories import RelationFactory

pytest_plugins = ["tutor_testing.pytest_plugin"]


@pytest.fixture
def pending(tutor, student):
    return RelationFactory(tutor=tutor, student=student)
