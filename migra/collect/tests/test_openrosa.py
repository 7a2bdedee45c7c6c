"""The OpenRosa server over HTTP, as ODK Collect uses it: formList, form download,
manifest and media, HEAD and POST submission, and every kind of bad input.

gina (SHG facilitator) is the phone user; her key is in the path (/odk/key/<token>/).
Basic authentication has its own tests (test_odk_auth.py).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from migra.accounts.models import User
from migra.accounts.roles import Role
from migra.audit.models import AuditEvent
from migra.cases.attachments import blob_read
from migra.collect import openrosa, services
from migra.collect.models import (
    FormState,
    FormVersion,
    Submission,
    SubmissionAttachment,
    SubmissionState,
    XForm,
)
from migra.collect.tests.conftest import SIMPLE_ROWS, Cast, instance_xml, xlsform

pytestmark = pytest.mark.django_db

BOUNDARY = "----migra-test-boundary-7MA4YWxkTrZu0gW"
LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE_NS = "{http://openrosa.org/http/response}"
PHOTO = b"\xff\xd8\xff\xe0" + b"fake jpeg bytes " * 64
WITH_PHOTO = "<village_name>ភូមិអូរធំ</village_name><households>3</households><photo>photo.jpg</photo>"

Part = tuple[str, str | None, str, bytes]  # field name, file name (None: a field), type, data


# --------------------------------------------------------------------------- helpers


def multipart(parts: Sequence[Part], *, boundary: str = BOUNDARY, close: bool = True) -> bytes:
    """A multipart/form-data body exactly as written (names are not cleaned)."""
    out = io.BytesIO()
    for name, filename, content_type, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if filename is not None:
            out.write(f"Content-Type: {content_type}\r\n".encode())
        out.write(b"\r\n" + data + b"\r\n")
    if close:
        out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def submission_parts(
    xml: bytes, files: Sequence[tuple[str, bytes]] = (), *, incomplete: bool = False
) -> list[Part]:
    """The parts ODK Collect sends: the XML, each file under its own name, the flag."""
    parts: list[Part] = [("xml_submission_file", "submission.xml", "text/xml", xml)]
    parts += [(name, name, "image/jpeg", data) for name, data in files]
    if incomplete:
        parts.append(("*isIncomplete*", None, "", b"yes"))
    return parts


def post_body(client: Client, url: str, body: bytes, **extra: Any) -> Any:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    # CONTENT_TYPE again: the test client leaves it out when `body` is empty (the body
    # then comes from a wsgi.input given in `extra`).
    extra.setdefault("CONTENT_TYPE", content_type)
    return client.generic("POST", url, body, content_type=content_type, **extra)


def send(
    client: Client,
    prefix: str,
    xml: bytes,
    files: Sequence[tuple[str, bytes]] = (),
    *,
    incomplete: bool = False,
) -> Any:
    body = multipart(submission_parts(xml, files, incomplete=incomplete))
    return post_body(client, f"{prefix}submission", body)


def parsed(response: Any) -> Element:
    return SafeET.fromstring(response.content)


def message_of(response: Any) -> tuple[str, str]:
    """(nature, text) of an OpenRosaResponse."""
    root = parsed(response)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse"
    message = root.find(f"{RESPONSE_NS}message")
    assert message is not None
    return message.get("nature", ""), message.text or ""


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def stored_blobs(settings: Any) -> list[Path]:
    return list(Path(settings.MEDIA_ROOT).rglob("*.bin"))


@pytest.fixture
def key(crew: Cast) -> Callable[[User], str]:
    """The path prefix of a person's ODK Collect key: /odk/key/<token>/."""

    def _key(user: User) -> str:
        token = services.app_token_issue(actor=user, user=user)
        return f"/odk/key/{token}/"

    return _key


@pytest.fixture
def gina(crew: Cast, key: Callable[[User], str]) -> str:
    return key(crew.users["gina"])


@pytest.fixture
def visit(open_form: Callable[..., XForm]) -> XForm:
    return open_form()


