"""Public website views. Anonymous visitors get no session cookie from any of them
(the "report a concern" form sets only the CSRF cookie its form needs)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_safe

from migra.cases.models import TipSource
from migra.cases.tip_forms import ReportConcernForm, report_place_children
from migra.cases.tip_services import tip_submit
from migra.config.forms import add_service_errors
from migra.site.languages import path_in_language, supported_languages
from migra.site.ratelimit import first_time, forget, over_limit

logger = logging.getLogger(__name__)

LANGUAGE_COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())
# Posts of the report form per visitor address: (how many, in how many seconds).
REPORT_RATE_LIMITS = ((8, 10 * 60), (30, 24 * 60 * 60))
# The same report posted again within this time is kept once (a double tap).
REPORT_DUPLICATE_SECONDS = 10 * 60


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


# --------------------------------------------------------------------------- report a concern


def _report_limits() -> tuple[tuple[int, int], ...]:
    return tuple(getattr(settings, "MIGRA_REPORT_RATE_LIMITS", REPORT_RATE_LIMITS))


def _report_page(request: HttpRequest, form: ReportConcernForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "site/report.html",
        {"form": form, "hotline": getattr(settings, "MIGRA_HOTLINE_NUMBER", "")},
        status=status,
    )


def _thanks() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("site:report-thanks"))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report_concern(request: HttpRequest) -> HttpResponse:
    """The public "report a concern" form; a report becomes a tip in the triage queue.

    A robot that fills the hidden field, and the same report posted twice, get the
    same thank-you page as anyone, and nothing (more) is kept. Too many posts from one
    address get a calm "try again later" (429). The thank-you page repeats nothing of
    what was written."""
    if request.method != "POST":
        return _report_page(request, ReportConcernForm())
    if over_limit(request, scope="report", limits=_report_limits()):
        return render(
            request,
            "site/report_limited.html",
            {"hotline": getattr(settings, "MIGRA_HOTLINE_NUMBER", "")},
            status=429,
        )
    form = ReportConcernForm(request.POST)
    if form.honeypot_filled:
        logger.info("Report form: the hidden field was filled in; nothing was kept.")
        return _thanks()
    if form.is_valid():
        data = form.cleaned_data
        place = data["place"]
        key = first_time(
            scope="report",
            parts=[data["text"], data["contact"], place.code if place else "", data["place_note"]],
            seconds=REPORT_DUPLICATE_SECONDS,
        )
        if key is None:
            return _thanks()
        try:
            tip_submit(
                source=TipSource.PUBLIC_FORM,
                text=data["text"],
                contact=data["contact"],
                place=place,
                place_note=data["place_note"],
            )
        except ValidationError as error:
            forget(key)
            add_service_errors(form, error)
        except BaseException:
            forget(key)
            raise
        else:
            return _thanks()
    return _report_page(request, form, status=400)


@require_safe
def report_thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "site/report_thanks.html",
        {"hotline": getattr(settings, "MIGRA_HOTLINE_NUMBER", "")},
    )


@cache_control(public=True, max_age=24 * 60 * 60)
@require_safe
def report_places(request: HttpRequest, code: str) -> JsonResponse:
    """The districts of a province, or the communes of a district, for the form's lists."""
    places = report_place_children(code)
    return JsonResponse({"places": [{"code": p.code, "name": p.name} for p in places]})
