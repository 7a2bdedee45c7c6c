"""The three languages of Migra, and moving a public URL from one language to another."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

# Each language is offered in its own script, so a reader finds theirs whatever
# language the page is in. Deliberately not translated.
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English", "th": "ไทย"}


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def path_in_language(path: str, language: str) -> str:
    """The same public page in another language: /km/news/?page=2 → /en/news/?page=2.

    A path without a language prefix (a staff page, an unknown address) leads to the
    public home page in that language.
    """
    current = translation.get_language_from_path(path)
    if current:
        return f"/{language}{path[len(current) + 1 :]}"
    return f"/{language}/"
