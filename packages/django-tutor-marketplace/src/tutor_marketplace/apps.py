from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TutorMarketplaceConfig(AppConfig):
    name = "tutor_marketplace"
    label = "tutor_marketplace"
    verbose_name = _("Marketplace")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tutor_marketplace import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,
        )

        receivers.connect()
