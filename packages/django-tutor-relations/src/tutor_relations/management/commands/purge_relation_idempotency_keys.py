from django.core.management.base import BaseCommand

from tutor_relations.idempotency import idempotency_keys_purge_expired


class Command(BaseCommand):
    help = "Delete the Idempotency-Key records older than IDEMPOTENCY_KEY_TTL."

    def handle(self, *args, **options) -> None:
        count = idempotency_keys_purge_expired()
        self.stdout.write(f"Deleted {count} expired idempotency key(s).")
