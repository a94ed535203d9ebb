"""The per-user throttle on lesson writes; its rate is ``TUTOR_LESSONS["WRITE_THROTTLE_RATE"]``."""

from rest_framework.throttling import UserRateThrottle

from tutor_lessons.conf import lessons_settings


class LessonWriteThrottle(UserRateThrottle):
    scope = "tutor_lessons_write"

    def get_rate(self) -> str | None:
        return lessons_settings.WRITE_THROTTLE_RATE
