"""Submissions over HTTP: the list, a submission's answers and files (each view audited),
the "needs attention" queue, processing again after the cause is fixed, correcting the
XML (nothing changes on an error), conflicts, and who may see any of it."""

from __future__ import annotations

import hashlib
import html
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from migra.accounts.tests.conftest import login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.attachments import blob_read
from migra.collect import services, views
from migra.collect.mapping import MAPPERS, MappedRecord, MappingInput, MappingProblem, text_of
from migra.collect.models import (
    BuiltinForm,
    FormState,
    Submission,
    SubmissionAttachment,
    SubmissionState,
    XForm,
)
from migra.collect.tests.conftest import SIMPLE_ROWS, Cast, instance_xml, xlsform
from migra.collect.tests.test_views_forms import HOSTILE, REFUSED, km, page, race
from migra.config.tests.browser import CHROMIUM, log_in, new_page, overflow
from migra.lib.crypto import DecryptionError

pytestmark = pytest.mark.django_db

PHOTO = services.IncomingFile("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0fake-jpeg-bytes")
PROBLEM = "There is no self-help group number 7."
FIXED_VILLAGE = "ភូមិថ្មី"


def receive(crew: Cast, *, number: int = 1, body: str | None = None, **kwargs: Any) -> Submission:
    xml = instance_xml(
        kwargs.pop("form_id", "household_visit"),
        instance_id=f"uuid:00000000-0000-4000-8000-{number:012d}",
        **({"body": body} if body is not None else {}),
    )
    return services.submission_receive(actor=crew.users["gina"], xml=xml, **kwargs).submission


class FakeTipMapper:
    """Stands for the tip mapper: fails until the cause is fixed or the village is."""

    def __init__(self) -> None:
        self.fixed = False
        self.calls = 0

    def __call__(self, given: MappingInput) -> MappedRecord:
        self.calls += 1
        if not self.fixed and text_of(given.root, "village_name") != FIXED_VILLAGE:
            raise MappingProblem(PROBLEM)
        return MappedRecord("cases.tip", "4242")


@pytest.fixture
def mapper(monkeypatch: pytest.MonkeyPatch) -> FakeTipMapper:
    fake = FakeTipMapper()
    monkeypatch.setitem(MAPPERS, BuiltinForm.TIP, fake)
    return fake


@pytest.fixture
def tip_form(crew: Cast, mapper: FakeTipMapper) -> XForm:
    """A built-in form (tip) whose submissions need attention until fixed."""
    alice = crew.users["alice"]
    form = services.form_upload(
        actor=alice, data=xlsform(SIMPLE_ROWS, form_id="h6_tip"), filename="tip.xlsx", builtin="tip"
    )
    return services.form_set_state(
        actor=alice, form=form, state=FormState.OPEN, row_version=form.row_version
    )


@pytest.fixture
def stuck(crew: Cast, tip_form: XForm) -> Submission:
    submission = receive(crew, number=90, form_id="h6_tip")
    assert submission.state == SubmissionState.NEEDS_ATTENTION
    return submission


@pytest.fixture
def manager(client: Client, crew: Cast) -> Client:
    return login_as(client, crew.users["alice"])


def submission_urls(submission: Submission) -> list[tuple[str, str, dict[str, Any]]]:
    attachment = submission.attachments.first()
    assert attachment is not None
    pk = submission.pk
    return [
        ("get", f"/app/collect/forms/{submission.form_id}/submissions/", {}),
        ("get", f"/app/collect/submissions/{pk}/", {}),
        ("get", f"/app/collect/submissions/{pk}/files/{attachment.pk}/", {}),
        ("post", f"/app/collect/submissions/{pk}/reprocess/", {"row_version": 1}),
        ("get", f"/app/collect/submissions/{pk}/fix/", {}),
        ("post", f"/app/collect/submissions/{pk}/fix/", {"row_version": 1, "xml": "<x/>"}),
        ("get", "/app/collect/attention/", {}),
    ]


# --------------------------------------------------------------------------- who gets in


@pytest.mark.parametrize("who", REFUSED)
def test_people_who_do_not_manage_forms_see_no_submission(
    client: Client, crew: Cast, open_form: Callable, who: str
) -> None:
    open_form()
    submission = receive(
        crew, body="<village_name>x</village_name><photo>photo.jpg</photo>", files=[PHOTO]
    )
    urls = submission_urls(submission)
    login_as(client, crew.users[who])
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    events = AuditEvent.objects.filter(actor_id=crew.users[who].pk)
    assert events.filter(action=AuditAction.DENIED).count() == len(urls)
    assert not events.filter(action=AuditAction.VIEW).exists()
    fresh = Submission.objects.get()
    assert (fresh.state, fresh.row_version, fresh.xml_sha256) == (
        SubmissionState.STORED,
        submission.row_version,
        submission.xml_sha256,
    )


