"""A custom user model, as a host project would have, so no package assumes auth.User."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Person(AbstractUser):
    # What a host's user often has beside AbstractUser's names: the marketplace's
    # display-name hook reads the first, lessons' calendar the second.
    display_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
