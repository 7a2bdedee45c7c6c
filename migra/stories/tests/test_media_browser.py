"""Resumable uploads in a real browser (Chromium, 360 px, Khmer): the story page's
upload form sends a photo through tus-js-client and shows it; a larger file whose
upload is cut off carries on after a reload from where it stopped (the fingerprint in
localStorage), without starting again; no script or CSP error."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.media.tests.images import jpeg_with_gps
from migra.stories.media_storage import private_storage
from migra.stories.models import MediaState, StoryMedia, StoryPhoto
from migra.stories.tests.media_helpers import media_dirs  # noqa: F401  (fixture)

pytestmark = [*browser_marks, pytest.mark.usefixtures("media_dirs")]

CHUNK = 5 * 1024 * 1024  # upload.js's chunk size


def _wait(page: Any, condition: Any, seconds: float = 30) -> None:
    """Wait for the database to show something, letting the browser work meanwhile
    (Playwright handles routes and events only while one of its calls runs)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        page.wait_for_timeout(100)


def _too_small(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('#photos button, #media button, #media summary')]
                .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
                .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


def test_upload_in_the_browser_resumes_after_a_reload(
    browser: Any, live_server: Any, transactional_db: None, crew: Any, story: Any, tmp_path: Path
) -> None:
    peter = crew.users["peter"]
    peter.language = "km"
    peter.save(update_fields=["language"])
    draft = story()
    page, problems = new_page(browser)
    client = Client()
    client.force_login(peter)
    log_in(page, live_server, client)
    url = f"{live_server.url}/app/stories/{draft.pk}/"
    page.goto(url)
    file_input = page.locator("form[data-tus-endpoint] input[type=file]")
    assert file_input.get_attribute("accept") == "image/*,audio/*,video/*"
    assert overflow(page) == 0 and _too_small(page) == []

    # A photo with GPS: sent with tus, prepared, shown after the page reloads itself.
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(jpeg_with_gps((800, 600)))
    file_input.set_input_files(str(photo))
    page.locator("form[data-tus-endpoint] button[type=submit]").click()
    page.wait_for_selector("#photos .stories-photos img", timeout=30_000)
    assert StoryPhoto.objects.filter(story=draft).count() == 1
    assert problems == []

    # A larger recording: the second part never arrives (the connection drops) …
    data = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2" + bytes(range(256)) * (
        (CHUNK + CHUNK // 2) // 256
    )
    recording = tmp_path / "ថ្ងៃទី១.m4a"
    recording.write_bytes(data)
    seen: list[tuple[str, str]] = []

    def cut_off(route: Any, request: Any) -> None:
        offset = request.headers.get("upload-offset", "")
        if request.method == "PATCH" and offset != "0":
            route.abort()
        else:
            route.continue_()

    page.route("**/uploads/**", cut_off)
    file_input = page.locator("form[data-tus-endpoint] input[type=file]")
    file_input.set_input_files(str(recording))
    page.locator("form[data-tus-endpoint] button[type=submit]").click()
    _wait(page, lambda: StoryMedia.objects.filter(story=draft, upload_offset=CHUNK).exists())

    # … the page is closed and opened again: it lists what is not finished.
    page.unroute("**/uploads/**")
    page.on(
        "request",
        lambda request: (
            seen.append((request.method, request.headers.get("upload-offset", "")))
            if "/uploads/" in request.url
            else None
        ),
    )
    page.goto(url)
    page.wait_for_selector(".stories-uploads li strong")
    assert page.locator(".stories-uploads li strong").inner_text() == recording.name
    # Choosing the same file again carries on from 5 MB instead of starting again.
    page.locator("form[data-tus-endpoint] input[type=file]").set_input_files(str(recording))
    page.locator("form[data-tus-endpoint] button[type=submit]").click()
    _wait(page, lambda: StoryMedia.objects.get(story=draft).state != MediaState.UPLOADING)
    page.wait_for_timeout(500)  # the browser's last events reach the test
    # No new upload was created (one row, no POST): the browser asked where to carry on.
    assert ("POST", "") not in seen and ("HEAD", "") in seen, seen
    media = StoryMedia.objects.get(story=draft)
    with private_storage().open(media.source_file, "rb") as handle:
        assert handle.read() == data  # byte for byte
    assert not [p for p in problems if "Content Security Policy" in p or "Error" in p[:20]]
