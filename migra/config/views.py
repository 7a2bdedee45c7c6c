"""Views that belong to no single app: health check and the public root."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from migra.config.health import health_report
from migra.config.middleware import language_for


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_GET
def public_root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"/{language_for(request)}/")
