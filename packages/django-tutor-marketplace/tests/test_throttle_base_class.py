"""THROTTLE_BASE_CLASS: the package's throttles built on a host's way of counting.

How a throttle is built on the base (and a base that is not a rate throttle refused) is
django-tutor-core's, tested there; this is the package's end of it, through its API.
"""

import pytest
from django.urls import reverse

from tutor_testing.throttles import assert_counted_on_the_base_class


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(api):
    assert_counted_on_the_base_class(
        api,
        reverse("marketplace:tutor-list"),
        setting="TUTOR_MARKETPLACE",
        scope="tutor_marketplace_read",
        METRICS_FLUSH_INTERVAL=None,
    )