def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    open_form()
    submission = receive(crew, body="<photo>photo.jpg</photo>", files=[PHOTO])
    for method, url, data in submission_urls(submission):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/app/login/")


# --------------------------------------------------------------------------- the list


def test_the_list_is_newest_first_paged_and_filtered_by_state(
    manager: Client, crew: Cast, open_form: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form()
    made = [receive(crew, number=number) for number in range(3)]
    url = f"/app/collect/forms/{form.pk}/submissions/"
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    first = page(manager.get(url))
    order = [int(part.split('"', 1)[0]) for part in first.split('data-submission="')[1:]]
    assert order == [made[2].pk, made[1].pk]
    second = page(manager.get(url + "?page=2"))
    assert f'data-submission="{made[0].pk}"' in second
    assert 'data-submission="' not in page(manager.get(url + "?state=attention"))
    stored = page(manager.get(url + "?state=stored"))
    assert stored.count('data-submission="') == 2
    # A state that does not exist, or hostile text, is ignored: everything is shown.
    for value in ("nonsense", HOSTILE, "x" * 5000):
        response = manager.get(url, {"state": value})
        assert response.status_code == 200
        assert HOSTILE not in response.content.decode()
        assert page(response).count('data-submission="') == 2


# --------------------------------------------------------------------------- one submission


def test_a_submissions_answers_and_files_are_shown_and_each_view_audited(
    manager: Client, crew: Cast, open_form: Callable
) -> None:
    open_form()
    body = (
        f"<village_name>ភូមិអូរធំ {html.escape(HOSTILE)}</village_name>"
        "<households>12</households><photo>photo.jpg</photo>"
    )
    submission = receive(crew, body=body, files=[PHOTO])
    attachment = SubmissionAttachment.objects.get()
    response = manager.get(f"/app/collect/submissions/{submission.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert HOSTILE not in content
    text = page(response)
    assert "<code>village_name</code>" in text and "ភូមិអូរធំ" in text
    assert "<code>households</code>" in text and ">12<" in text
    link = f'href="/app/collect/submissions/{submission.pk}/files/{attachment.pk}/"'
    assert link in text and 'data-file="photo.jpg"' in text
    assert submission.instance_id in text
    views_logged = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="collect.submission", object_id=str(submission.pk)
    )
    assert views_logged.count() == 1
    download = manager.get(f"/app/collect/submissions/{submission.pk}/files/{attachment.pk}/")
    assert download.status_code == 200
    assert download.content == PHOTO.data
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"] == 'attachment; filename="photo.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert views_logged.count() == 2
    assert views_logged.order_by("-seq").first().changes == {  # type: ignore[union-attr]
        "attachment": "photo.jpg",
        "download": True,
    }


def test_a_file_sent_as_a_web_page_is_served_as_plain_bytes(
    manager: Client, crew: Cast, open_form: Callable
) -> None:
    open_form()
    page_file = services.IncomingFile("photo.jpg", "text/html", b"<script>alert(1)</script>")
    submission = receive(crew, body="<photo>photo.jpg</photo>", files=[page_file])
    attachment = SubmissionAttachment.objects.get()
    response = manager.get(f"/app/collect/submissions/{submission.pk}/files/{attachment.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_of_another_submission_or_damaged_is_not_served(
    manager: Client, crew: Cast, open_form: Callable
) -> None:
    open_form()
    first = receive(crew, number=1, body="<photo>photo.jpg</photo>", files=[PHOTO])
    second = receive(crew, number=2, body="<photo>photo.jpg</photo>", files=[PHOTO])
    other = second.attachments.get()
    assert manager.get(f"/app/collect/submissions/{first.pk}/files/{other.pk}/").status_code == 404
    # A blob that was tampered with does not decrypt: the person is told, nothing served.
    with default_storage.open(other.blob, "rb") as handle:
        sealed = bytearray(handle.read())
    sealed[-1] ^= 1
    default_storage.delete(other.blob)
    default_storage.save(other.blob, ContentFile(bytes(sealed)))
    response = manager.get(f"/app/collect/submissions/{second.pk}/files/{other.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/app/collect/submissions/{second.pk}/"
    with pytest.raises(DecryptionError):
        blob_read(other.blob)


def test_repeats_are_numbered_and_missing_files_marked(
    manager: Client, crew: Cast, open_form: Callable
) -> None:
    rows = [
        ["text", "village_name", "ភូមិ", "Village", ""],
        ["begin_repeat", "child", "កូន", "Child", ""],
        ["text", "name", "ឈ្មោះ", "Name", ""],
        ["image", "picture", "រូប", "Picture", ""],
        ["end_repeat", "", "", "", ""],
    ]
    open_form(rows, form_id="family")
    body = (
        "<village_name>ក</village_name>"
        "<child><name>សុខា</name><picture>a.jpg</picture></child>"
        "<child><name>ដារា</name><picture>b.jpg</picture></child>"
    )
    file_a = services.IncomingFile("a.jpg", "image/jpeg", b"\xff\xd8a")
    submission = receive(crew, form_id="family", body=body, files=[file_a], incomplete=True)
    assert submission.state == SubmissionState.WAITING
    text = page(manager.get(f"/app/collect/submissions/{submission.pk}/"))
    assert "<code>child[1]/name</code>" in text and "<code>child[2]/name</code>" in text
    assert text.index("child[1]/name") < text.index("child[2]/name")
    assert 'data-file="a.jpg"' in text and 'data-file="b.jpg"' not in text
    assert km("not received") in text
    assert km("Still to arrive:") in text and "b.jpg" in text


def test_an_encrypted_submission_that_does_not_open_shows_no_answers_and_no_xml_editor(
    manager: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    submission = Submission.objects.create(
        form=form,
        instance_id="uuid:encrypted-1",
        xml="<data id='household_visit' encrypted='yes'><meta><instanceID>uuid:encrypted-1"
        "</instanceID></meta></data>",
        xml_sha256="0" * 64,
        encrypted=True,
        submitted_by=crew.users["gina"],
        state=SubmissionState.STORED,
    )
    text = page(manager.get(f"/app/collect/submissions/{submission.pk}/"))
    # Its envelope is not a real ODK one: it does not decrypt, and the page says so.
    assert (
        km(
            "This submission is encrypted and does not open with this form's key: it was "
            "damaged or altered."
        )
        in text
    )
    assert f"/app/collect/submissions/{submission.pk}/fix/" not in text
    response = manager.get(f"/app/collect/submissions/{submission.pk}/fix/")
    assert response.status_code == 302


# --------------------------------------------------------------------------- needs attention


def test_the_queue_shows_the_reason_and_processing_again_after_the_fix_makes_the_record(
    manager: Client, crew: Cast, stuck: Submission, mapper: FakeTipMapper, open_form: Callable
) -> None:
    open_form()
    receive(crew, number=5)  # a custom form's submission is stored, never in the queue
    queue = manager.get("/app/collect/attention/")
    assert queue.status_code == 200
    text = page(queue)
    assert text.count('data-submission="') == 1 and f'data-submission="{stuck.pk}"' in text
    assert PROBLEM in text
    counts = page(manager.get("/app/collect/forms/"))
    assert 'data-count="attention" data-value="1"' in counts
    # Processing again before the cause is fixed: still in the queue, the person is told.
    again = manager.post(
        f"/app/collect/submissions/{stuck.pk}/reprocess/",
        {"row_version": stuck.row_version, "next": "/app/collect/attention/"},
    )
    assert again.status_code == 303 and again["Location"] == "/app/collect/attention/"
    stuck.refresh_from_db()
    assert stuck.state == SubmissionState.NEEDS_ATTENTION
    with translation.override("km"):
        told = gettext("It still needs attention: %(problem)s") % {"problem": PROBLEM}
    assert told in page(manager.get("/app/collect/attention/"))
    # The cause is fixed (say the group now exists): processing again makes the record.
    mapper.fixed = True
    done = manager.post(
        f"/app/collect/submissions/{stuck.pk}/reprocess/",
        {"row_version": stuck.row_version, "next": "/app/collect/attention/"},
    )
    assert done.status_code == 303
    stuck.refresh_from_db()
    assert stuck.state == SubmissionState.DONE
    assert (stuck.record_type, stuck.record_id) == ("cases.tip", "4242")
    assert f'data-submission="{stuck.pk}"' not in page(manager.get("/app/collect/attention/"))
    detail = page(manager.get(f"/app/collect/submissions/{stuck.pk}/"))
    assert 'href="/app/cases/tips/4242/"' in detail
    assert f"/app/collect/submissions/{stuck.pk}/reprocess/" not in detail
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="collect.submission", object_id=str(stuck.pk)
    ).exists()


def test_a_stale_or_finished_submission_is_not_processed_again(
    manager: Client, stuck: Submission, mapper: FakeTipMapper
) -> None:
    url = f"/app/collect/submissions/{stuck.pk}/reprocess/"
    calls = mapper.calls
    stale = manager.post(url, {"row_version": stuck.row_version + 1})
    assert stale.status_code == 303 and stale["Location"] == f"/app/collect/submissions/{stuck.pk}/"
    told = page(manager.get(stale["Location"]))
    assert km("Someone else changed this submission meanwhile. Reload the page.") in told
    assert mapper.calls == calls
    for bad in ({}, {"row_version": "x"}, {"row_version": str(2**40)}):
        assert manager.post(url, bad).status_code == 303
    assert mapper.calls == calls
    mapper.fixed = True
    assert manager.post(url, {"row_version": stuck.row_version}).status_code == 303
    stuck.refresh_from_db()
    assert stuck.state == SubmissionState.DONE
    twice = manager.post(url, {"row_version": stuck.row_version})
    assert twice.status_code == 303
    assert km("This submission was already made into records.") in page(
        manager.get(twice["Location"])
    )
    assert mapper.calls == calls + 1


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", HOSTILE]
)
def test_processing_again_never_sends_the_person_elsewhere(
    manager: Client, stuck: Submission, next_url: str
) -> None:
    response = manager.post(
        f"/app/collect/submissions/{stuck.pk}/reprocess/",
        {"row_version": stuck.row_version, "next": next_url},
    )
    assert response["Location"] == f"/app/collect/submissions/{stuck.pk}/"


@pytest.mark.django_db(transaction=True)
def test_two_people_processing_the_same_submission_at_once_make_one_record(
    crew: Cast, tip_form: XForm, mapper: FakeTipMapper
) -> None:
    stuck = receive(crew, number=91, form_id="h6_tip")
    mapper.fixed = True
    calls = mapper.calls
    url = f"/app/collect/submissions/{stuck.pk}/reprocess/"
    results = race(
        crew.users["alice"],
        *[lambda client: client.post(url, {"row_version": stuck.row_version})] * 2,
    )
    assert results == [303, 303]
    assert mapper.calls == calls + 1
    fresh = Submission.objects.get(pk=stuck.pk)
    assert fresh.state == SubmissionState.DONE and fresh.row_version == stuck.row_version + 1


# --------------------------------------------------------------------------- correcting the XML


def _fixed_xml(submission: Submission, village: str = FIXED_VILLAGE) -> str:
    return submission.xml.replace("ភូមិអូរធំ", village)


def test_the_xml_is_corrected_and_processed_again(
    manager: Client, stuck: Submission, mapper: FakeTipMapper
) -> None:
    url = f"/app/collect/submissions/{stuck.pk}/fix/"
    form_page = manager.get(url)
    assert form_page.status_code == 200
    text = page(form_page)
    assert "<textarea" in text and "ភូមិអូរធំ" in text and stuck.instance_id in text
    assert PROBLEM in text
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(stuck.pk), changes={"xml": True}
    ).exists()
    # A browser sends the textarea's lines with CR LF.
    fixed = _fixed_xml(stuck).replace("><meta>", ">\r\n<meta>")
    response = manager.post(url, {"xml": fixed, "row_version": stuck.row_version})
    assert response.status_code == 302
    assert response["Location"] == f"/app/collect/submissions/{stuck.pk}/"
    stuck.refresh_from_db()
    assert stuck.state == SubmissionState.DONE
    assert FIXED_VILLAGE in stuck.xml and "\r" not in stuck.xml
    assert stuck.xml_sha256 == hashlib.sha256(stuck.xml.encode()).hexdigest()
    assert manager.get(url).status_code == 302  # done: nothing more to correct


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<data id='h6_tip'><village_name>&lol2;</village_name></data>"
)


