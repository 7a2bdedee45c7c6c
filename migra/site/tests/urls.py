"""The real URL map plus a few views that fail on purpose, to test the error pages."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from migra.config.urls import urlpatterns as real_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def bad(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("odd input")


@csrf_protect
def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("accepted")


def shell(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/base.html")


urlpatterns = [
    path("test-boom/", boom),
    path("app/test-boom/", boom),
    path("test-forbidden/", forbidden),
    path("app/test-forbidden/", forbidden),
    path("test-bad/", bad),
    path("test-form/", form),
    path("app/test-shell/", shell),
    *real_urlpatterns,
]