class Unreadable(io.RawIOBase):
    """A request body that must not be read."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


# --------------------------------------------------------------------------- formList


def test_form_list_has_only_the_persons_open_forms(
    open_form: Callable[..., XForm], crew: Cast, gina: str, client: Client
) -> None:
    alice = crew.users["alice"]
    visit = open_form()
    open_form(form_id="peer_only", title="Peer form", roles=(Role.PEER_EDUCATOR,))
    closed = open_form(form_id="closed_one", title="Closed form")
    services.form_set_state(
        actor=alice, form=closed, state=FormState.CLOSED, row_version=closed.row_version
    )
    services.form_upload(actor=alice, data=xlsform(SIMPLE_ROWS, form_id="draft_one"), filename="d")

    response = client.get(f"{gina}formList")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = parsed(response)
    assert root.tag == f"{LIST_NS}xforms"
    forms = root.findall(f"{LIST_NS}xform")
    assert [form.findtext(f"{LIST_NS}formID") for form in forms] == ["household_visit"]
    entry = forms[0]
    assert entry.findtext(f"{LIST_NS}name") == visit.title
    assert entry.findtext(f"{LIST_NS}version") == "2026112501"
    assert entry.findtext(f"{LIST_NS}hash") == f"md5:{visit.xml_md5}"
    assert entry.findtext(f"{LIST_NS}downloadUrl") == (
        f"http://testserver{gina}forms/household_visit/form.xml"
    )
    assert entry.find(f"{LIST_NS}manifestUrl") is None


def test_the_hash_is_the_md5_of_the_form_phones_download(
    visit: XForm, gina: str, client: Client
) -> None:
    entry = parsed(client.get(f"{gina}formList")).find(f"{LIST_NS}xform")
    assert entry is not None
    url = entry.findtext(f"{LIST_NS}downloadUrl") or ""
    download = client.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/xml; charset=utf-8"
    digest = hashlib.md5(download.content, usedforsecurity=False).hexdigest()
    assert entry.findtext(f"{LIST_NS}hash") == f"md5:{digest}"
    assert b'id="household_visit"' in download.content


def test_a_manifest_url_only_when_the_form_has_media_and_the_files_download(
    open_form: Callable[..., XForm], crew: Cast, gina: str, client: Client
) -> None:
    alice = crew.users["alice"]
    visit = open_form()
    other = open_form(form_id="second_form", title="Second")
    services.form_media_add(actor=alice, form=visit, data=b"name,label\na,A\n", filename="list.csv")
    services.form_media_add(actor=alice, form=other, data=b"secret\n", filename="other.csv")

    listing = parsed(client.get(f"{gina}formList"))
    entry = next(
        form
        for form in listing.findall(f"{LIST_NS}xform")
        if form.findtext(f"{LIST_NS}formID") == "household_visit"
    )
    manifest_url = entry.findtext(f"{LIST_NS}manifestUrl") or ""
    assert manifest_url == f"http://testserver{gina}forms/household_visit/manifest"

    manifest = client.get(manifest_url.removeprefix("http://testserver"))
    assert manifest.status_code == 200
    root = parsed(manifest)
    assert root.tag == f"{MANIFEST_NS}manifest"
    files = root.findall(f"{MANIFEST_NS}mediaFile")
    assert [file.findtext(f"{MANIFEST_NS}filename") for file in files] == ["list.csv"]
    expected_md5 = hashlib.md5(b"name,label\na,A\n", usedforsecurity=False).hexdigest()
    assert files[0].findtext(f"{MANIFEST_NS}hash") == f"md5:{expected_md5}"

    media_url = files[0].findtext(f"{MANIFEST_NS}downloadUrl") or ""
    media = client.get(media_url.removeprefix("http://testserver"))
    assert media.status_code == 200
    assert media.content == b"name,label\na,A\n"
    assert media["Content-Type"] == "text/csv"
    assert media["X-OpenRosa-Version"] == "1.0"

    # Another form's file is not reachable through this form; nor is a made-up name.
    assert client.get(f"{gina}forms/household_visit/media/other.csv").status_code == 404
    assert client.get(f"{gina}forms/household_visit/media/nothing.csv").status_code == 404
    assert client.get(f"{gina}forms/household_visit/media/..%2Fother.csv").status_code == 404


def test_form_id_filters_the_list(
    open_form: Callable[..., XForm], gina: str, client: Client
) -> None:
    open_form()
    open_form(form_id="second_form", title="Second")
    root = parsed(client.get(f"{gina}formList", {"formID": "second_form"}))
    assert [form.findtext(f"{LIST_NS}formID") for form in root.findall(f"{LIST_NS}xform")] == [
        "second_form"
    ]
    root = parsed(client.get(f"{gina}formList", {"formID": "nothing"}))
    assert root.findall(f"{LIST_NS}xform") == []


def _copy_form(template: XForm, number: int) -> None:
    """A further open form without compiling one (for counting queries only)."""
    assert template.current is not None
    form = XForm.objects.create(
        form_id=f"copy_{number}",
        title=f"Copy {number}",
        state=FormState.OPEN,
        roles=[Role.SHG_FACILITATOR],
        version="1",
        xml_md5=template.xml_md5,
        has_media=number % 2 == 0,
    )
    version = FormVersion.objects.create(
        form=form,
        version="1",
        xml=template.current.xml,
        xml_md5=template.xml_md5,
        xlsform=b"",
        xlsform_name="copy.xlsx",
    )
    XForm.objects.filter(pk=form.pk).update(current=version)


def test_form_list_reads_the_forms_in_one_query_however_many(
    visit: XForm, gina: str, client: Client, django_assert_max_num_queries: Any
) -> None:
    client.get(f"{gina}formList")  # the key's first use is written down once
    with CaptureQueriesContext(connection) as one_form:
        client.get(f"{gina}formList")
    for number in range(12):
        _copy_form(visit, number)
    with django_assert_max_num_queries(len(one_form)):
        response = client.get(f"{gina}formList")
    assert len(parsed(response).findall(f"{LIST_NS}xform")) == 13
    form_queries = [q for q in one_form.captured_queries if "collect_xform" in q["sql"]]
    assert len(form_queries) == 1


def test_every_answer_has_the_openrosa_headers_in_the_persons_language(
    visit: XForm, crew: Cast, gina: str, client: Client
) -> None:
    for url in (f"{gina}formList", f"{gina}forms/household_visit/form.xml", f"{gina}submission"):
        response = client.get(url)
        assert response["X-OpenRosa-Version"] == "1.0"
        assert response["Content-Language"] == "km"
        assert parsedate_to_datetime(response["Date"]) is not None
    gina_user = crew.users["gina"]
    gina_user.language = "th"
    gina_user.save(update_fields=["language"])
    assert client.get(f"{gina}formList")["Content-Language"] == "th"
    # Unknown key: the person is unknown, the answer is in Khmer (whatever the cookie).
    client.cookies["migra_language"] = "en"
    refused = client.get("/odk/key/not-a-key/formList")
    assert refused.status_code == 401
    assert refused["Content-Language"] == "km"
    with translation.override("km"):
        expected = gettext(
            "This phone's key does not work any more: it was stopped or replaced. "
            "Ask for a new QR code and scan it in ODK Collect."
        )
    assert message_of(refused)[1] == expected
    assert refused["X-OpenRosa-Version"] == "1.0"


def test_under_gunicorn_the_server_writes_the_date(visit: XForm, gina: str, client: Client) -> None:
    # gunicorn always adds its own Date: a second one from Migra would be invalid.
    response = client.get(f"{gina}formList", SERVER_SOFTWARE="gunicorn/27.0.1")
    assert response.status_code == 200
    assert "Date" not in response
    assert response["X-OpenRosa-Version"] == "1.0"


def test_forms_that_are_not_the_persons_are_not_found(
    open_form: Callable[..., XForm], crew: Cast, gina: str, client: Client
) -> None:
    open_form(form_id="peer_only", title="Peer", roles=(Role.PEER_EDUCATOR,))
    services.form_upload(
        actor=crew.users["alice"], data=xlsform(SIMPLE_ROWS, form_id="draft_one"), filename="d"
    )
    for form_id in ("peer_only", "draft_one", "nothing"):
        for what in ("form.xml", "manifest"):
            response = client.get(f"{gina}forms/{form_id}/{what}")
            assert response.status_code == 404, (form_id, what)
            assert message_of(response)[0] == "error"


def test_only_get_and_head_read_forms(visit: XForm, gina: str, client: Client) -> None:
    assert client.post(f"{gina}formList").status_code == 405
    assert client.head(f"{gina}formList").status_code == 200


# --------------------------------------------------------------------------- submission


def test_head_and_get_on_submission_answer_204_with_the_size_limit(
    gina: str, client: Client, settings: Any
) -> None:
    settings.MIGRA_ODK_MAX_POST_BYTES = 12_345_678
    for response in (client.head(f"{gina}submission"), client.get(f"{gina}submission")):
        assert response.status_code == 204
        assert response["X-OpenRosa-Accept-Content-Length"] == "12345678"
        assert response["X-OpenRosa-Version"] == "1.0"
    assert client.head("/odk/key/wrong/submission").status_code == 401


def test_a_submission_is_taken_with_201_and_stored(
    visit: XForm, crew: Cast, gina: str, client: Client
) -> None:
    xml = instance_xml(body=WITH_PHOTO)
    response = send(client, gina, xml, [("photo.jpg", PHOTO)])

    assert response.status_code == 201
    assert response["X-OpenRosa-Accept-Content-Length"] == str(openrosa.max_post_bytes())
    nature, text = message_of(response)
    assert nature == "submit_success"
    assert text == in_language("km", "The form was received. Thank you.")
    submission = Submission.objects.get()
    assert submission.submitted_by == crew.users["gina"]
    assert submission.state == SubmissionState.STORED
    assert submission.xml.encode() == xml
    attachment = submission.attachments.get()
    assert (attachment.name, attachment.content_type) == ("photo.jpg", "image/jpeg")
    assert blob_read(attachment.blob) == PHOTO


def test_the_envelope_speaks_the_persons_language(
    visit: XForm, crew: Cast, gina: str, client: Client
) -> None:
    user = crew.users["gina"]
    user.language = "th"
    user.save(update_fields=["language"])
    response = send(client, gina, instance_xml())
    assert response.status_code == 201
    assert response["Content-Language"] == "th"
    assert message_of(response)[1] == in_language("th", "The form was received. Thank you.")
    refused = send(client, gina, instance_xml(form_id="nothing_here"))
    assert refused.status_code == 404
    assert refused["Content-Language"] == "th"
    with translation.override("th"):
        expected = gettext("There is no form %(id)s here.") % {"id": "nothing_here"}
    assert message_of(refused)[1] == expected


def test_attachments_split_over_several_posts_end_in_one_submission(
    visit: XForm, gina: str, client: Client
) -> None:
    xml = instance_xml(body=WITH_PHOTO)
    first = send(client, gina, xml, incomplete=True)
    assert first.status_code == 201
    assert message_of(first)[0] == "submit_success"
    assert Submission.objects.get().state == SubmissionState.WAITING

    second = send(client, gina, xml, [("photo.jpg", PHOTO)])
    assert second.status_code == 201
    submission = Submission.objects.get()
    assert submission.state == SubmissionState.STORED
    assert list(submission.attachments.values_list("name", flat=True)) == ["photo.jpg"]

    # The same XML once more, with a file not sent before: taken, and the file added.
    again = send(client, gina, xml, [("extra.jpg", b"\xff\xd8more")])
    assert again.status_code == 201
    assert sorted(submission.attachments.values_list("name", flat=True)) == [
        "extra.jpg",
        "photo.jpg",
    ]
    assert Submission.objects.count() == 1


def test_the_same_instance_id_with_other_content_is_409(
    visit: XForm, gina: str, client: Client
) -> None:
    assert send(client, gina, instance_xml()).status_code == 201
    other = instance_xml(body="<village_name>ផ្សេង</village_name><households>9</households>")
    response = send(client, gina, other)
    assert response.status_code == 409
    assert message_of(response)[0] == "error"
    assert Submission.objects.get().xml.encode() == instance_xml()


def test_another_roles_form_is_403(
    open_form: Callable[..., XForm], gina: str, client: Client
) -> None:
    open_form(form_id="peer_only", title="Peer", roles=(Role.PEER_EDUCATOR,))
    response = send(client, gina, instance_xml(form_id="peer_only"))
    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_an_unknown_form_is_404_and_a_closed_form_409(
    visit: XForm, crew: Cast, gina: str, client: Client
) -> None:
    assert send(client, gina, instance_xml(form_id="nothing_here")).status_code == 404
    alice = crew.users["alice"]
    services.form_set_state(
        actor=alice, form=visit, state=FormState.CLOSED, row_version=visit.row_version
    )
    response = send(client, gina, instance_xml())
    assert response.status_code == 409
    assert message_of(response)[1] == in_language(
        "km", "This form is closed: it takes no more submissions."
    )
    assert not Submission.objects.exists()


def test_the_xml_as_a_plain_field_is_taken_too(visit: XForm, gina: str, client: Client) -> None:
    body = multipart([("xml_submission_file", None, "", instance_xml())])
    assert post_body(client, f"{gina}submission", body).status_code == 201
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    ("parts", "content_type"),
    [
        ([("photo.jpg", "photo.jpg", "image/jpeg", PHOTO)], None),
        ([], None),
        (
            [
                ("xml_submission_file", "a.xml", "text/xml", instance_xml()),
                ("xml_submission_file", "b.xml", "text/xml", instance_xml()),
            ],
            None,
        ),
        ([("xml_submission_file", "a.xml", "text/xml", instance_xml())], "application/xml"),
        ([("xml_submission_file", "a.xml", "text/xml", instance_xml())], "multipart/form-data"),
    ],
    ids=["no-xml-part", "empty", "xml-twice", "not-multipart", "no-boundary"],
)
def test_a_body_without_one_xml_part_is_400(
    visit: XForm,
    gina: str,
    client: Client,
    parts: list[Part],
    content_type: str | None,
) -> None:
    body = multipart(parts) if parts else b""
    if content_type is None:
        response = post_body(client, f"{gina}submission", body)
    else:
        response = client.generic("POST", f"{gina}submission", body, content_type=content_type)
    assert response.status_code == 400
    assert message_of(response)[0] == "error"
    assert not Submission.objects.exists()


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data id="household_visit" version="2026112501"><village_name>&secret;</village_name>
<meta><instanceID>uuid:xxe</instanceID></meta></data>"""

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b']><data id="household_visit"><village_name>&lol9;</village_name>'
    b"<meta><instanceID>uuid:laughs</instanceID></meta></data>"
)