@pytest.mark.parametrize(
    "xml",
    [
        "<data id='h6_tip'><village_name>broken",
        "",
        BILLION_LAUGHS,
        "<data id='other_form'><meta><instanceID>uuid:x</instanceID></meta></data>",
        "changed-instance",
        HOSTILE,
    ],
    ids=["broken", "empty", "billion-laughs", "other-form", "other-instance", "hostile"],
)
def test_a_bad_correction_shows_the_error_and_changes_nothing(
    manager: Client, stuck: Submission, mapper: FakeTipMapper, xml: str
) -> None:
    if xml == "changed-instance":
        xml = _fixed_xml(stuck).replace(stuck.instance_id, "uuid:someone-else")
    calls = mapper.calls
    response = manager.post(
        f"/app/collect/submissions/{stuck.pk}/fix/", {"xml": xml, "row_version": stuck.row_version}
    )
    assert response.status_code == 400
    text = page(response)
    assert 'class="error" role="alert"' in text or 'id="fix-errors"' in text
    assert HOSTILE not in response.content.decode().split("<textarea", 1)[0]
    fresh = Submission.objects.get(pk=stuck.pk)
    assert (fresh.xml, fresh.xml_sha256, fresh.row_version, fresh.state) == (
        stuck.xml,
        stuck.xml_sha256,
        stuck.row_version,
        SubmissionState.NEEDS_ATTENTION,
    )
    assert mapper.calls == calls


