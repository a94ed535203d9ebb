"""A custom user model, as a host project would have, so the package never assumes auth.User."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Person(AbstractUser):
    display_name = models.CharField(max_length=150, blank=True)
