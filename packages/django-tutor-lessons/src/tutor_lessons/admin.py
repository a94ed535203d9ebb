from django.contrib import admin

from tutor_lessons.models import Lesson


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["id", "start", "end", "status", "tutor", "student", "series_id"]
    list_filter = ["status", "start"]
    search_fields = ["=id", "=series_id"]
    date_hierarchy = "start"
    raw_id_fields = ["tutor", "student", "cancelled_by"]
    readonly_fields = ["created_at", "updated_at", "cancelled_by", "cancelled_at"]
    list_select_related = ["tutor", "student"]
    ordering = ["-start"]