def test_a_stale_or_oversized_correction_changes_nothing(
    manager: Client, stuck: Submission, mapper: FakeTipMapper
) -> None:
    url = f"/app/collect/submissions/{stuck.pk}/fix/"
    stale = manager.post(url, {"xml": _fixed_xml(stuck), "row_version": stuck.row_version - 1})
    assert stale.status_code == 409
    assert km("Someone else changed this submission meanwhile. Reload the page.") in page(stale)
    huge = _fixed_xml(stuck).replace(FIXED_VILLAGE, "ក" * (3 * 1024 * 1024))
    assert manager.post(url, {"xml": huge, "row_version": stuck.row_version}).status_code == 400
    fresh = Submission.objects.get(pk=stuck.pk)
    assert (fresh.xml, fresh.row_version, fresh.state) == (
        stuck.xml,
        stuck.row_version,
        SubmissionState.NEEDS_ATTENTION,
    )


def test_a_correction_that_still_fails_keeps_it_in_the_queue_with_the_new_xml(
    manager: Client, stuck: Submission
) -> None:
    changed = _fixed_xml(stuck, village="ភូមិផ្សេង")
    response = manager.post(
        f"/app/collect/submissions/{stuck.pk}/fix/",
        {"xml": changed, "row_version": stuck.row_version},
    )
    assert response.status_code == 302
    fresh = Submission.objects.get(pk=stuck.pk)
    assert fresh.state == SubmissionState.NEEDS_ATTENTION and "ភូមិផ្សេង" in fresh.xml
    assert fresh.problem == PROBLEM


