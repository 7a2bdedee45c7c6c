"""Checking free text typed into cases, referrals and tips, the same way everywhere."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Line breaks and tabs are kept; every other control character is dropped.
_KEPT_CONTROLS = frozenset("\n\t")


def clean_text(
    value: Any, *, field: str, limit: int, required: bool = False, single_line: bool = False
) -> str:
    """Text as typed, tidied: line breaks unified, control characters (NUL, escapes,
    lone surrogates) dropped, spaces at the ends removed. Empty when `required`, or over
    `limit` characters, is an error naming `field` — never a silent cut."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")}, code="invalid")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        text = " ".join(text.split("\n"))
    text = "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")}, code="required")
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("Write at most %(limit)d characters (you wrote %(count)d).")
                % {"limit": limit, "count": len(text)}
            },
            code="max_length",
        )
    return text
