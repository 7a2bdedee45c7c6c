"""The page shells (staff and public) and the error pages."""

from __future__ import annotations

import re

import pytest
from django.template import loader
from django.test import Client, override_settings
from django.utils import translation

from migra.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("migra.site.tests.urls")]


def _html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def english(client: Client) -> Client:
    """Staff pages have no language prefix: the cookie picks English for readable asserts."""
    client.cookies["migra_language"] = "en"
    return client


@pytest.fixture
def sokha() -> User:
    return User.objects.create_user(
        email="sokha@example.org", password="x" * 12, full_name="សុខា ចាន់", language="en"
    )


# --------------------------------------------------------------------------- staff shell


def test_staff_shell_for_a_logged_in_user(client: Client, sokha: User) -> None:
    client.force_login(sokha)
    response = client.get("/app/test-shell/")
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert "សុខា ចាន់" in html
    # The menu button opens the collapsible part that holds the navigation.
    assert re.search(
        r'<button type="button" class="menu-toggle" data-menu-toggle '
        r'aria-controls="topbar-menu" aria-expanded="false">',
        html,
    )
    assert 'id="topbar-menu"' in html
    assert '<nav class="mainnav"' in html and 'href="/app/"' in html
    assert 'href="/app/me/"' in html  # preferences
    # Log out is a POST form with a CSRF token, never a link.
    logout = re.search(r'<form method="post" action="/app/logout/">(.*?)</form>', html, re.S)
    assert logout is not None
    assert 'name="csrfmiddlewaretoken"' in logout.group(1)
    assert 'href="/app/logout/"' not in html
    # The language switcher posts to the user's preferences, coming back here.
    switch = re.search(r'<form method="post" action="/app/me/language/">(.*?)</form>', html, re.S)
    assert switch is not None
    body = switch.group(1)
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<input type="hidden" name="next" value="/app/test-shell/">' in body
    for code, name in [("km", "ខ្មែរ"), ("en", "English"), ("th", "ไทย")]:
        assert f'name="language" value="{code}" lang="{code}"' in body
        assert f">{name}</button>" in body
    assert 'value="en" lang="en" aria-current="true"' in body


def test_staff_shell_before_login(english: Client) -> None:
    html = _html(english.get("/app/test-shell/"))
    assert "menu-toggle" not in html
    assert "usermenu" not in html
    assert "/app/logout/" not in html
    # Anonymous visitors switch with plain links that set the cookie and come back.
    for code in ["km", "en", "th"]:
        assert f'href="/en/language/?language={code}&amp;next=%2Fapp%2Ftest-shell%2F"' in html


def test_the_language_link_before_login_takes_effect(client: Client) -> None:
    html = _html(client.get("/app/test-shell/"))
    assert '<html lang="km">' in html
    link = re.search(r'href="([^"]*language=th[^"]*)"', html)
    assert link is not None
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response["Location"] == "/app/test-shell/"
    assert '<html lang="th">' in _html(client.get("/app/test-shell/"))


# --------------------------------------------------------------------------- error pages


def test_not_found_on_the_public_site(client: Client) -> None:
    response = client.get("/en/no-such-page/")
    html = _html(response)
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'class="public"' in html
    assert 'href="/km/no-such-page/"' in html  # the language links still work
    assert '<a class="button" href="/">' in html


def test_not_found_in_the_staff_app_uses_the_staff_shell(english: Client) -> None:
    response = english.get("/app/no-such-page/")
    html = _html(response)
    assert response.status_code == 404
    assert 'class="staff"' in html
    assert '<a class="button" href="/app/">' in html


def test_forbidden(english: Client) -> None:
    response = english.get("/app/test-forbidden/")
    assert response.status_code == 403
    assert "You cannot open this page" in _html(response)
    assert 'class="staff"' in _html(response)
    public = english.get("/test-forbidden/")
    assert public.status_code == 403 and 'class="public"' in _html(public)


def test_a_stale_form_gets_a_friendly_page(english: Client) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies["migra_language"] = "en"
    response = strict.post("/test-form/", {"anything": "1"})
    assert response.status_code == 403
    assert "The form has expired" in _html(response)


def test_bad_request(english: Client) -> None:
    response = english.get("/test-bad/")
    assert response.status_code == 400
    assert "Something was wrong with that request" in _html(response)


def test_server_error(english: Client) -> None:
    english.raise_request_exception = False
    response = english.get("/app/test-boom/")
    html = _html(response)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert '<html lang="en">' in html
    assert 'href="/static/migra/app.css"' in html


def test_server_error_page_needs_no_context_and_no_database(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    with translation.override("en"), django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Something went wrong" in html
    assert "{%" not in html and "{{" not in html


@pytest.mark.parametrize("name", ["400.html", "403.html", "403_csrf.html", "404.html"])
def test_error_pages_render_without_a_request(name: str) -> None:
    # Django renders 400.html and 403_csrf.html without a request; none may crash then.
    with translation.override("en"):
        html = loader.get_template(name).render({})
    assert 'class="public"' in html and "error-page" in html


@override_settings(DEBUG=False)
def test_error_pages_send_no_session_cookie(client: Client) -> None:
    response = client.get("/km/no-such-page/")
    assert response.status_code == 404
    assert "sessionid" not in response.cookies
