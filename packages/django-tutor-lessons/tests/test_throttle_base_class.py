"""THROTTLE_BASE_CLASS: the package's throttles built on a host's way of counting.

How a throttle is built on the base (and a base that is not a rate throttle refused) is
django-tutor-core's, tested there; this is the package's end of it, through its API.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from tutor_testing.throttles import RefuseAll


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(tutor_client):
    RefuseAll.seen.clear()
    with override_settings(
        TUTOR_LESSONS={
            "READ_THROTTLE_RATE": "5/min",
            "THROTTLE_BASE_CLASS": "tutor_testing.throttles.RefuseAll",
        }
    ):
        response = tutor_client.get(reverse("lessons:calendar"))

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert RefuseAll.seen == [("tutor_lessons_read", "5/min")]
