"""The app of django-tutor-marketplace."""

from django.utils.translation import gettext_lazy as _

from tutor_core.apps import TutorAppConfig


class TutorMarketplaceConfig(TutorAppConfig):
    # Django's choice among this module's AppConfig classes (TutorAppConfig is one too).
    default = True
    name = "tutor_marketplace"
    label = "tutor_marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        super().ready()
        from tutor_marketplace import receivers

        receivers.connect()
