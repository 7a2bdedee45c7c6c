"""The short screening in a real browser, as an SHG facilitator uses it: a 360 px phone,
Khmer, one question per screen, answers kept on the phone across a reload, and the
same form without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from migra.accounts.models import User
from migra.config.tests.browser import browser_marks, log_in, new_page, overflow
from migra.screening.models import Screening
from migra.screening.tests.conftest import TRAFFICKED

pytestmark = browser_marks


def _log_in(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    log_in(page, live_server, client)


@pytest.fixture
def gina_km(transactional_db: None, cast: Any, catalogue: Any) -> User:
    gina = cast.users["gina"]
    gina.language = "km"
    gina.save(update_fields=["language"])
    return gina


def _current_topic(page: Any) -> str:
    return str(page.locator(".screening-q.is-current").get_attribute("data-topic"))


def _answer_all(page: Any, *, stop_after: int | None = None) -> int:
    """Answer the shown questions one by one: yes for the scenario, no otherwise."""
    answered = 0
    while page.locator(".screening-q.is-current").count():
        topic = _current_topic(page)
        value = TRAFFICKED.get(topic, "no")
        page.locator(f".screening-q.is-current input[value={value}]").check()
        answered += 1
        # Moves on by itself (no eval: the page's CSP forbids it).
        page.locator(f'.screening-q.is-current[data-topic="{topic}"]').wait_for(state="detached")
        if stop_after is not None and answered == stop_after:
            break
    return answered


def test_a_facilitator_screens_a_returned_worker_on_a_phone_in_khmer(
    browser: Any, live_server: Any, gina_km: User
) -> None:
    page, problems = new_page(browser)
    _log_in(page, live_server, gina_km)
    page.goto(f"{live_server.url}/app/screening/new/?mode=guided")
    assert page.locator("html").get_attribute("lang") == "km"
    assert overflow(page) == 0, "the page scrolls sideways at 360 px"
    # One screen at a time: first about the person (her commune is already chosen).
    assert page.locator(".screening-about").is_visible()
    assert not page.locator(".screening-q").first.is_visible()
    page.locator("input[name=sex][value=female]").check()
    page.locator("input[name=age_band][value='25-34']").check()
    page.locator("[data-nav=next]").click()
    question = page.locator(".screening-q.is-current .screening-q__text")
    assert "តើការងារ កន្លែងធ្វើការ ឬថៅកែ" in question.inner_text()
    assert "1" in page.locator(".screening-progress__text").inner_text()
    sizes = page.eval_on_selector_all(
        ".screening-q.is-current .screening-answer",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert len(sizes) == 3 and min(sizes) >= 44
    assert overflow(page) == 0
    assert _answer_all(page) == 16  # the adult short screening
    page.locator(".screening-submit button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/app/screening/*/")
    screening = Screening.objects.get()
    assert screening.result == "trafficking_labour"
    assert len(screening.answers) == 16
    label = page.locator(".screening-result__label").inner_text()
    assert "trafficking for labour exploitation" in label.lower() or "ជួញដូរ" in label
    assert "តើប្រាក់ឈ្នួលដែលអ្នកបានទទួល" in page.locator(".screening-dimensions").inner_text()
    assert overflow(page) == 0
    # The answers left the phone: nothing is kept once the result is shown.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('migra.'))") == []
    assert problems == [], problems  # no CSP violation, no script error


def test_answers_survive_a_reload_and_make_one_screening(
    browser: Any, live_server: Any, gina_km: User
) -> None:
    page, problems = new_page(browser)
    _log_in(page, live_server, gina_km)
    url = f"{live_server.url}/app/screening/new/?mode=guided"
    page.goto(url)
    token = page.locator("input[name=token]").input_value()
    page.locator("input[name=sex][value=female]").check()
    page.locator("input[name=age_band][value='25-34']").check()
    page.locator("[data-nav=next]").click()
    _answer_all(page, stop_after=3)
    # The connection drops, the page is opened again: the answers and the token are back.
    page.goto(url)
    assert page.locator("input[name=token]").input_value() == token
    assert page.locator(".screening-status").is_visible()
    assert page.locator("input[name=q_recruit_misled_work][value=yes]").is_checked()
    assert page.locator("input[name=q_recruit_misled_pay][value=yes]").is_checked()
    page.locator("[data-nav=next]").click()
    while page.locator(".screening-q.is-current").count():
        page.locator("[data-nav=next]").click()  # skip the rest
    page.locator(".screening-submit button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/app/screening/*/")
    assert Screening.objects.get().token.hex == token.replace("-", "")
    assert problems == [], problems


def test_a_child_gets_the_child_questions(browser: Any, live_server: Any, gina_km: User) -> None:
    page, _problems = new_page(browser)
    _log_in(page, live_server, gina_km)
    page.goto(f"{live_server.url}/app/screening/new/?mode=guided")
    page.locator("input[name=sex][value=female]").check()
    page.locator("input[name=age_band][value='15-17']").check()
    page.locator("[data-nav=next]").click()
    topics = page.eval_on_selector_all(
        ".screening-q:not(.is-unused)", "els => els.map(e => e.dataset.topic)"
    )
    assert len(topics) == 16
    assert "recruit_misled_education" in topics and "dest_dependent" not in topics


def test_without_javascript_every_question_is_on_one_page(
    browser: Any, live_server: Any, gina_km: User
) -> None:
    page, _problems = new_page(browser, java_script_enabled=False)
    _log_in(page, live_server, gina_km)
    page.goto(f"{live_server.url}/app/screening/new/?mode=guided")
    assert page.locator(".screening-q").count() == 18
    assert page.locator(".screening-q").nth(17).is_visible()
    assert overflow(page) == 0
    page.locator("input[name=sex][value=female]").check()
    page.locator("input[name=age_band][value='25-34']").check()
    for topic, value in TRAFFICKED.items():
        page.locator(f"input[name=q_{topic}][value={value}]").check()
    page.locator(".screening-submit button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/app/screening/*/")
    assert Screening.objects.get().result == "trafficking_labour"
