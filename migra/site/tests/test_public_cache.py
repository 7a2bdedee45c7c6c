"""The public page cache (migra.site.public_cache): what is kept, for whom, and how a
change drops it in every process at once.

The cache is off inside an open transaction, so these tests commit for real
(transaction=True); the views they visit count their renders (public_cache_urls.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client, override_settings

from migra.accounts.models import User
from migra.config.models import PublicContentGeneration
from migra.site import public_cache
from migra.site.public_cache import (
    PublicPageCache,
    current_generation,
    public_content_changed,
)

pytestmark = pytest.mark.django_db(transaction=True)

URLS = "migra.site.tests.public_cache_urls"


@pytest.fixture(autouse=True)
def _urls() -> Iterator[None]:
    public_cache.default_cache().forget_memory()
    with override_settings(ROOT_URLCONF=URLS):
        yield
    public_cache.default_cache().forget_memory()


def render(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode().split()[1]


def shared_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM migra_public_pages")
        return int(cursor.fetchone()[0])


def test_anonymous_page_is_kept_and_served_again(client: Client) -> None:
    first = client.get("/km/plain/")
    second = client.get("/km/plain/")
    assert first.status_code == second.status_code == 200
    assert first["X-Public-Cache"] == "miss"
    assert second["X-Public-Cache"] == "hit"
    assert render(first) == render(second)
    # The kept copy has every header the middleware below added the first time.
    assert second["Content-Language"] == "km"
    assert second["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in second
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"]
    assert not second.cookies


def test_conditional_get_answers_304(client: Client) -> None:
    etag = client.get("/km/plain/")["ETag"]
    again = client.get("/km/plain/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    other = client.get("/km/plain/", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_head_is_served_from_the_kept_get(client: Client) -> None:
    first = client.get("/km/plain/")
    head = client.head("/km/plain/")
    assert head.status_code == 200
    assert head["X-Public-Cache"] == "hit"
    assert head["ETag"] == first["ETag"]


def test_head_first_keeps_nothing(client: Client) -> None:
    client.head("/km/plain/")
    assert client.get("/km/plain/")["X-Public-Cache"] == "miss"


def test_query_language_and_host_make_separate_pages(client: Client) -> None:
    seen = {
        render(client.get("/km/plain/")),
        render(client.get("/km/plain/?page=2")),
        render(client.get("/en/plain/")),
        render(client.get("/km/plain/", HTTP_HOST="localhost")),
    }
    assert len(seen) == 4
    assert client.get("/km/plain/?page=2")["X-Public-Cache"] == "hit"


def test_language_cookie_keys_pages_without_a_prefix(client: Client) -> None:
    khmer = render(client.get("/plain-root/"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = render(client.get("/plain-root/"))
    assert english != khmer
    assert render(client.get("/plain-root/")) == english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "<script>"
    assert render(client.get("/plain-root/")) == khmer


def test_share_link_tracking_is_served_the_clean_page_but_never_kept(client: Client) -> None:
    first = client.get("/km/plain/?fbclid=first-click")
    assert "X-Public-Cache" not in first
    tracked = render(first)
    # What a tracked visit rendered is not kept (a page could echo the parameter) ...
    clean = client.get("/km/plain/")
    assert clean["X-Public-Cache"] == "miss" and render(clean) != tracked
    # ... but it is served the clean page, whatever its click id.
    for query in ("fbclid=second", "utm_source=facebook&utm_medium=post", "FBCLID=x"):
        served = client.get(f"/km/plain/?{query}")
        assert served["X-Public-Cache"] == "hit" and render(served) == render(clean)
    # Other parameters still make another page (rendered, and not kept either).
    other = client.get("/km/plain/?page=2&fbclid=x")
    assert "X-Public-Cache" not in other and render(other) != render(clean)


def test_hostile_and_huge_urls_are_kept_apart_calmly(client: Client) -> None:
    hostile = "/km/plain/?q=<script>alert(1)</script>&q=ស្វែងរក"
    huge = "/km/plain/?q=" + "ក" * 5000
    first, second = client.get(hostile), client.get(huge)
    assert first.status_code == second.status_code == 200
    assert render(first) != render(second)
    assert client.get(hostile)["X-Public-Cache"] == "hit"
    assert client.get("/km/plain/", HTTP_HOST="evil.example").status_code == 400


def test_change_drops_every_page_at_once(client: Client) -> None:
    before = render(client.get("/km/plain/"))
    gone_before = render(client.get("/km/gone/"))
    public_content_changed()
    after = client.get("/km/plain/")
    assert after["X-Public-Cache"] == "miss"
    assert render(after) != before
    assert render(client.get("/km/gone/")) != gone_before


def test_change_takes_effect_on_commit_and_not_on_rollback(client: Client) -> None:
    start = current_generation()
    with transaction.atomic():
        public_content_changed()
        assert current_generation() == start
    committed = current_generation()
    assert committed != start

    with pytest.raises(RuntimeError), transaction.atomic():
        public_content_changed()
        raise RuntimeError("the change failed")
    assert current_generation() == committed
    assert PublicContentGeneration.objects.get().changes == 1


def test_two_processes_share_pages_and_both_drop_them(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = PublicPageCache(), PublicPageCache()
    monkeypatch.setattr(public_cache, "_default_cache", one)
    made_by_one = render(client.get("/km/plain/"))
    monkeypatch.setattr(public_cache, "_default_cache", two)
    found_by_two = client.get("/km/plain/")
    # The second process finds the first one's page in the shared cache.
    assert found_by_two["X-Public-Cache"] == "hit"
    assert render(found_by_two) == made_by_one

    public_content_changed()  # in "a third process": only the database changes
    made_by_two = client.get("/km/plain/")
    assert made_by_two["X-Public-Cache"] == "miss"
    assert render(made_by_two) != made_by_one
    # The first process still holds the old page in memory and must not serve it.
    monkeypatch.setattr(public_cache, "_default_cache", one)
    seen_by_one = client.get("/km/plain/")
    assert render(seen_by_one) == render(made_by_two)


def test_logged_in_user_never_gets_or_fills_a_kept_page(client: Client) -> None:
    anonymous = render(client.get("/km/whoami/"))
    user = User.objects.create_user(email="reader@example.org", password="x" * 12)
    client.force_login(user)
    first = client.get("/km/whoami/")
    second = client.get("/km/whoami/")
    assert "reader@example.org" in first.content.decode()
    assert "X-Public-Cache" not in first and "X-Public-Cache" not in second
    assert len({anonymous, render(first), render(second)}) == 3

    client.logout()
    visitor = Client()
    seen = visitor.get("/km/whoami/")
    assert "reader@example.org" not in seen.content.decode()
    assert render(seen) == anonymous


def test_session_messages_and_credentials_bypass_the_cache(client: Client) -> None:
    kept = render(client.get("/km/plain/"))
    for cookie in (settings.SESSION_COOKIE_NAME, "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "whatever"
        assert render(visitor.get("/km/plain/")) != kept
    with_token = Client(headers={"Authorization": "Token abc"})
    assert render(with_token.get("/km/plain/")) != kept


def test_pages_with_forms_are_never_kept(client: Client) -> None:
    rows = shared_rows()
    first, second = client.get("/km/form/"), client.get("/km/form/")
    assert "csrfmiddlewaretoken" in second.content.decode()
    assert "X-Public-Cache" not in first and "X-Public-Cache" not in second
    assert settings.CSRF_COOKIE_NAME in second.cookies
    assert shared_rows() == rows


@override_settings(ROOT_URLCONF="migra.config.urls")
def test_report_a_concern_is_never_kept(client: Client) -> None:
    rows = shared_rows()
    first, second = client.get("/km/report/"), client.get("/km/report/")
    assert first.status_code == second.status_code == 200
    assert "X-Public-Cache" not in second
    assert "no-store" in second["Cache-Control"]
    assert shared_rows() == rows


@pytest.mark.parametrize(
    "url", ["/km/cookie/", "/km/private/", "/km/nonce/", "/km/missing/", "/km/varies/"]
)
def test_personal_or_failed_responses_are_never_kept(client: Client, url: str) -> None:
    rows = shared_rows()
    first, second = client.get(url), client.get(url)
    assert render(first) != render(second)
    assert shared_rows() == rows


def test_undecorated_views_and_posts_are_never_kept(client: Client) -> None:
    assert render(client.get("/km/undecorated/")) != render(client.get("/km/undecorated/"))
    kept = render(client.get("/km/plain/"))
    posted = client.post("/km/plain/")
    assert posted.status_code in (200, 403)  # no CSRF token: refused, never the kept page
    assert kept not in posted.content.decode().split()


def test_gone_and_moved_are_kept(client: Client) -> None:
    gone = client.get("/km/gone/")
    assert gone.status_code == 410
    again = client.get("/km/gone/")
    assert again.status_code == 410 and again["X-Public-Cache"] == "hit"
    assert client.get("/km/moved/").status_code == 301
    moved = client.get("/km/moved/")
    assert moved.status_code == 301
    assert moved["X-Public-Cache"] == "hit"
    assert moved["Location"] == "/km/plain/"


def test_the_decorator_works_without_the_middleware(client: Client) -> None:
    without = [m for m in settings.MIDDLEWARE if "public_cache" not in m]
    with override_settings(MIDDLEWARE=without):
        first, second = client.get("/km/plain/"), client.get("/km/plain/")
        assert second["X-Public-Cache"] == "hit"
        assert render(first) == render(second)
        assert second["X-Frame-Options"] == "DENY"  # added again around the kept page
        user = User.objects.create_user(email="reader@example.org", password="x" * 12)
        client.force_login(user)
        mine = client.get("/km/whoami/")
        assert "reader@example.org" in mine.content.decode()
        assert "X-Public-Cache" not in mine
        public_content_changed()
        assert Client().get("/km/plain/")["X-Public-Cache"] == "miss"


def test_a_missing_generation_row_is_made_again(client: Client) -> None:
    client.get("/km/plain/")
    PublicContentGeneration.objects.all().delete()
    response = client.get("/km/plain/")
    assert response["X-Public-Cache"] == "miss"
    assert PublicContentGeneration.objects.count() == 1
    public_content_changed()
    assert PublicContentGeneration.objects.get().changes == 1


def test_concurrent_changes_all_count(client: Client) -> None:
    start = PublicContentGeneration.objects.get_or_create(
        pk=1, defaults={"token": "x", "changed_at": "2026-01-01T00:00:00Z"}
    )[0]
    errors: list[BaseException] = []

    def change() -> None:
        try:
            with transaction.atomic():
                public_content_changed()
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=change) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    end = PublicContentGeneration.objects.get()
    assert end.changes == start.changes + 4
    assert end.token != start.token


@pytest.mark.django_db(transaction=False)
def test_nothing_is_kept_inside_an_open_transaction(client: Client) -> None:
    # Other apps' tests run inside a transaction and expect fresh pages every time.
    assert render(client.get("/km/plain/")) != render(client.get("/km/plain/"))
