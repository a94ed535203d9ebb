from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutorLessonsConfig(AppConfig):
    name = "tutor_lessons"
    label = "tutor_lessons"
    verbose_name = _("Lessons")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tutor_lessons import checks  # noqa: F401  (registers the system checks)
