"""Template filters and tags available in every template (registered as builtins).

Dates and numbers follow the active language: in Khmer, Khmer month names (and Khmer
digits if the user asked for them, see migra.config.display); in English and Thai,
Django's locale formats (Thai month names from Django's Thai catalogue, Gregorian
years). Aware datetimes are shown in Django's current time zone (Asia/Phnom_Penh).

    {{ case.opened_on|kdate }}            24 វិច្ឆិកា 2026
    {{ case.opened_on|kdate:"short" }}    24/11/2026
    {{ report.month|kdate:"month" }}      វិច្ឆិកា 2026
    {{ note.created_at|kdatetime }}       24 វិច្ឆិកា 2026 ម៉ោង 14:30
    {{ total|knum }}                      80.000 (km) · 80,000 (en, th)
    {{ share|knum:1 }}                    12,5 (km) · 12.5 (en, th)
    {{ text|kdigits }}                    digits in Khmer when the user asked for them
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from migra.config.display import khmer_digits_active
from migra.lib.khmer import dates as khmer_dates
from migra.lib.khmer.digits import to_khmer_digits
from migra.lib.khmer.numbers import format_number
from migra.site.languages import LANGUAGE_NAMES, path_in_language

register = template.Library()

_DATE_FORMATS = {"long": "DATE_FORMAT", "short": "SHORT_DATE_FORMAT", "month": "YEAR_MONTH_FORMAT"}
_DATETIME_FORMATS = {
    "long": "DATETIME_FORMAT",
    "short": "SHORT_DATETIME_FORMAT",
    "month": "YEAR_MONTH_FORMAT",
}


def _in_khmer() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("km")


def _check_style(style: str) -> khmer_dates.DateStyle:
    if style not in khmer_dates.STYLES:
        raise template.TemplateSyntaxError(
            f"unknown date style {style!r}; use one of {', '.join(khmer_dates.STYLES)}"
        )
    return style  # type: ignore[return-value]


def _local(value: datetime) -> datetime:
    # Naive datetimes are taken to be local time already, as Django's own filters do.
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter(expects_localtime=True)
def kdate(value: Any, style: str = "long") -> str:
    """A date (or the local date of a datetime); "" for None or anything not a date."""
    checked = _check_style(style)
    if not isinstance(value, date):
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    if _in_khmer():
        return khmer_dates.format_date(value, style=checked, khmer_digits=khmer_digits_active())
    return formats.date_format(value, _DATE_FORMATS[checked])


@register.filter(expects_localtime=True)
def kdatetime(value: Any, style: str = "long") -> str:
    """A datetime in the current time zone; a plain date is shown as a date."""
    checked = _check_style(style)
    if not isinstance(value, datetime):
        return kdate(value, style)
    value = _local(value)
    if _in_khmer():
        return khmer_dates.format_datetime(value, style=checked, khmer_digits=khmer_digits_active())
    return formats.date_format(value, _DATETIME_FORMATS[checked])


@register.filter
def knum(value: Any, decimal_places: int | str | None = None) -> str:
    """A number with thousands grouped for the active language; other values unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    places = None if decimal_places is None or decimal_places == "" else int(decimal_places)
    number: int | float | Decimal
    if isinstance(value, int | float | Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return str(value)
    if not Decimal(str(number)).is_finite():
        return str(value)
    if _in_khmer():
        return format_number(number, khmer_digits=khmer_digits_active(), decimal_places=places)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def kdigits(value: Any) -> str:
    """Any text with its digits in Khmer when the page is Khmer and the user asked."""
    text = "" if value is None else str(value)
    if _in_khmer() and khmer_digits_active():
        return to_khmer_digits(text)
    return text


def _full_path(request: HttpRequest | None) -> str:
    return request.get_full_path() if isinstance(request, HttpRequest) else "/"


@register.simple_tag(takes_context=True)
def language_links(context: template.Context, mode: str = "public") -> list[dict[str, Any]]:
    """The three languages, each with the URL that switches to it.

    mode "public": the same public page under another prefix (/km/… → /en/…).
    mode "cookie": through site:set-language, which remembers the choice in the
    language cookie and comes back here (staff pages seen before logging in).
    Logged-in users switch with a POST form to accounts:set-language instead.
    """
    request = context.get("request")
    here = _full_path(request)
    current = translation.get_language() or settings.LANGUAGE_CODE
    links = []
    for code, _name in settings.LANGUAGES:
        if mode == "public":
            url = path_in_language(here, code)
        elif mode == "cookie":
            query = urlencode({"language": code, "next": here})
            url = f"{reverse('site:set-language')}?{query}"
        else:
            raise template.TemplateSyntaxError(f"unknown language_links mode {mode!r}")
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "url": url,
                "current": current.split("-")[0] == code,
            }
        )
    return links


@register.filter
def error_base(request: Any) -> str:
    """The base template an error page extends: the staff shell under /app/."""
    if isinstance(request, HttpRequest) and request.path.startswith("/app/"):
        return "staff/base.html"
    return "public/base.html"


@register.filter
def message_label(message: Any) -> str:
    """A word that says what kind of message this is, so colour is not the only sign."""
    labels = {
        "success": _("Done"),
        "error": _("Error"),
        "warning": _("Warning"),
        "info": _("Note"),
        "debug": _("Note"),
    }
    return labels.get(getattr(message, "level_tag", ""), _("Note"))


@register.filter
def error_home(request: Any) -> str:
    """Where "Go to the home page" leads from an error page."""
    if isinstance(request, HttpRequest) and request.path.startswith("/app/"):
        return "/app/"
    return "/"
