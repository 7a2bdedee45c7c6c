"""The public website: home page, language links and the language cookie."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from migra.site.languages import path_in_language

pytestmark = pytest.mark.django_db

SITE = settings.MIGRA_SITE_URL


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.mark.parametrize("language", ["km", "en", "th"])
def test_home_page_in_each_language(client: Client, language: str) -> None:
    response = client.get(f"/{language}/")
    html = _html(response)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert 'href="/app/"' in html  # staff login
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
    # Each language is offered in its own script, and the current one is marked.
    for code, name in [("km", "ខ្មែរ"), ("en", "English"), ("th", "ไทย")]:
        assert f'href="/{code}/" lang="{code}" hreflang="{code}"' in html
        assert f">{name}</a>" in html
        # hreflang alternates are absolute, from MIGRA_SITE_URL (not the Host header).
        assert f'<link rel="alternate" hreflang="{code}" href="{SITE}/{code}/">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{SITE}/km/">' in html
    assert f'<link rel="canonical" href="{SITE}/{language}/">' in html
    current = re.search(r'<a href="/(\w+)/"[^>]*aria-current="true"', html)
    assert current is not None and current.group(1) == language


def test_home_page_sets_no_cookie_for_an_anonymous_visitor(client: Client) -> None:
    response = client.get("/km/")
    assert response.status_code == 200
    assert dict(response.cookies) == {}
    assert "csrfmiddlewaretoken" not in _html(response)


def test_home_page_has_no_inline_script_or_style(client: Client) -> None:
    html = _html(client.get("/en/"))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert " style=" not in html and "<style" not in html
    assert re.search(r'<script src="/static/migra/app\.js">', html)
    assert 'href="/static/migra/app.css"' in html


def test_language_links_keep_the_page_and_its_query(client: Client) -> None:
    html = _html(client.get("/en/?page=2"))
    assert 'href="/km/?page=2"' in html
    assert 'href="/th/?page=2"' in html


@pytest.mark.parametrize(
    ("path", "language", "expected"),
    [
        ("/km/", "en", "/en/"),
        ("/km/news/2026/?page=2", "th", "/th/news/2026/?page=2"),
        ("/th/advice/", "km", "/km/advice/"),
        ("/en", "km", "/km"),
        ("/app/login/", "en", "/en/"),
        ("/kmer/", "en", "/en/"),
        ("/", "th", "/th/"),
    ],
)
def test_path_in_language(path: str, language: str, expected: str) -> None:
    assert path_in_language(path, language) == expected


# --------------------------------------------------------------------------- the language cookie


def test_set_language_remembers_the_choice_and_goes_back(client: Client) -> None:
    response = client.get("/km/language/", {"language": "th", "next": "/app/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/app/login/"
    cookie = response.cookies["migra_language"]
    assert cookie.value == "th"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    # The root of the site now sends this visitor to the Thai public site.
    assert client.get("/")["Location"] == "/th/"


def test_set_language_moves_a_public_page_to_the_chosen_language(client: Client) -> None:
    response = client.get("/km/language/", {"language": "en", "next": "/km/?page=3"})
    assert response["Location"] == "/en/?page=3"
    assert response.cookies["migra_language"].value == "en"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "http://testserver.evil.example/",
        "",
        "javascript:alert(1)",
    ],
)
def test_set_language_never_sends_anyone_elsewhere(client: Client, next_url: str) -> None:
    response = client.get("/en/language/", {"language": "km", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["migra_language"].value == "km"


@pytest.mark.parametrize("language", ["xx", "", "KM", "km-KH", "ខ្មែរ"])
def test_an_unknown_language_sets_no_cookie(client: Client, language: str) -> None:
    response = client.get("/km/language/", {"language": language, "next": "/app/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/app/login/"
    assert "migra_language" not in response.cookies


def test_set_language_accepts_only_get_and_head(client: Client) -> None:
    assert client.post("/km/language/", {"language": "en"}).status_code == 405
    assert client.head("/km/language/?language=en").status_code == 302
