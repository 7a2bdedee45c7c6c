"""Admin classes shared by the apps: every change made in Django's admin is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from migra.audit.models import AuditAction
from migra.audit.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """Writes through the admin leave the same audit trail as the staff app."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            target=obj,
            changes={"via": "admin", "fields": sorted(form.changed_data)},
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        audit_record(
            actor=request.user,
            action=AuditAction.DELETE,
            target=obj,
            changes={"via": "admin"},
            request=request,
        )
        super().delete_model(request, obj)
