"""The app of django-tutor-relations."""

from django.utils.translation import gettext_lazy as _

from tutor_core.apps import TutorAppConfig


class TutorRelationsConfig(TutorAppConfig):
    # Django's choice among this module's AppConfig classes (TutorAppConfig is one too).
    default = True
    name = "tutor_relations"
    label = "tutor_relations"
    verbose_name = _("Tutor-student relations")
