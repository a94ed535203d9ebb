"""The sample package's one model: notes a user keeps, for the keyset pagination tests.

Core has no models; this app exists only in core's suite. Its migration is written by
hand, compact: a foreign key to the user model needs one.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class Note(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, default="plain")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("1.00"))
    day = models.DateField(default=timezone.now)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "sample"

    def __str__(self) -> str:
        return f"Note {self.pk}"
