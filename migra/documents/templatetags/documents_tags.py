"""{% load documents_tags %}: `{{ version.size|filesize }}` — 512 bytes, 12 KB, 3.4 MB
in the page's language (Khmer digits when the reader asked for them)."""

from __future__ import annotations

from typing import Any

from django import template

from migra.documents.files import human_size

register = template.Library()


@register.filter
def filesize(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return ""
    return human_size(value)
