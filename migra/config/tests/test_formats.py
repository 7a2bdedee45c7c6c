"""Dates and numbers as people read them: Khmer month names, Khmer digits, local time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import timezone, translation

from migra.config.display import (
    DisplayPreferencesMiddleware,
    khmer_digits_active,
    override_khmer_digits,
)
from migra.config.templatetags.migra_tags import kdate, kdatetime, kdigits, knum
from migra.lib.khmer.dates import MONTHS, format_date, format_datetime, month_name
from migra.lib.khmer.numbers import format_number

NOV_24 = date(2026, 11, 24)
PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")


# --------------------------------------------------------------------------- pure Khmer dates


def test_the_twelve_khmer_months_in_order() -> None:
    assert MONTHS == (
        "មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា",
        "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ",
    )  # fmt: skip
    assert month_name(1) == "មករា"
    assert month_name(12) == "ធ្នូ"
    for bad in (0, 13):
        with pytest.raises(ValueError):
            month_name(bad)


@pytest.mark.parametrize(
    ("style", "khmer_digits", "expected"),
    [
        ("long", True, "២៤ វិច្ឆិកា ២០២៦"),
        ("long", False, "24 វិច្ឆិកា 2026"),
        ("short", True, "២៤/១១/២០២៦"),
        ("short", False, "24/11/2026"),
        ("month", True, "វិច្ឆិកា ២០២៦"),
        ("month", False, "វិច្ឆិកា 2026"),
    ],
)
def test_format_date(style: str, khmer_digits: bool, expected: str) -> None:
    assert format_date(NOV_24, style=style, khmer_digits=khmer_digits) == expected  # type: ignore[arg-type]


def test_short_dates_pad_day_and_month_long_dates_do_not() -> None:
    assert format_date(date(2026, 1, 5), style="short") == "05/01/2026"
    assert format_date(date(2026, 1, 5), style="long") == "5 មករា 2026"
    assert format_date(date(2026, 1, 5), style="long", khmer_digits=True) == "៥ មករា ២០២៦"


def test_format_date_rejects_an_unknown_style() -> None:
    with pytest.raises(ValueError, match="unknown date style"):
        format_date(NOV_24, style="full")  # type: ignore[arg-type]


def test_format_datetime_uses_the_clock_the_value_carries() -> None:
    moment = datetime(2026, 11, 24, 14, 5, tzinfo=PHNOM_PENH)
    assert format_datetime(moment, style="long", khmer_digits=True) == "២៤ វិច្ឆិកា ២០២៦ ម៉ោង ១៤:០៥"
    assert format_datetime(moment, style="long") == "24 វិច្ឆិកា 2026 ម៉ោង 14:05"
    assert format_datetime(moment, style="short") == "24/11/2026 14:05"
    assert format_datetime(moment, style="month", khmer_digits=True) == "វិច្ឆិកា ២០២៦"
    naive = datetime(2026, 1, 2, 9, 30)  # noqa: DTZ001 (naive on purpose: the library takes either)
    assert format_datetime(naive, style="short", khmer_digits=True) == "០២/០១/២០២៦ ០៩:៣០"


# --------------------------------------------------------------------------- pure Khmer numbers


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0, {}, "0"),
        (999, {}, "999"),
        (1000, {}, "1.000"),
        (80000, {"khmer_digits": True}, "៨០.០០០"),
        (1234567, {"khmer_digits": True}, "១.២៣៤.៥៦៧"),
        (-1234567, {}, "-1.234.567"),
        (Decimal("1234.50"), {}, "1.234,50"),
        (12.5, {}, "12,5"),
        (12.345, {"decimal_places": 2}, "12,35"),
        (Decimal("2.5"), {"decimal_places": 0}, "3"),
        (-0.04, {"decimal_places": 1}, "0,0"),
        (Decimal("0.5"), {"khmer_digits": True}, "០,៥"),
    ],
)
def test_format_number(value: int | float | Decimal, kwargs: dict, expected: str) -> None:
    assert format_number(value, **kwargs) == expected


def test_format_number_refuses_what_is_not_a_number() -> None:
    with pytest.raises(TypeError):
        format_number(True)
    with pytest.raises(ValueError):
        format_number(float("nan"))


# --------------------------------------------------------------------------- template filters


@pytest.fixture
def khmer() -> object:
    with translation.override("km"):
        yield


def test_kdate_in_khmer_follows_the_digits_preference(khmer: object) -> None:
    assert kdate(NOV_24) == "24 វិច្ឆិកា 2026"
    with override_khmer_digits(True):
        assert kdate(NOV_24) == "២៤ វិច្ឆិកា ២០២៦"
        assert kdate(NOV_24, "short") == "២៤/១១/២០២៦"
        assert kdate(NOV_24, "month") == "វិច្ឆិកា ២០២៦"
    assert kdate(NOV_24, "short") == "24/11/2026"


def test_khmer_digits_apply_only_to_khmer_pages() -> None:
    with override_khmer_digits(True), translation.override("en"):
        assert kdate(NOV_24) == "Nov. 24, 2026"
        assert knum(80000) == "80,000"
        assert kdigits("page 3 of 10") == "page 3 of 10"
    with override_khmer_digits(True), translation.override("th"):
        assert kdate(NOV_24) == "24 พฤศจิกายน 2026"
        assert knum(80000) == "80,000"


def test_english_uses_django_formats() -> None:
    with translation.override("en"):
        assert kdate(NOV_24) == "Nov. 24, 2026"
        assert kdate(NOV_24, "short") == "11/24/2026"
        assert kdate(NOV_24, "month") == "November 2026"
        assert knum(Decimal("1234567.891"), 2) == "1,234,567.89"


def test_thai_uses_thai_month_names_and_the_gregorian_year() -> None:
    with translation.override("th"):
        assert kdate(NOV_24) == "24 พฤศจิกายน 2026"
        assert kdate(NOV_24, "month") == "พฤศจิกายน 2026"
        assert kdate(date(2026, 1, 5), "short") == "5 ม.ค. 2026"
        moment = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
        assert kdatetime(moment) == "24 พฤศจิกายน 2026, 14:30"


def test_aware_datetimes_are_shown_in_phnom_penh_time(khmer: object) -> None:
    assert timezone.get_current_timezone_name() == "Asia/Phnom_Penh"
    # 20:30 UTC on the 23rd is 03:30 on the 24th in Phnom Penh (UTC+7).
    late_utc = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
    assert kdatetime(late_utc) == "24 វិច្ឆិកា 2026 ម៉ោង 03:30"
    assert kdatetime(late_utc, "short") == "24/11/2026 03:30"
    assert kdate(late_utc) == "24 វិច្ឆិកា 2026"
    with translation.override("en"):
        assert kdatetime(late_utc) == "Nov. 24, 2026, 3:30 a.m."


def test_a_naive_datetime_is_taken_as_local_time(khmer: object) -> None:
    naive = datetime(2026, 11, 23, 20, 30)  # noqa: DTZ001 (the case under test)
    assert kdatetime(naive) == "23 វិច្ឆិកា 2026 ម៉ោង 20:30"
    assert kdate(naive, "short") == "23/11/2026"


def test_kdatetime_of_a_plain_date_shows_the_date(khmer: object) -> None:
    assert kdatetime(NOV_24) == "24 វិច្ឆិកា 2026"
    with translation.override("en"):
        assert kdatetime(NOV_24, "short") == "11/24/2026"


@pytest.mark.parametrize("empty", [None, "", "not a date", 42])
def test_date_filters_show_nothing_for_what_is_not_a_date(khmer: object, empty: object) -> None:
    assert kdate(empty) == ""
    assert kdatetime(empty) == ""


def test_an_unknown_style_is_a_template_error(khmer: object) -> None:
    with pytest.raises(TemplateSyntaxError, match="unknown date style"):
        kdate(NOV_24, "full")


def test_knum_in_khmer(khmer: object) -> None:
    assert knum(80000) == "80.000"
    assert knum(Decimal("12.5"), 1) == "12,5"
    assert knum("1234") == "1.234"
    with override_khmer_digits(True):
        assert knum(80000) == "៨០.០០០"
        assert knum(0) == "០"
        assert knum(12.345, "2") == "១២,៣៥"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("", ""), ("n/a", "n/a"), (True, "True"), (float("inf"), "inf")],
)
def test_knum_leaves_what_is_not_a_number(khmer: object, value: object, expected: str) -> None:
    with override_khmer_digits(True):
        assert knum(value) == expected


def test_kdigits(khmer: object) -> None:
    assert kdigits("ទំព័រ 3 / 10") == "ទំព័រ 3 / 10"
    with override_khmer_digits(True):
        assert kdigits("ទំព័រ 3 / 10") == "ទំព័រ ៣ / ១០"
        assert kdigits(None) == ""


def test_filters_in_a_template(khmer: object) -> None:
    template = Template('{{ d|kdate:"long" }} | {{ t|kdatetime:"short" }} | {{ n|knum }}')
    context = Context(
        {"d": NOV_24, "t": datetime(2026, 11, 24, 2, 0, tzinfo=UTC), "n": 1500, "missing": None}
    )
    with override_khmer_digits(True):
        assert template.render(context) == "២៤ វិច្ឆិកា ២០២៦ | ២៤/១១/២០២៦ ០៩:០០ | ១.៥០០"
    assert (
        Template("[{{ missing|kdate }}][{{ nothing|kdatetime }}][{{ nothing|knum }}]").render(
            context
        )
        == "[][][]"
    )


# ---------------------------------------------------------------- the preference per request


class _User:
    """Stands in for a logged-in user; the middleware reads only these two attributes."""

    is_authenticated = True

    def __init__(self, khmer_digits: bool) -> None:
        self.khmer_digits = khmer_digits


def _render_through_middleware(user: object) -> str:
    request = RequestFactory().get("/app/")
    request.user = user  # type: ignore[assignment]
    seen_inside = []

    def view(_request: HttpRequest) -> HttpResponse:
        seen_inside.append(khmer_digits_active())
        with translation.override("km"):
            return HttpResponse(
                Template("{{ d|kdate }} {{ n|knum }}").render(Context({"d": NOV_24, "n": 2500}))
            )

    response = DisplayPreferencesMiddleware(view)(request)
    assert khmer_digits_active() is False, "the preference must not outlive the request"
    assert seen_inside == [bool(getattr(user, "khmer_digits", False) and user.is_authenticated)]  # type: ignore[attr-defined]
    return response.content.decode()


def test_the_requesting_users_preference_decides_the_digits() -> None:
    assert _render_through_middleware(_User(khmer_digits=True)) == "២៤ វិច្ឆិកា ២០២៦ ២.៥០០"
    assert _render_through_middleware(_User(khmer_digits=False)) == "24 វិច្ឆិកា 2026 2.500"
    assert _render_through_middleware(AnonymousUser()) == "24 វិច្ឆិកា 2026 2.500"


@pytest.mark.django_db
def test_the_user_models_preference_field_is_the_one_read() -> None:
    from migra.accounts.models import User

    user = User.objects.create_user(
        email="digits@example.org", password="x" * 12, full_name="សុខា", khmer_digits=True
    )
    assert _render_through_middleware(user) == "២៤ វិច្ឆិកា ២០២៦ ២.៥០០"
    user.khmer_digits = False
    assert _render_through_middleware(user) == "24 វិច្ឆិកា 2026 2.500"
