"""The audit trail in Django's admin: read-only, for superusers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from migra.audit.models import AuditEvent
from migra.audit.verify import HASHED_FIELDS


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_type", "object_id", "object_label")
    ordering = ("-seq",)
    show_full_result_count = False  # a full count of millions of rows is slow
    readonly_fields = (*HASHED_FIELDS, "hash")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
