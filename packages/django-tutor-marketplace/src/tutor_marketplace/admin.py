"""The marketplace admin: profiles with their slots, subjects, drafts, and read-only metrics.

Profile edits here go through ``Model.save()`` and the M2M manager, so the receivers in
``tutor_marketplace.receivers`` invalidate the listing cache just as the API does.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from tutor_marketplace.models import (
    MarketplaceMetrics,
    ProfileDraft,
    Subject,
    TutorProfile,
    WeeklyAvailability,
)


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 0


@admin.register(TutorProfile)
class TutorProfileAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "headline", "is_published", "hourly_rate", "currency", "modified"]
    list_filter = ["is_published", "currency", "subjects"]
    list_select_related = ["user"]
    filter_horizontal = ["subjects"]
    inlines = [WeeklyAvailabilityInline]
    readonly_fields = ["created", "modified"]
    raw_id_fields = ["user"]
    ordering = ["-created"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["headline", f"user__{get_user_model().USERNAME_FIELD}"]


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(ProfileDraft)
class ProfileDraftAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "updated_at"]
    readonly_fields = ["user", "data", "version", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MarketplaceMetrics)
class MarketplaceMetricsAdmin(admin.ModelAdmin):
    """Samples are written by the telemetry buffer only: browse and filter, never edit."""

    list_display = ["metric", "value", "created_at", "labels"]
    list_filter = ["metric", ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
