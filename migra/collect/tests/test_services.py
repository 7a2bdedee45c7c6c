"""The collect services: forms in, submissions in, what each became."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from migra.accounts.roles import Role
from migra.audit.models import AuditEvent
from migra.cases.attachments import blob_read
from migra.collect import services
from migra.collect.models import (
    FormState,
    Submission,
    SubmissionAttachment,
    SubmissionState,
    XForm,
)
from migra.collect.selectors import user_for_app_token
from migra.collect.tests.conftest import SIMPLE_ROWS, Cast, instance_xml, xlsform

pytestmark = pytest.mark.django_db

PHOTO = services.IncomingFile("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0fake-jpeg-bytes")


# --------------------------------------------------------------------------- forms


def test_an_uploaded_xlsform_becomes_a_checked_versioned_form(crew: Cast) -> None:
    form = services.form_upload(
        actor=crew.users["alice"], data=xlsform(SIMPLE_ROWS), filename="visit.xlsx"
    )
    assert form.form_id == "household_visit"
    assert form.state == FormState.DRAFT
    assert form.version == "2026112501"
    assert form.current is not None
    assert 'id="household_visit"' in form.current.xml
    assert form.current.binary_paths == ["photo"]
    assert len(form.xml_md5) == 32

    newer = services.form_upload(
        actor=crew.users["alice"],
        data=xlsform(SIMPLE_ROWS, version="2026112502"),
        filename="visit.xlsx",
    )
    assert newer.pk == form.pk
    assert newer.version == "2026112502"
    assert newer.versions.count() == 2


def test_the_same_version_twice_is_refused(crew: Cast) -> None:
    data = xlsform(SIMPLE_ROWS)
    services.form_upload(actor=crew.users["alice"], data=data, filename="visit.xlsx")
    with pytest.raises(ValidationError, match="already here"):
        services.form_upload(actor=crew.users["alice"], data=data, filename="visit.xlsx")
    assert XForm.objects.get().versions.count() == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 not a spreadsheet", "Excel"),
        (b"PK\x03\x04 broken zip", "damaged"),
    ],
)
def test_what_is_not_an_xlsform_is_refused(crew: Cast, data: bytes, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        services.form_upload(actor=crew.users["alice"], data=data, filename="x.xlsx")
    assert not XForm.objects.exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(crew: Cast) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError, match="too big"):
        services.form_upload(actor=crew.users["alice"], data=out.getvalue(), filename="x.xlsx")


def test_a_form_odk_collect_could_not_use_is_refused_with_the_reason(crew: Cast) -> None:
    rows = [["integer", "age", "អាយុ", "Age", ""], ["calculate", "twice", "", "", ""]]
    bad = xlsform(rows, header=["type", "name", "label::Khmer (km)", "label::English (en)", "x"])
    with pytest.raises(ValidationError):
        services.form_upload(actor=crew.users["alice"], data=bad, filename="x.xlsx")
    broken = [["select_one nowhere", "pick", "រើស", "Pick", ""]]
    with pytest.raises(ValidationError, match="mistake"):
        services.form_upload(actor=crew.users["alice"], data=xlsform(broken), filename="x.xlsx")
    assert not XForm.objects.exists()


@pytest.mark.parametrize("name", ["carol", "gina", "charlie", "erin"])
def test_only_form_managers_upload_forms(crew: Cast, name: str) -> None:
    with pytest.raises(PermissionDenied):
        services.form_upload(actor=crew.users[name], data=xlsform(SIMPLE_ROWS), filename="x")
    assert not XForm.objects.exists()
    assert AuditEvent.objects.filter(action="denied").exists()


def test_a_stale_state_change_is_refused(open_form: Callable[..., XForm], crew: Cast) -> None:
    form = open_form()
    stale = form.row_version - 1
    with pytest.raises(services.FormConflict):
        services.form_set_state(
            actor=crew.users["alice"], form=form, state=FormState.CLOSED, row_version=stale
        )
    form.refresh_from_db()
    assert form.state == FormState.OPEN


@pytest.mark.parametrize("name", ["../evil.csv", "a/b.csv", ".hidden", "x\x00.csv", "", "a" * 201])
def test_media_names_that_could_escape_are_refused(
    open_form: Callable[..., XForm], crew: Cast, name: str
) -> None:
    form = open_form()
    with pytest.raises(ValidationError):
        services.form_media_add(actor=crew.users["alice"], form=form, data=b"a,b\n", filename=name)
    form.refresh_from_db()
    assert not form.media.exists()
    assert form.has_media is False


def test_media_added_replaced_and_removed(open_form: Callable[..., XForm], crew: Cast) -> None:
    form = open_form()
    alice = crew.users["alice"]
    first = services.form_media_add(actor=alice, form=form, data=b"a,b\n", filename="list.csv")
    form.refresh_from_db()
    assert form.has_media is True
    second = services.form_media_add(actor=alice, form=form, data=b"a,c\n", filename="list.csv")
    assert second.pk == first.pk
    assert second.md5 != "" and second.size == 4
    services.form_media_remove(actor=alice, media=second)
    form.refresh_from_db()
    assert form.has_media is False


# --------------------------------------------------------------------------- submissions


def test_a_submission_is_stored_once_encrypted_with_its_files(
    open_form: Callable[..., XForm], crew: Cast, settings: Any
) -> None:
    open_form()
    gina = crew.users["gina"]
    xml = instance_xml(body="<village_name>ភូមិអូរធំ</village_name><photo>photo.jpg</photo>")
    got = services.submission_receive(actor=gina, xml=xml, files=[PHOTO])
    assert got.created is True
    submission = got.submission
    assert submission.state == SubmissionState.STORED  # a custom form: kept as it came
    assert submission.files_expected == ["photo.jpg"]
    assert submission.xml == xml.decode()
    # Neither the XML nor the photo is readable without the key.
    with connection.cursor() as cursor:
        cursor.execute("SELECT xml FROM collect_submission WHERE id = %s", [submission.pk])
        raw = cursor.fetchone()[0]
    assert "ភូមិ" not in raw
    attachment = SubmissionAttachment.objects.get(submission=submission)
    stored = (Path(settings.MEDIA_ROOT) / attachment.blob).read_bytes()
    assert PHOTO.data not in stored
    assert blob_read(attachment.blob) == PHOTO.data


def test_the_same_instance_again_adds_its_files_and_other_content_is_refused(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    open_form()
    gina = crew.users["gina"]
    xml = instance_xml(body="<village_name>ក</village_name><photo>photo.jpg</photo>")
    first = services.submission_receive(actor=gina, xml=xml, incomplete=True)
    assert first.submission.state == SubmissionState.WAITING
    again = services.submission_receive(actor=gina, xml=xml, files=[PHOTO])
    assert again.created is False
    assert again.submission.pk == first.submission.pk
    assert again.submission.state == SubmissionState.STORED
    assert again.submission.attachments.count() == 1
    # The same file again is fine; the same name with other bytes is not.
    services.submission_receive(actor=gina, xml=xml, files=[PHOTO])
    other_photo = services.IncomingFile("photo.jpg", "image/jpeg", b"\xff\xd8other")
    with pytest.raises(services.InstanceConflict):
        services.submission_receive(actor=gina, xml=xml, files=[other_photo])
    changed = instance_xml(body="<village_name>ខ</village_name><photo>photo.jpg</photo>")
    with pytest.raises(services.InstanceConflict) as refused:
        services.submission_receive(actor=gina, xml=changed)
    assert refused.value.status == 409
    assert Submission.objects.count() == 1
    assert SubmissionAttachment.objects.count() == 1


def test_another_person_cannot_add_to_someone_elses_instance(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    open_form(roles=[Role.SHG_FACILITATOR, Role.CASEWORKER])
    xml = instance_xml()
    services.submission_receive(actor=crew.users["gina"], xml=xml)
    with pytest.raises(services.InstanceConflict):
        services.submission_receive(actor=crew.users["carol"], xml=xml, files=[PHOTO])
    assert not SubmissionAttachment.objects.exists()


@pytest.mark.parametrize(
    ("xml", "status"),
    [
        (b"", 400),
        (b"<data id='household_visit'><meta><instanceID>x</instanceID>", 400),
        (b"<data><meta><instanceID>uuid:1</instanceID></meta></data>", 400),
        (b"<data id='household_visit'><village_name>x</village_name></data>", 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<data id='household_visit'><village_name>&x;</village_name>"
            b"<meta><instanceID>uuid:1</instanceID></meta></data>",
            400,
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            b"<data id='household_visit'><village_name>&c;</village_name>"
            b"<meta><instanceID>uuid:1</instanceID></meta></data>",
            400,
        ),
        (instance_xml("no_such_form"), 404),
    ],
    ids=["empty", "truncated", "no-id", "no-instanceid", "xxe", "laughs", "unknown-form"],
)
def test_unreadable_or_hostile_xml_is_refused_and_nothing_kept(
    open_form: Callable[..., XForm], crew: Cast, xml: bytes, status: int
) -> None:
    open_form()
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_receive(actor=crew.users["gina"], xml=xml)
    assert refused.value.status == status
    assert not Submission.objects.exists()


def test_a_closed_form_and_someone_elses_form_are_refused(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    form = open_form()
    with pytest.raises(services.NotYourForm):
        services.submission_receive(actor=crew.users["peter"], xml=instance_xml())
    services.form_set_state(
        actor=crew.users["alice"], form=form, state=FormState.CLOSED, row_version=form.row_version
    )
    with pytest.raises(services.FormNotOpen):
        services.submission_receive(actor=crew.users["gina"], xml=instance_xml())
    assert not Submission.objects.exists()


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/photo.jpg", "..", "x\\y.jpg", ".htaccess"])
def test_a_file_name_that_tries_to_escape_is_refused(
    open_form: Callable[..., XForm], crew: Cast, name: str, settings: Any
) -> None:
    open_form()
    with pytest.raises(services.MalformedSubmission):
        services.submission_receive(
            actor=crew.users["gina"],
            xml=instance_xml(),
            files=[services.IncomingFile(name, "image/jpeg", b"x")],
        )
    assert not Submission.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.bin"))


def test_a_failure_before_commit_leaves_no_record_and_no_file(
    open_form: Callable[..., XForm], crew: Cast, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    open_form()
    xml = instance_xml(body="<village_name>ក</village_name><photo>photo.jpg</photo>")

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("the server died here")

    monkeypatch.setattr(services, "audit_record", crash)
    with pytest.raises(RuntimeError):
        services.submission_receive(actor=crew.users["gina"], xml=xml, files=[PHOTO])
    assert not Submission.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.bin"))
    monkeypatch.undo()
    got = services.submission_receive(actor=crew.users["gina"], xml=xml, files=[PHOTO])
    assert got.created is True
    assert got.submission.attachments.count() == 1


# --------------------------------------------------------------------------- reprocess


def test_a_stored_submission_cannot_be_reprocessed_by_others(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    open_form()
    submission = services.submission_receive(actor=crew.users["gina"], xml=instance_xml())
    with pytest.raises(PermissionDenied):
        services.submission_reprocess(
            actor=crew.users["gina"],
            submission=submission.submission,
            row_version=submission.submission.row_version,
        )


def test_a_corrected_xml_must_keep_its_instance(
    open_form: Callable[..., XForm], crew: Cast
) -> None:
    open_form()
    got = services.submission_receive(actor=crew.users["gina"], xml=instance_xml())
    other = instance_xml(instance_id="uuid:someone-else").decode()
    with pytest.raises(ValidationError, match="same form and instanceID"):
        services.submission_reprocess(
            actor=crew.users["alice"],
            submission=got.submission,
            row_version=got.submission.row_version,
            xml=other,
        )
    fixed = instance_xml(body="<village_name>ភូមិថ្មី</village_name>").decode()
    done = services.submission_reprocess(
        actor=crew.users["alice"],
        submission=got.submission,
        row_version=got.submission.row_version,
        xml=fixed,
    )
    assert done.xml == fixed
    with pytest.raises(ValidationError, match="changed this submission"):
        services.submission_reprocess(
            actor=crew.users["alice"], submission=done, row_version=done.row_version - 1
        )


# --------------------------------------------------------------------------- keys


def test_an_app_token_works_until_a_new_one_is_made_or_it_is_revoked(crew: Cast) -> None:
    gina = crew.users["gina"]
    first = services.app_token_issue(actor=crew.users["alice"], user=gina)
    assert user_for_app_token(first) == gina
    second = services.app_token_issue(actor=gina, user=gina)
    assert user_for_app_token(first) is None
    assert user_for_app_token(second) == gina
    services.app_token_revoke(actor=gina, user=gina)
    assert user_for_app_token(second) is None
    assert user_for_app_token("") is None
    assert user_for_app_token("x" * 1000) is None


def test_only_user_managers_make_keys_for_others(crew: Cast) -> None:
    with pytest.raises(PermissionDenied):
        services.app_token_issue(actor=crew.users["carol"], user=crew.users["gina"])


def test_a_deactivated_user_key_stops_working(crew: Cast) -> None:
    gina = crew.users["gina"]
    token = services.app_token_issue(actor=gina, user=gina)
    gina.is_active = False
    gina.save(update_fields=["is_active"])
    assert user_for_app_token(token) is None


# --------------------------------------------------------------------------- encryption


def test_an_encrypted_form_takes_only_encrypted_submissions_and_they_open(
    crew: Cast,
) -> None:
    from migra.collect.selectors import submission_content
    from migra.collect.tests.odk_encrypt import encrypt_submission

    alice, gina = crew.users["alice"], crew.users["gina"]
    form = services.form_upload(
        actor=alice, data=xlsform(SIMPLE_ROWS), filename="f.xlsx", encrypted=True
    )
    assert form.encrypted is True
    assert form.public_key and form.current is not None
    assert f'base64RsaPublicKey="{form.public_key}"' in form.current.xml
    form = services.form_set_roles(
        actor=alice, form=form, roles=[Role.SHG_FACILITATOR], row_version=form.row_version
    )
    form = services.form_set_state(
        actor=alice, form=form, state=FormState.OPEN, row_version=form.row_version
    )
    plain = instance_xml(body="<village_name>ភូមិ</village_name><photo>p.jpg</photo>")
    with pytest.raises(services.MalformedSubmission):
        services.submission_receive(actor=gina, xml=plain)
    manifest, files = encrypt_submission(
        plain, public_key=form.public_key, media={"p.jpg": b"\xff\xd8photo"}
    )
    got = services.submission_receive(
        actor=gina,
        xml=manifest,
        files=[
            services.IncomingFile(name, "application/octet-stream", data)
            for name, data in files.items()
        ],
    )
    assert got.submission.encrypted is True
    assert got.submission.state == SubmissionState.STORED
    assert sorted(got.submission.files_expected) == ["p.jpg.enc", "submission.xml.enc"]
    xml, media = submission_content(got.submission)
    assert xml == plain.decode()
    assert media == {"p.jpg": b"\xff\xd8photo"}
    # The staff page shows it decrypted to someone who manages forms, and logs the read.
    from django.test import Client

    from migra.accounts.tests.conftest import login_as

    page = login_as(Client(), alice).get(f"/app/collect/submissions/{got.submission.pk}/")
    assert page.status_code == 200
    assert "ភូមិ" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="view", object_type="collect.submission", object_id=str(got.submission.pk)
    ).exists()
    # A later version keeps the same key.
    newer = services.form_upload(
        actor=alice, data=xlsform(SIMPLE_ROWS, version="2026112502"), filename="f.xlsx"
    )
    assert newer.public_key == form.public_key
    assert newer.current is not None and form.public_key in newer.current.xml


def test_a_form_with_a_key_migra_does_not_hold_is_refused(crew: Cast) -> None:
    from migra.collect.odk_crypto import new_key_pair

    public, _private = new_key_pair(2048)
    data = xlsform(SIMPLE_ROWS, settings_extra={"public_key": public})
    with pytest.raises(ValidationError, match="does not hold"):
        services.form_upload(actor=crew.users["alice"], data=data, filename="f.xlsx")
    with pytest.raises(ValidationError, match="does not hold"):
        services.form_upload(
            actor=crew.users["alice"], data=data, filename="f.xlsx", encrypted=True
        )
    assert not XForm.objects.exists()
