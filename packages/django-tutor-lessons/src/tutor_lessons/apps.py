"""The app of django-tutor-lessons."""

from django.utils.translation import gettext_lazy as _

from tutor_core.apps import TutorAppConfig


class TutorLessonsConfig(TutorAppConfig):
    # Django's choice among this module's AppConfig classes (TutorAppConfig is one too).
    default = True
    name = "tutor_lessons"
    label = "tutor_lessons"
    verbose_name = _("Lessons")
