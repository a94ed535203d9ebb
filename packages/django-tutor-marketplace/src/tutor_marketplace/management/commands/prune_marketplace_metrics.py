"""Delete ``MarketplaceMetrics`` rows older than the retention (``METRICS_RETENTION_DAYS``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from tutor_marketplace.conf import marketplace_settings
from tutor_marketplace.models import MarketplaceMetrics


class Command(BaseCommand):
    help = "Delete marketplace metric samples older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, help="Keep this many days (default: METRICS_RETENTION_DAYS)."
        )
        parser.add_argument("--batch-size", type=int, default=10000)

    def handle(self, *args: Any, days: int | None = None, batch_size: int = 10000, **options: Any):
        days = marketplace_settings.METRICS_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        deleted = 0
        # In batches: one huge DELETE would hold its locks and bloat WAL at once.
        while True:
            ids = list(
                MarketplaceMetrics.objects.filter(created_at__lt=cutoff).values_list(
                    "pk", flat=True
                )[:batch_size]
            )
            if not ids:
                break
            deleted += MarketplaceMetrics.objects.filter(pk__in=ids).delete()[0]
        self.stdout.write(f"Deleted {deleted} metric sample(s) older than {days} day(s).")
