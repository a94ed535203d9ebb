from django.core.management.base import BaseCommand

from tutor_lessons.services import lessons_complete_past


class Command(BaseCommand):
    help = "Mark every scheduled lesson that has already ended as completed."

    def handle(self, *args, **options) -> None:
        count = lessons_complete_past()
        self.stdout.write(f"Marked {count} lesson(s) completed.")
