"""The relations admin: browse and search relations and their audit log, read-only.

Changing a status in a form would skip the service (its log row, its signal), and the
log is append-only, so nobody — superusers included — adds, changes or deletes here.

The log's rows outlive the users and relations they name, so its pages show the ids
(``relation_id``, ``actor_id``) rather than following the foreign keys.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tutor_relations.models import RelationStatusLog, TutorStudentRelation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change view still shows the row; every field is read-only.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: Every field an inline log row shows, each read-only.
_INLINE_LOG_FIELDS = ("timestamp", "prev_status", "new_status", "actor_id", "metadata")
#: Every field a log entry's page shows, each read-only.
_LOG_PAGE = ("id", "relation_id", "prev_status", "new_status", "actor_id", "timestamp", "metadata")


class RelationStatusLogInline(admin.TabularInline):
    model = RelationStatusLog
    fields = _INLINE_LOG_FIELDS
    readonly_fields = _INLINE_LOG_FIELDS
    ordering = ["timestamp", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TutorStudentRelation)
class TutorStudentRelationAdmin(ReadOnlyAdmin):
    list_display = ["id", "tutor", "student", "status", "created", "modified"]
    list_filter = ["status", "created"]
    search_fields = ["=id"]
    list_select_related = ["tutor", "student"]
    ordering = ["-created", "-id"]
    inlines = [RelationStatusLogInline]


@admin.register(RelationStatusLog)
class RelationStatusLogAdmin(ReadOnlyAdmin):
    list_display = ["id", "relation_id", "prev_status", "new_status", "actor_id", "timestamp"]
    fields = _LOG_PAGE
    readonly_fields = _LOG_PAGE
    list_filter = ["new_status", "timestamp"]
    search_fields = ["=relation__id"]
    ordering = ["-timestamp", "-id"]
    date_hierarchy = "timestamp"
