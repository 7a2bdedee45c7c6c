"""Dates and times written the Khmer way: Khmer month names, optionally Khmer digits.

Pure Python (no Django): the caller converts aware datetimes to the zone it wants to
show (the web layer uses Django's current time zone, Asia/Phnom_Penh) before calling.

    >>> format_date(date(2026, 11, 24), style="long", khmer_digits=True)
    '២៤ វិច្ឆិកា ២០២៦'
    >>> format_date(date(2026, 11, 24), style="short", khmer_digits=False)
    '24/11/2026'

The year is the Gregorian year, as Cambodian offices write it in everyday documents.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from migra.lib.khmer.digits import to_khmer_digits

DateStyle = Literal["long", "short", "month"]
STYLES: tuple[DateStyle, ...] = ("long", "short", "month")

MONTHS = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)

# "ម៉ោង" (hour) introduces the time in a long date: "២៤ វិច្ឆិកា ២០២៦ ម៉ោង ១៤:៣០".
HOUR_WORD = "ម៉ោង"


def month_name(month: int) -> str:
    """The Khmer name of a month, 1 = មករា (January)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, not {month}")
    return MONTHS[month - 1]


def _digits(text: str, khmer_digits: bool) -> str:
    return to_khmer_digits(text) if khmer_digits else text


def format_date(value: date, *, style: DateStyle = "long", khmer_digits: bool = False) -> str:
    """A date in Khmer. A datetime is shown by its date part, in the zone it carries.

    long: "24 វិច្ឆិកា 2026"; short: "24/11/2026"; month: "វិច្ឆិកា 2026".
    """
    if style == "long":
        text = f"{value.day} {month_name(value.month)} {value.year}"
    elif style == "short":
        text = f"{value.day:02d}/{value.month:02d}/{value.year}"
    elif style == "month":
        text = f"{month_name(value.month)} {value.year}"
    else:
        raise ValueError(f"unknown date style {style!r}; use one of {', '.join(STYLES)}")
    return _digits(text, khmer_digits)


def format_time(value: datetime, *, khmer_digits: bool = False) -> str:
    """24-hour time, "14:05", as Cambodian offices write it."""
    return _digits(f"{value.hour:02d}:{value.minute:02d}", khmer_digits)


def format_datetime(
    value: datetime, *, style: DateStyle = "long", khmer_digits: bool = False
) -> str:
    """A date and time in Khmer, in the zone the datetime carries (convert it first).

    long: "24 វិច្ឆិកា 2026 ម៉ោង 14:30"; short: "24/11/2026 14:30"; month: as format_date.
    """
    day = format_date(value, style=style, khmer_digits=khmer_digits)
    if style == "month":
        return day
    time = format_time(value, khmer_digits=khmer_digits)
    if style == "long":
        return f"{day} {HOUR_WORD} {time}"
    return f"{day} {time}"
