from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutorRelationsConfig(AppConfig):
    name = "tutor_relations"
    label = "tutor_relations"
    verbose_name = _("Tutor-student relations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tutor_relations import checks  # noqa: F401  (registers the system checks)
