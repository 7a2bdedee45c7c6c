"""Khmer first: the language a page is shown in, and switching it."""

from __future__ import annotations

from django.urls import reverse

from migra.accounts.tests.conftest import login_as


def test_login_page_is_khmer_by_default_even_for_english_browsers(client, db):  # type: ignore[no-untyped-def]
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "km"
    assert 'lang="km"' in response.content.decode()


def test_cookie_chooses_the_language_before_login(client, db):  # type: ignore[no-untyped-def]
    client.cookies["migra_language"] = "th"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "th"


def test_user_preference_wins_after_login(client, cast):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    gina.language = "en"
    gina.save(update_fields=["language"])
    client.cookies["migra_language"] = "th"
    login_as(client, gina)
    assert client.get(reverse("accounts:home"))["Content-Language"] == "en"


def test_switching_language_saves_it_on_the_user(client, cast):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    login_as(client, gina)
    response = client.post(reverse("accounts:set-language"), {"language": "th", "next": "/app/me/"})
    assert response.status_code == 302 and response["Location"] == "/app/me/"
    gina.refresh_from_db()
    assert gina.language == "th"
    assert client.get(reverse("accounts:home"))["Content-Language"] == "th"


def test_unknown_language_changes_nothing(client, cast):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    login_as(client, gina)
    for bad in ["xx", "", "km' OR 1=1", "ខ្មែរ" * 100]:
        client.post(reverse("accounts:set-language"), {"language": bad})
    gina.refresh_from_db()
    assert gina.language == "km"
    assert "migra_language" not in client.cookies or client.cookies["migra_language"].value in {
        "km",
        "en",
        "th",
    }


def test_preferences_page_saves_khmer_digits(client, cast):  # type: ignore[no-untyped-def]
    gina = cast.users["gina"]
    login_as(client, gina)
    response = client.post(
        reverse("accounts:preferences"), {"form": "prefs", "language": "km", "khmer_digits": "on"}
    )
    assert response.status_code == 302
    gina.refresh_from_db()
    assert gina.khmer_digits is True


def test_staff_pages_send_security_headers(client, db):  # type: ignore[no-untyped-def]
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
