"""Per-user throttles of the lessons API; rates are ``TUTOR_LESSONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from tutor_lessons.conf import lessons_settings


class LessonWriteThrottle(UserRateThrottle):
    scope = "tutor_lessons_write"

    def get_rate(self) -> str | None:
        return lessons_settings.WRITE_THROTTLE_RATE


class LessonReadThrottle(UserRateThrottle):
    scope = "tutor_lessons_read"

    def get_rate(self) -> str | None:
        return lessons_settings.READ_THROTTLE_RATE


def build_throttle(throttle: type[UserRateThrottle]) -> BaseThrottle:
    """An instance of ``throttle``, built on the ``THROTTLE_BASE_CLASS`` when one is set."""
    base = lessons_settings.THROTTLE_BASE_CLASS
    return throttle() if base is None else _on_base(throttle, base)()


@cache
def _on_base(throttle: type[UserRateThrottle], base: type) -> type[BaseThrottle]:
    if not (isinstance(base, type) and issubclass(base, SimpleRateThrottle)):
        raise ImproperlyConfigured(
            f"THROTTLE_BASE_CLASS must be a rest_framework SimpleRateThrottle subclass, "
            f"not {base!r}."
        )
    # The package's scope and get_rate() first, then the base's way of counting.
    return type(throttle.__name__, (throttle, base), {"__module__": throttle.__module__})