@pytest.mark.parametrize(
    "xml",
    [XXE, LAUGHS, b"<data id='household_visit'><unclosed></data>", b"", b"\xff\xfe\x00<"],
    ids=["xxe", "billion-laughs", "broken", "empty", "binary"],
)
def test_hostile_or_broken_xml_is_400_and_nothing_kept(
    visit: XForm, gina: str, client: Client, settings: Any, xml: bytes
) -> None:
    response = send(client, gina, xml, [("photo.jpg", PHOTO)])
    assert response.status_code == 400
    assert message_of(response)[0] == "error"
    assert b"root:" not in response.content
    assert not Submission.objects.exists()
    assert stored_blobs(settings) == []


@pytest.mark.parametrize(
    "name",
    ["../photo.jpg", "photos/photo.jpg", "..\\..\\photo.jpg", "/etc/passwd", ".hidden", ".."],
)
def test_an_attachment_name_that_escapes_is_400_and_nothing_kept(
    visit: XForm, gina: str, client: Client, settings: Any, name: str
) -> None:
    xml = instance_xml(body=WITH_PHOTO)
    response = send(client, gina, xml, [("photo.jpg", PHOTO), (name, b"evil")])
    assert response.status_code == 400
    assert not Submission.objects.exists()
    assert not SubmissionAttachment.objects.exists()
    assert stored_blobs(settings) == []


