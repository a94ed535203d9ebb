"""Fixtures of the lessons suite; the shared ones come from ``tutor_testing.pytest_plugin``."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import LessonFactory

pytest_plugins = ["tutor_testing.pytest_plugin"]


@pytest.fixture
def soon() -> datetime:
    """A whole hour a few days ahead, in UTC."""
    return (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def lesson(tutor, student, soon):
    return LessonFactory(tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1))
