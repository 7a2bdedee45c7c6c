"""Public website views. Anonymous visitors get no session cookie from any of them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from migra.site.languages import path_in_language, supported_languages

LANGUAGE_COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html")


def _safe_next(request: HttpRequest, next_url: str) -> str:
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/"


@never_cache
@require_safe
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember a language in the cookie and go back (for visitors who are not logged in).

    GET ?language=en&next=/app/login/. A link, not a form, so that switching language
    needs neither a session nor a CSRF cookie. A `next` under a language prefix is
    moved to the chosen language (/km/… → /en/…), since the prefix wins over the cookie.
    """
    language = request.GET.get("language", "")
    next_url = _safe_next(request, request.GET.get("next", ""))
    if language not in supported_languages():
        return HttpResponseRedirect(next_url)
    if next_url.startswith("/"):
        next_url = _move_to_language(next_url, language)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or LANGUAGE_COOKIE_MAX_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


def _move_to_language(next_url: str, language: str) -> str:
    if translation.get_language_from_path(next_url):
        return path_in_language(next_url, language)
    return next_url
