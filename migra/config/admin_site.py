"""Django's admin site for superusers only (imported before apps load: no model imports)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Migra"
    site_title = "Migra admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class MigraAdminConfig(AdminConfig):
    default_site = "migra.config.admin_site.SuperuserAdminSite"
