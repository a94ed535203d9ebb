"""Per-user throttles of the lessons API; rates are ``TUTOR_LESSONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off.
"""

from rest_framework.throttling import UserRateThrottle

from tutor_lessons.conf import lessons_settings


class LessonWriteThrottle(UserRateThrottle):
    scope = "tutor_lessons_write"

    def get_rate(self) -> str | None:
        return lessons_settings.WRITE_THROTTLE_RATE


class LessonReadThrottle(UserRateThrottle):
    scope = "tutor_lessons_read"

    def get_rate(self) -> str | None:
        return lessons_settings.READ_THROTTLE_RATE
