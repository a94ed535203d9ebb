"""The lessons admin: browse and search everything, change lessons only through the services.

Editing times or status in a form would skip the rules the API enforces (overlaps on
SQLite, expiry, signals), so lessons are read-only here and the one write, cancelling,
is an action that calls ``lesson_cancel``.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tutor_lessons.exceptions import LessonsError
from tutor_lessons.models import Lesson
from tutor_lessons.services import lesson_cancel


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["id", "start", "end", "status", "tutor", "student", "series_id"]
    list_filter = ["status", "start"]
    search_fields = ["=id", "=series_id"]
    date_hierarchy = "start"
    list_select_related = ["tutor", "student"]
    ordering = ["-start"]
    actions = ["cancel_lessons"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Lesson | None = None) -> bool:
        # The change view still shows the lesson; every field is read-only.
        return False

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        # Cancelling is a change: it needs the change permission that the forms no
        # longer use, not merely the right to look.
        return request.user.has_perm("tutor_lessons.change_lesson")

    @admin.action(description="Cancel the selected lessons", permissions=["cancel"])
    def cancel_lessons(self, request: HttpRequest, queryset: QuerySet[Lesson]) -> None:
        cancelled, refused = 0, []
        for lesson in queryset:
            try:
                lesson_cancel(lesson=lesson, actor=request.user, reason="Cancelled by staff.")
            except LessonsError as error:
                refused.append(f"#{lesson.pk}: {error}")
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, f"Cancelled {cancelled} lesson(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not cancelled: " + "; ".join(refused), messages.WARNING)
