from django.contrib import admin

from migra.accounts.models import Agency, Membership, User
from migra.config.admin import AuditedModelAdmin


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    list_display = ("name_km", "name_en", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name_km", "name_en", "short_name")


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ("full_name", "email", "phone", "is_active", "is_superuser")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("full_name", "email", "phone")
    exclude = ("password", "groups", "user_permissions", "last_login")
    readonly_fields = ("date_joined", "deactivated_at", "version")


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ("user", "agency", "role", "all_places", "is_active")
    list_filter = ("role", "is_active")
    autocomplete_fields = ("user", "agency")
    filter_horizontal = ("places",)
