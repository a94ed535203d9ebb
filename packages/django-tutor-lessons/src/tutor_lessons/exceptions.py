"""The errors the lessons services raise, each with a stable ``code`` (SPEC §0).

They are DRF exceptions, so any DRF exception handler renders them; with
drf-standardized-errors they take the suite's one JSON error shape.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class TimeConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "time_conflict"
    default_detail = _("The tutor or the student already has a lesson at that time.")


class LessonExpired(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "lesson_expired"
    default_detail = _("The lesson has already started and can no longer be changed.")


class LessonNotScheduled(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "lesson_not_scheduled"
    default_detail = _("Only a scheduled lesson can be changed; this one is not.")


class SchedulingNotAllowed(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "scheduling_not_allowed"
    default_detail = _("You may not schedule a lesson with this student.")
