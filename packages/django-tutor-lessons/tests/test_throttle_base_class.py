"""THROTTLE_BASE_CLASS: the package's throttles built on a host's way of counting."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from rest_framework.throttling import UserRateThrottle

from tutor_lessons.api.throttling import LessonReadThrottle, build_throttle

HERE = "tests.test_throttle_base_class"


class RefuseAll(UserRateThrottle):
    """A host's throttle that refuses every request and records what it was given."""

    seen: list[tuple[str, str]] = []

    def allow_request(self, request, view):
        RefuseAll.seen.append((self.scope, self.rate))
        return False

    def wait(self):
        return 7


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(tutor_client):
    RefuseAll.seen.clear()
    with override_settings(
        TUTOR_LESSONS={
            **{},
            "READ_THROTTLE_RATE": "5/min",
            "THROTTLE_BASE_CLASS": f"{HERE}.RefuseAll",
        }
    ):
        response = tutor_client.get(reverse("lessons:calendar"))

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert RefuseAll.seen == [("tutor_lessons_read", "5/min")]


@pytest.mark.django_db
def test_without_the_setting_the_throttle_is_drfs_own(tutor_client):
    week = {"from": "2026-03-02", "to": "2026-03-09"}
    response = tutor_client.get(reverse("lessons:calendar"), week)

    assert response.status_code == 200, response.json()
    assert type(build_throttle(LessonReadThrottle)) is LessonReadThrottle


def test_a_base_that_is_not_a_rate_throttle_is_refused():
    with (
        override_settings(TUTOR_LESSONS={"THROTTLE_BASE_CLASS": "django.http.HttpResponse"}),
        pytest.raises(ImproperlyConfigured, match="SimpleRateThrottle subclass"),
    ):
        build_throttle(LessonReadThrottle)