# --------------------------------------------------------------------------- on a phone


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone_in_khmer(
    browser: Any, live_server: Any, crew: Cast, stuck: Submission, open_form: Callable
) -> None:
    form = open_form()
    long_answer = "ក" * 300
    stored = receive(
        crew,
        number=3,
        body=f"<village_name>{long_answer}</village_name><photo>photo.jpg</photo>",
        files=[PHOTO],
    )
    services.form_media_put(
        form=form, data=b"a,b\n", filename="a-rather-long-file-name-for-a-list.csv", generated=True
    )
    tab, problems = new_page(browser)
    log_in(tab, live_server, login_as(Client(), crew.users["alice"]))
    for path in (
        "/app/collect/forms/",
        f"/app/collect/forms/{form.pk}/",
        f"/app/collect/forms/{form.pk}/submissions/",
        f"/app/collect/submissions/{stored.pk}/",
        f"/app/collect/submissions/{stuck.pk}/",
        f"/app/collect/submissions/{stuck.pk}/fix/",
        "/app/collect/attention/",
    ):
        response = tab.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert tab.locator("html").get_attribute("lang") == "km"
        assert overflow(tab) == 0, f"{path} scrolls sideways at 360 px"
    # Process again from the queue, in the browser.
    tab.goto(f"{live_server.url}/app/collect/attention/")
    tab.locator(f'[data-submission="{stuck.pk}"] button[type="submit"]').click()
    tab.wait_for_url("**/app/collect/attention/")
    assert tab.locator(".message--warning").count() == 1
    assert problems == []


def test_each_kind_of_record_links_to_its_staff_page() -> None:
    expected = {
        "community.meeting": "/app/community/meetings/7/edit/",
        "community.registerentry": "/app/community/register/7/",
        "outreach.event": "/app/outreach/7/",
        "stories.story": "/app/stories/7/",
        "cases.tip": "/app/cases/tips/7/",
        "cases.case": "/app/cases/7/",
        "screening.screening": "/app/screening/7/",
    }
    assert set(expected) == set(views.RECORD_PAGES)
    for record_type, url in expected.items():
        assert views.record_link(record_type, "7") == url
    assert views.record_link("Cases.Tip", "7") == "/app/cases/tips/7/"
    for record_type, record_id in [
        ("people.person", "7"),
        ("cases.tip", "7; drop"),
        ("cases.tip", "-7"),
        ("cases.tip", "٧"),
        ("cases.tip", "9" * 40),
        ("community.registerproblem", "999"),
        ("", ""),
    ]:
        assert views.record_link(record_type, record_id) == ""
