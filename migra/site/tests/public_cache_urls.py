"""Test-only views for migra/site/tests/test_public_cache.py: each counts its renders,
so a test can tell a kept page (same count) from a new one."""

from __future__ import annotations

import itertools

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template import engines
from django.urls import include, path
from django.views.decorators.cache import never_cache

from migra.site.public_cache import public_page

renders = itertools.count(1)


def _page(request: HttpRequest, extra: str = "") -> HttpResponse:
    return HttpResponse(f"render {next(renders)} {extra}", content_type="text/plain")


@public_page
def plain(request: HttpRequest) -> HttpResponse:
    return _page(request)


def undecorated(request: HttpRequest) -> HttpResponse:
    return _page(request)


@public_page
def with_form(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string("<form method=post>{% csrf_token %}</form>")
    return HttpResponse(template.render({}, request))


@public_page
def sets_cookie(request: HttpRequest) -> HttpResponse:
    response = _page(request)
    response.set_cookie("seen", "1")
    return response


@public_page
@never_cache
def private(request: HttpRequest) -> HttpResponse:
    return _page(request)


@public_page
def uses_nonce(request: HttpRequest) -> HttpResponse:
    return _page(request, str(request.csp_nonce))  # type: ignore[attr-defined]


@public_page
def gone(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"gone {next(renders)}", status=410)


@public_page
def moved(request: HttpRequest) -> HttpResponse:
    next(renders)
    return HttpResponsePermanentRedirect("/km/plain/")


@public_page
def missing(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"missing {next(renders)}", status=404)


@public_page
def varies(request: HttpRequest) -> HttpResponse:
    response = _page(request)
    response["Vary"] = "Accept"
    return response


@public_page
def whoami(request: HttpRequest) -> HttpResponse:
    user = request.user
    name = user.get_username() if user.is_authenticated else "anonymous"
    return _page(request, name)


urlpatterns = [path("plain-root/", plain)]
urlpatterns += i18n_patterns(
    path("plain/", plain),
    path("undecorated/", undecorated),
    path("form/", with_form),
    path("cookie/", sets_cookie),
    path("private/", private),
    path("nonce/", uses_nonce),
    path("gone/", gone),
    path("moved/", moved),
    path("missing/", missing),
    path("varies/", varies),
    path("whoami/", whoami),
    # The error pages link to the site's home.
    path("", include("migra.site.urls")),
    prefix_default_language=True,
)
