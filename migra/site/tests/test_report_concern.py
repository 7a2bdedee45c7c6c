"""The public "report a concern" form: a report becomes an encrypted tip in the triage
queue; spam, floods, double taps and hostile input change nothing else."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from migra.accounts.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    Cast,
    cast,
    make_place,
)
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import Notification, Tip, TipSource, TipStatus
from migra.cases.tip_services import MAX_CONTACT, MAX_TEXT, tip_parts
from migra.places.models import PlaceKind

pytestmark = pytest.mark.django_db

URL = "/en/report/"
TEXT = "My sister went to Thailand with a broker in May. Her phone was taken; she is not paid."


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _post(client: Client, *, _ip: str = "192.0.2.10", forwarded: str = "", **fields: Any) -> Any:
    data = {"text": TEXT, "where": "kh", "province": "", "contact": "", "website": ""}
    data.update(fields)
    meta = {"REMOTE_ADDR": _ip}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(URL, data, **meta)


def _html(response: Any) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- the page


@pytest.mark.parametrize("language", ["km", "en", "th"])
def test_the_page_in_each_language(client: Client, cast: Cast, language: str) -> None:  # noqa: F811
    response = client.get(f"/{language}/report/")
    html = _html(response)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="text"' in html and 'maxlength="5000"' in html
    assert "117" in html  # the police, in danger
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # The provinces of Cambodia are offered; the hidden robot trap is there.
    assert 'value="01"' in html and 'value="17"' in html
    assert re.search(r'<div class="report-hp" aria-hidden="true">', html)
    assert 'name="website"' in html and 'tabindex="-1"' in html


def test_the_page_has_no_inline_script_or_style(client: Client, cast: Cast) -> None:  # noqa: F811
    html = _html(client.get(URL))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert " style=" not in html and "<style" not in html
    assert '<script src="/static/site/report.js" defer>' in html


def test_english_text_is_calm_and_says_what_happens(client: Client, cast: Cast) -> None:  # noqa: F811
    html = _html(client.get(URL))
    assert "Report a concern" in html
    assert "You do not need to give your name." in html
    assert "It is kept private" in html
    assert "call the police on 117" in html


# --------------------------------------------------------------------------- a report


def test_a_valid_report_becomes_a_tip(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(
        client,
        province="01",
        district="0102",
        commune="010201",
        place_note="Ou Thum village",
        contact="012 345 678",
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/report/thanks/"
    tip = Tip.objects.get()
    assert tip.source == TipSource.PUBLIC_FORM
    assert tip.status == TipStatus.NEW
    assert tip.place == cast.places["010201"]
    assert tip.contact == "+85512345678"
    assert tip.recorded_by is None
    assert tip_parts(tip) == ("Ou Thum village", TEXT)
    # The audit trail records the report without the reporter's address or words.
    event = AuditEvent.objects.get(object_type="cases.tip", action=AuditAction.CREATE)
    assert event.actor_id is None
    assert event.ip is None and event.user_agent == "" and event.path == ""
    assert event.changes == {"source": "public_form", "has_contact": True, "place_kind": "commune"}
    assert "sister" not in str(event.changes)


def test_the_thank_you_page_repeats_nothing(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(client, contact="012 345 678")
    thanks = client.get(response["Location"])
    html = _html(thanks)
    assert thanks.status_code == 200
    assert "Thank you. We received your report." in html
    for secret in ("sister", "broker", "012 345 678", "+85512345678", "tip", "#"):
        assert secret not in html.lower().replace('href="#main"', "")
    assert "noindex" in html


def test_only_a_province_is_enough(client: Client, cast: Cast) -> None:  # noqa: F811
    assert _post(client, province="17").status_code == 302
    assert Tip.objects.get().place == cast.places["17"]


def test_abroad_with_a_country_and_a_city(client: Client, cast: Cast) -> None:  # noqa: F811
    thailand = make_place("TH", PlaceKind.COUNTRY, "Thailand", None)
    html = _html(client.get(URL))
    assert 'value="TH"' in html and "Thailand" in html
    response = _post(client, where="abroad", country="TH", place_note="Rayong, a fishing boat")
    assert response.status_code == 302
    tip = Tip.objects.get()
    assert tip.place == thailand
    assert tip_parts(tip) == ("Rayong, a fishing boat", TEXT)


def test_another_country_or_not_known_keeps_no_place(client: Client, cast: Cast) -> None:  # noqa: F811
    assert _post(client, where="abroad", country="other", place_note="Dubai").status_code == 302
    assert _post(client, where="unknown", text="Another story").status_code == 302
    assert list(Tip.objects.values_list("place", flat=True)) == [None, None]


def test_a_province_is_ignored_when_the_answer_is_abroad(client: Client, cast: Cast) -> None:  # noqa: F811
    assert _post(client, where="abroad", province="01", country="").status_code == 302
    assert Tip.objects.get().place is None


# --------------------------------------------------------------------------- bad input


def test_empty_report_is_refused(client: Client, cast: Cast) -> None:  # noqa: F811
    for text in ("", "   \n\t  "):
        response = _post(client, text=text)
        assert response.status_code == 400
        assert "Tell us what happened." in _html(response)
    assert not Tip.objects.exists()


def test_oversized_text_and_contact_are_refused(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(client, text="ក" * (MAX_TEXT + 1))
    assert response.status_code == 400
    assert "Write at most 5000 characters" in _html(response)
    response = _post(client, contact="1" * (MAX_CONTACT + 1))
    assert response.status_code == 400
    response = _post(client, place_note="x" * 201)
    assert response.status_code == 400
    assert not Tip.objects.exists()
    # Exactly at the limits is fine.
    assert _post(client, text="ក" * MAX_TEXT, contact="a" * MAX_CONTACT).status_code == 302
    assert len(tip_parts(Tip.objects.get())[1]) == MAX_TEXT


def test_a_huge_post_is_refused_without_a_tip(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(client, text="x" * 3_000_000)
    assert response.status_code == 400
    assert not Tip.objects.exists()


def test_places_that_do_not_fit_together_are_refused(client: Client, cast: Cast) -> None:  # noqa: F811
    # A district of Siem Reap under Banteay Meanchey, a commune of another district,
    # a code that is no place at all.
    for fields in (
        {"province": "01", "district": "1701"},
        {"province": "01", "district": "0102", "commune": "170101"},
        {"province": "99"},
        {"province": "<script>"},
        {"where": "abroad", "country": "XX"},
        {"where": "<b>mars</b>"},
    ):
        response = _post(client, **fields)
        assert response.status_code == 400, fields
        assert "Choose from the list." in _html(response)
    assert not Tip.objects.exists()


def test_script_in_the_text_is_kept_as_plain_text(client: Client, cast: Cast) -> None:  # noqa: F811
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    response = _post(client, text=hostile, contact="<b>me</b>", place_note="<i>there</i>")
    assert response.status_code == 302
    tip = Tip.objects.get()
    assert tip_parts(tip) == ("<i>there</i>", hostile)
    assert tip.contact == "<b>me</b>"
    # Sent back with an error, the text is escaped, never markup.
    response = _post(client, text=hostile, contact="x" * (MAX_CONTACT + 1))
    html = _html(response)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_control_characters_are_dropped(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(client, text="line one\r\nline two\x07\x1b[31m")
    assert response.status_code == 302
    assert tip_parts(Tip.objects.get())[1] == "line one\nline two[31m"


def test_a_null_character_is_refused(client: Client, cast: Cast) -> None:  # noqa: F811
    assert _post(client, text="bad\x00text").status_code == 400
    assert not Tip.objects.exists()


def test_a_text_cannot_fake_a_place_note(client: Client, cast: Cast) -> None:  # noqa: F811
    # The place note is a field of its own: text shaped like the old stored form of a
    # note stays text.
    assert _post(client, text="\u2316 fake\n\nreal").status_code == 302
    assert tip_parts(Tip.objects.get()) == ("", "\u2316 fake\n\nreal")


def test_tips_stored_before_the_place_note_field_are_split(cast: Cast) -> None:  # noqa: F811
    import importlib

    from django.apps import apps
    from django.utils import timezone

    migration = importlib.import_module("migra.cases.migrations.0003_tip_place_note")
    old = Tip.objects.create(
        source="hotline", received_at=timezone.now(), text="\u2316 near the pagoda\n\nWhat I saw"
    )
    plain = Tip.objects.create(source="hotline", received_at=timezone.now(), text="No note")
    migration.split_place_notes(apps, None)
    assert tip_parts(Tip.objects.get(pk=old.pk)) == ("near the pagoda", "What I saw")
    assert tip_parts(Tip.objects.get(pk=plain.pk)) == ("", "No note")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("០១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("+៨៥៥ ១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("012-345-678", "+85512345678"),
        ("Telegram @srey_mom", "Telegram @srey_mom"),
        ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨ ពេលល្ងាច", "ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨ ពេលល្ងាច"),
        ("  ", ""),
    ],
)
def test_contact_in_khmer_digits(client: Client, cast: Cast, typed: str, kept: str) -> None:  # noqa: F811
    assert _post(client, contact=typed).status_code == 302
    assert Tip.objects.get().contact == kept


def test_the_robot_trap_keeps_nothing_and_says_thank_you(client: Client, cast: Cast) -> None:  # noqa: F811
    response = _post(client, website="http://spam.example/")
    assert response.status_code == 302
    assert response["Location"] == "/en/report/thanks/"
    assert not Tip.objects.exists()
    assert not AuditEvent.objects.filter(object_type="cases.tip").exists()


def test_csrf_is_required(cast: Cast) -> None:  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"text": TEXT})
    assert response.status_code == 403
    assert not Tip.objects.exists()
    # With the token from the page, the report goes through.
    page = client.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _html(page))
    assert token is not None
    response = client.post(URL, {"text": TEXT, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert Tip.objects.count() == 1


def test_only_get_and_post(client: Client, cast: Cast) -> None:  # noqa: F811
    assert client.put(URL, {"text": TEXT}).status_code == 405
    assert client.delete(URL).status_code == 405
    assert client.post("/en/report/thanks/", {"text": TEXT}).status_code == 405


# --------------------------------------------------------------------------- floods and repeats


@override_settings(MIGRA_REPORT_RATE_LIMITS=((3, 600), (7, 86400)))
def test_too_many_posts_from_one_address_are_refused(
    client: Client,
    cast: Cast,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr("migra.site.ratelimit._now", lambda: clock[0])
    for number in range(3):
        assert _post(client, text=f"report {number}").status_code == 302
    response = _post(client, text="report 3")
    assert response.status_code == 429
    html = _html(response)
    assert "Please try again later" in html and "117" in html
    assert "report 3" not in html
    assert Tip.objects.count() == 3
    # Invalid posts count too: a flood of junk is stopped the same way.
    assert _post(client, text="").status_code == 429
    # Another address is not held back.
    assert _post(client, text="from elsewhere", _ip="198.51.100.7").status_code == 302
    # Refused posts count too. The next window lets two more through (7 posts today),
    # then the daily limit holds.
    clock[0] += 601
    assert _post(client, text="report 4").status_code == 302
    assert _post(client, text="report 5").status_code == 302
    assert _post(client, text="report 6").status_code == 429
    assert Tip.objects.count() == 6


@override_settings(MIGRA_REPORT_RATE_LIMITS=((2, 600),))
def test_a_forged_forwarded_header_does_not_escape_the_limit(client: Client, cast: Cast) -> None:  # noqa: F811
    for number in range(2):
        assert _post(client, text=f"r{number}", forwarded=f"10.0.0.{number}").status_code == 302
    response = _post(client, text="r2", forwarded="10.0.0.99")
    assert response.status_code == 429


@override_settings(MIGRA_REPORT_RATE_LIMITS=((1, 600),), MIGRA_TRUSTED_PROXY_HOPS=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client: Client, cast: Cast) -> None:  # noqa: F811
    proxy = "127.0.0.1"
    assert _post(client, text="a", _ip=proxy, forwarded="203.0.113.1").status_code == 302
    assert _post(client, text="b", _ip=proxy, forwarded="203.0.113.2").status_code == 302
    # A client that adds its own header is still counted by what the proxy appended.
    spoofed = "198.51.100.1, 203.0.113.1"
    assert _post(client, text="c", _ip=proxy, forwarded=spoofed).status_code == 429


def test_the_same_report_sent_twice_is_kept_once(client: Client, cast: Cast) -> None:  # noqa: F811
    assert _post(client, contact="012 345 678").status_code == 302
    assert _post(client, contact="012 345 678").status_code == 302
    assert Tip.objects.count() == 1
    # A different report from the same address is a new tip.
    assert _post(client, text="Something else").status_code == 302
    assert Tip.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_identical_posts_at_the_same_moment_make_one_tip(cast: Cast) -> None:  # noqa: F811
    senders = 4
    start = threading.Barrier(senders)
    codes: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            start.wait()
            codes.append(_post(Client(), province="17").status_code)
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert codes == [302] * senders
    assert Tip.objects.count() == 1


# --------------------------------------------------------------------------- staff are told


def test_staff_who_may_triage_are_notified(
    client: Client,
    cast: Cast,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, province="01", district="0102").status_code == 302
    tip = Tip.objects.get()
    notified = Notification.objects.filter(kind="tip_new")
    # carol works in Banteay Meanchey; dan (Siem Reap) and the others may not triage.
    assert [n.user for n in notified] == [cast.users["carol"]]
    notification = notified.get()
    assert notification.url == f"/app/cases/tips/{tip.pk}/"
    assert notification.object_label == f"tip #{tip.pk}"
    assert "sister" not in notification.object_label


# --------------------------------------------------------------------------- the place lists


def test_place_lists_for_the_form(client: Client, cast: Cast) -> None:  # noqa: F811
    response = client.get("/en/report/places/01/")
    assert response.status_code == 200
    assert response.json() == {"places": [{"code": "0102", "name": "Mongkol Borei"}]}
    assert "public" in response["Cache-Control"]
    communes = client.get("/en/report/places/0102/").json()["places"]
    assert [c["code"] for c in communes] == ["010201", "010202"]
    assert client.get("/km/report/places/17/").json() == {
        "places": [{"code": "1701", "name": "ទីកន្លែង1701"}]
    }
    for code in ("KH", "010201", "01020101", "99", "x" * 40, "០១"):
        assert client.get(f"/en/report/places/{code}/").json() == {"places": []}, code
    assert client.post("/en/report/places/01/").status_code == 405
