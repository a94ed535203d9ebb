"""Per-user throttles of the lessons API; rates are ``TUTOR_LESSONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off. ``build_throttle``
(``tutor_core.throttling``) builds them on the ``THROTTLE_BASE_CLASS`` when one is set.
"""

from __future__ import annotations

from tutor_core.throttling import PackageRateThrottle, build_throttle
from tutor_lessons.conf import lessons_settings

__all__ = ["LessonReadThrottle", "LessonWriteThrottle", "build_throttle"]


class LessonsThrottle(PackageRateThrottle):
    """The lessons API's throttles: scopes ``tutor_lessons_<kind>``."""

    package_settings = lessons_settings


class LessonWriteThrottle(LessonsThrottle, setting="WRITE_THROTTLE_RATE"): ...


class LessonReadThrottle(LessonsThrottle, setting="READ_THROTTLE_RATE"): ...
