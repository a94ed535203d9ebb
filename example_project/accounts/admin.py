from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "timezone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Profile", {"fields": ("display_name", "timezone")}),
    )
    list_display = ("username", "display_name", "timezone", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    list_filter = (*DjangoUserAdmin.list_filter, "timezone")