def test_a_truncated_body_is_400_and_nothing_kept(
    visit: XForm, gina: str, client: Client, settings: Any
) -> None:
    body = multipart(submission_parts(instance_xml(body=WITH_PHOTO), [("photo.jpg", PHOTO)]))
    cut = body[: len(body) - 300]
    # The phone announced the whole body but the connection ended early.
    response = post_body(
        client,
        f"{gina}submission",
        b"",
        **{"wsgi.input": io.BytesIO(cut), "CONTENT_LENGTH": str(len(body))},
    )
    assert response.status_code == 400
    assert message_of(response)[1] == in_language(
        "km", "The upload is broken or was cut off. Send the form again."
    )
    # A body that ends (with its length right) before the closing boundary.
    response = post_body(client, f"{gina}submission", cut)
    assert response.status_code == 400
    assert message_of(response)[1] == in_language(
        "km", "The upload is broken or was cut off. Send the form again."
    )
    assert not Submission.objects.exists()
    assert stored_blobs(settings) == []


def test_a_500_mb_upload_is_413_before_its_body_is_read(
    visit: XForm, gina: str, client: Client
) -> None:
    response = post_body(
        client,
        f"{gina}submission",
        b"",
        **{"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(500 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert message_of(response)[0] == "error"
    assert response["X-OpenRosa-Accept-Content-Length"] == str(openrosa.max_post_bytes())
    assert not Submission.objects.exists()


def test_a_chunked_body_is_read_and_stopped_at_the_limit(
    visit: XForm, gina: str, client: Client, settings: Any
) -> None:
    settings.MIGRA_ODK_MAX_POST_BYTES = 200_000
    small = multipart(submission_parts(instance_xml(body=WITH_PHOTO), [("photo.jpg", PHOTO)]))
    chunked = {"CONTENT_LENGTH": "", "wsgi.input_terminated": True}
    response = post_body(
        client, f"{gina}submission", b"", **{"wsgi.input": io.BytesIO(small), **chunked}
    )
    assert response.status_code == 201
    assert Submission.objects.get().attachments.count() == 1

    huge = CountingStream(
        multipart(submission_parts(instance_xml(), [("big.jpg", b"\xff" * 5_000_000)]))
    )
    response = post_body(client, f"{gina}submission", b"", **{"wsgi.input": huge, **chunked})
    assert response.status_code == 413
    # Stopped soon after the limit, not read to the end.
    assert huge.taken <= 200_000 + openrosa.CHUNK_BYTES
    assert Submission.objects.count() == 1


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_content_length_that_is_not_a_number_is_400(
    visit: XForm, gina: str, client: Client, length: str
) -> None:
    body = multipart(submission_parts(instance_xml()))
    response = post_body(client, f"{gina}submission", body, CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_crash_before_commit_leaves_nothing_and_the_retry_succeeds(
    visit: XForm, crew: Cast, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    prefix = (
        f"/odk/key/{services.app_token_issue(actor=crew.users['gina'], user=crew.users['gina'])}/"
    )
    phone = Client(raise_request_exception=False)
    xml = instance_xml(body=WITH_PHOTO)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("the server died here")

    # After the XML was read and the file written, before the transaction commits.
    monkeypatch.setattr(services, "submission_process", crash)
    response = send(phone, prefix, xml, [("photo.jpg", PHOTO)])
    assert response.status_code == 500
    assert not Submission.objects.exists()
    assert stored_blobs(settings) == []

    monkeypatch.undo()
    retry = send(phone, prefix, xml, [("photo.jpg", PHOTO)])
    assert retry.status_code == 201
    assert Submission.objects.get().attachments.count() == 1
    assert len(stored_blobs(settings)) == 1


def test_phones_need_no_csrf_token_but_the_staff_app_still_does(
    visit: XForm, crew: Cast, gina: str
) -> None:
    phone = Client(enforce_csrf_checks=True)
    assert send(phone, gina, instance_xml()).status_code == 201
    from migra.accounts.tests.conftest import login_as

    browser = login_as(Client(enforce_csrf_checks=True), crew.users["gina"])
    assert browser.post("/app/collect/phone/", {"action": "stop"}).status_code == 403


def test_the_key_is_not_written_into_the_audit_trail(
    visit: XForm, gina: str, client: Client
) -> None:
    token = gina.split("/")[3]
    assert send(client, gina, instance_xml()).status_code == 201
    paths = list(AuditEvent.objects.values_list("path", flat=True))
    assert any(path.startswith("/odk/key/") for path in paths)
    assert not any(token in path for path in paths)


@pytest.mark.django_db(transaction=True)
def test_two_phones_sending_the_same_instance_at_once_make_one_submission(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    open_form()
    gina = crew.users["gina"]
    prefix = f"/odk/key/{services.app_token_issue(actor=gina, user=gina)}/"
    body = multipart(submission_parts(instance_xml(body=WITH_PHOTO), [("photo.jpg", PHOTO)]))
    start = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            phone = Client()
            start.wait(timeout=30)
            statuses.append(post_body(phone, f"{prefix}submission", body).status_code)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(statuses) == [201, 201]
    assert Submission.objects.count() == 1
    assert SubmissionAttachment.objects.count() == 1
