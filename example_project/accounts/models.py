from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.timezones import validate_timezone_name


class User(AbstractUser):
    """A tutor or a student; ``timezone`` is where their lesson times are shown."""

    display_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text=_("IANA time zone name, e.g. Europe/Kyiv."),
    )

    def __str__(self) -> str:
        return self.display_name or self.username
