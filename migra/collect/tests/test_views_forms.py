"""The field-form staff pages over HTTP: who gets in, the list, uploads (good, refused,
oversized, hostile), versions, state and roles with their conflicts, media files.

Pages are served in Khmer (the users' language): expected words are computed with
`km()`, the rest is checked on ids, data- attributes and status codes."""

from __future__ import annotations

import html
import io
import re
import threading
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from migra.accounts.roles import Role
from migra.accounts.tests.conftest import login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.collect import services, views
from migra.collect.models import FormMedia, FormState, FormVersion, XForm
from migra.collect.tests.conftest import SIMPLE_ROWS, Cast, instance_xml, xlsform

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
REFUSED = ["carol", "gina", "charlie", "erin", "peter"]


def km(text: str) -> str:
    """`text` as the Khmer pages show it."""
    with translation.override("km"):
        return gettext(text)


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def upload(
    client: Client, data: bytes, *, name: str = "form.xlsx", builtin: str = "", **extra: Any
) -> Any:
    return client.post(
        "/app/collect/forms/upload/",
        {"file": io_file(data, name), "builtin": builtin, **extra},
    )


def io_file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def race(user: Any, *jobs: Callable[[Client], Any]) -> list[Any]:
    """Run the jobs at the same moment in threads, each with its own client logged in
    as `user` (logged in first, here: only the jobs race); each gives its response's
    status code, or the error it raised."""
    clients = [login_as(Client(), user) for _job in jobs]
    start = threading.Barrier(len(jobs), timeout=120)
    results: list[Any] = []
    lock = threading.Lock()

    def run(job: Callable[[Client], Any], client: Client) -> None:
        try:
            start.wait()
            result = job(client).status_code
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            result = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(result)

    threads = [
        threading.Thread(target=run, args=(job, client))
        for job, client in zip(jobs, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def form_urls(form: XForm) -> list[tuple[str, str, dict[str, Any]]]:
    version = form.current
    assert version is not None
    media = services.form_media_put(
        form=form, data=b"a,b\n1,2\n", filename="x.csv", generated=False
    )
    pk = form.pk
    state = {"state": FormState.CLOSED, "row_version": form.row_version}
    return [
        ("get", "/app/collect/forms/", {}),
        ("post", "/app/collect/forms/upload/", {"file": io_file(xlsform(SIMPLE_ROWS), "f.xlsx")}),
        ("get", f"/app/collect/forms/{pk}/", {}),
        ("post", f"/app/collect/forms/{pk}/state/", state),
        ("post", f"/app/collect/forms/{pk}/roles/", {"roles": ["caseworker"], "row_version": 1}),
        ("get", f"/app/collect/forms/{pk}/versions/{version.pk}/xlsform/", {}),
        ("get", f"/app/collect/forms/{pk}/versions/{version.pk}/xml/", {}),
        ("post", f"/app/collect/forms/{pk}/media/", {"file": io_file(b"x", "y.csv")}),
        ("get", f"/app/collect/forms/{pk}/media/{media.pk}/", {}),
        ("post", f"/app/collect/forms/{pk}/media/{media.pk}/remove/", {}),
        ("get", f"/app/collect/forms/{pk}/submissions/", {}),
        ("get", f"/app/collect/forms/{pk}/export/csv/", {}),
        ("get", f"/app/collect/forms/{pk}/export/xlsx/", {}),
        ("get", "/app/collect/attention/", {}),
    ]


# --------------------------------------------------------------------------- who gets in


def test_anonymous_visitors_are_sent_to_log_in(client: Client, open_form: Callable) -> None:
    form = open_form()
    for method, url, data in form_urls(form):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/app/login/"), url
    assert XForm.objects.count() == 1 and FormMedia.objects.count() == 1


@pytest.mark.parametrize("who", REFUSED)
def test_people_who_do_not_manage_forms_get_403_logged(
    client: Client, crew: Cast, open_form: Callable, who: str
) -> None:
    form = open_form()
    urls = form_urls(form)
    login_as(client, crew.users[who])
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED, actor_id=crew.users[who].pk)
    assert denied.count() == len(urls)
    fresh = XForm.objects.get()
    assert (fresh.state, fresh.roles, fresh.row_version) == (
        FormState.OPEN,
        [Role.SHG_FACILITATOR],
        form.row_version,
    )
    assert FormVersion.objects.count() == 1
    assert list(FormMedia.objects.values_list("filename", flat=True)) == ["x.csv"]


def test_the_menu_shows_field_forms_only_to_form_managers(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["alice"])
    assert 'href="/app/collect/forms/"' in client.get("/app/").content.decode()
    client.logout()
    login_as(client, crew.users["carol"])
    assert 'href="/app/collect/forms/"' not in client.get("/app/").content.decode()


# --------------------------------------------------------------------------- the list


def test_the_list_shows_each_form_with_its_counts(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    open_form()
    other = services.form_upload(
        actor=crew.users["alice"],
        data=xlsform(SIMPLE_ROWS, form_id="second_form", title=HOSTILE),
        filename="second.xlsx",
    )
    for number in range(3):
        services.submission_receive(
            actor=crew.users["gina"], xml=instance_xml(instance_id=f"uuid:list-{number}")
        )
    login_as(client, crew.users["alice"])
    response = client.get("/app/collect/forms/")
    assert response.status_code == 200
    content = response.content.decode()
    assert HOSTILE not in content and html.escape(HOSTILE) in content
    text = page(response)
    assert 'data-form="household_visit"' in text and 'data-form="second_form"' in text
    row = text.split('data-form="household_visit"', 1)[1].split("</tr>", 1)[0]
    assert "Household visit" in row and "2026112501" in row
    assert km("Open") in row
    assert 'data-count="submissions" data-value="3"' in row
    assert 'data-count="attention" data-value="0"' in row
    assert other.form_id in text
    # The Khmer page.
    assert '<html lang="km">' in text
    assert km("Field forms") in text


# --------------------------------------------------------------------------- uploads


def test_an_upload_makes_a_draft_form_with_downloadable_versions(
    client: Client, crew: Cast
) -> None:
    login_as(client, crew.users["alice"])
    data = xlsform(SIMPLE_ROWS)
    response = upload(client, data, name="ការទៅលេងផ្ទះ.xlsx")
    assert response.status_code == 302
    form = XForm.objects.get()
    assert response["Location"] == f"/app/collect/forms/{form.pk}/"
    assert form.state == FormState.DRAFT and form.builtin == ""
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(form.pk)).exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    text = page(detail)
    assert "Household visit" in text and "household_visit" in text
    version = FormVersion.objects.get()
    xls = client.get(f"/app/collect/forms/{form.pk}/versions/{version.pk}/xlsform/")
    assert xls.status_code == 200 and xls.content == data
    assert xls["Content-Disposition"].startswith("attachment")
    assert xls["X-Content-Type-Options"] == "nosniff"
    xml = client.get(f"/app/collect/forms/{form.pk}/versions/{version.pk}/xml/")
    assert xml.status_code == 200
    assert xml.content.decode() == version.xml and 'id="household_visit"' in version.xml
    assert xml["Content-Disposition"].startswith("attachment")
    assert client.get(f"/app/collect/forms/{form.pk}/versions/{version.pk}/zip/").status_code == 404


def test_a_new_version_is_uploaded_from_the_forms_page(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    newer = upload(client, xlsform(SIMPLE_ROWS, version="2026112502"), for_form=form.pk)
    assert newer.status_code == 302
    form.refresh_from_db()
    assert form.version == "2026112502" and form.versions.count() == 2
    assert form.state == FormState.OPEN
    # The same version again: refused on the form's own page, nothing added.
    again = upload(client, xlsform(SIMPLE_ROWS, version="2026112502"), for_form=form.pk)
    assert again.status_code == 400
    text = page(again)
    assert 'id="roles"' in text  # the form's page, not the list
    with translation.override("km"):
        expected = gettext(
            "Version %(version)s of this form is already here. Raise the version in the "
            "settings sheet before uploading a changed form."
        ) % {"version": "2026112502"}
    assert expected in text
    assert form.versions.count() == 2


def test_a_built_in_form_is_installed_by_choosing_it(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["alice"])
    response = upload(client, xlsform(SIMPLE_ROWS, form_id="migra_tip"), builtin="tip")
    assert response.status_code == 302
    form = XForm.objects.get()
    assert form.builtin == "tip"
    assert set(form.roles) == set(services.BUILTIN_ROLES["tip"])
    # Not a built-in form Migra knows: refused by the form, nothing stored.
    refused = upload(client, xlsform(SIMPLE_ROWS, form_id="other"), builtin="<script>")
    assert refused.status_code == 400
    assert XForm.objects.count() == 1


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


BROKEN_ROWS = [["select_one nowhere", "pick", "រើស", "Pick", ""]]
CONSTRAINT_HEADER = ["type", "name", "label::Khmer (km)", "label::English (en)", "constraint"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"hello, not a spreadsheet", "Upload the form as an Excel spreadsheet (.xlsx or .xls)."),
        (b"%PDF-1.7\n%%EOF", "Upload the form as an Excel spreadsheet (.xlsx or .xls)."),
        (b"PK\x03\x04 broken zip", "This file is damaged: it cannot be opened as a spreadsheet."),
        (_zip_bomb(), "This spreadsheet is far too big once opened."),
        (xlsform(BROKEN_ROWS, choices=[["other", "a", "ក", "A"]]), None),
        (xlsform(SIMPLE_ROWS, version=""), None),
        (xlsform([["calculate", "x", "", "", ""]]), None),
        (xlsform([["integer", "x", "ក", "X", ". > "]], header=CONSTRAINT_HEADER), None),
    ],
    ids=[
        "empty",
        "text",
        "pdf",
        "broken-zip",
        "zip-bomb",
        "pyxform",
        "no-version",
        "no-calculation",
        "odk-validate",
    ],
)
def test_a_bad_upload_shows_the_error_and_stores_nothing(
    client: Client, crew: Cast, data: bytes, expected: str | None
) -> None:
    login_as(client, crew.users["alice"])
    response = upload(client, data, name="form.xlsx")
    assert response.status_code == 400
    text = page(response)
    assert 'id="upload-errors"' in text or 'class="error" role="alert"' in text
    if expected is not None:
        assert km(expected) in text
    assert not XForm.objects.exists() and not FormVersion.objects.exists()
    assert not AuditEvent.objects.filter(object_type="collect.xform").exists()


def test_a_broken_xlsform_says_what_pyxform_and_odk_validate_found(
    client: Client, crew: Cast
) -> None:
    login_as(client, crew.users["alice"])
    response = upload(client, xlsform(BROKEN_ROWS, choices=[["other", "a", "ក", "A"]]))
    assert response.status_code == 400
    # pyxform's own words name the missing choice list.
    assert "List name not in choices sheet: nowhere" in page(response)
    invalid = upload(
        client, xlsform([["integer", "x", "ក", "X", ". > "]], header=CONSTRAINT_HEADER)
    )
    assert invalid.status_code == 400
    # ODK Validate (JavaRosa) names the bad constraint.
    assert "contains invalid constraint expression" in page(invalid)
    assert not XForm.objects.exists()


def test_an_oversized_upload_is_refused_while_it_arrives(
    client: Client, crew: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAX_XLSFORM_BYTES", 1024)
    login_as(client, crew.users["alice"])
    response = upload(client, xlsform(SIMPLE_ROWS) + b"\0" * 2048)
    assert response.status_code == 413
    assert not XForm.objects.exists()


def test_a_missing_file_or_a_get_is_refused(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["alice"])
    assert client.post("/app/collect/forms/upload/", {}).status_code == 400
    assert client.get("/app/collect/forms/upload/").status_code == 405
    assert not XForm.objects.exists()


def test_a_hostile_file_name_is_kept_harmless(client: Client, crew: Cast) -> None:
    login_as(client, crew.users["alice"])
    name = "..\\..\\<img src=x onerror=alert(1)>; rm -rf ᛫.xlsx"
    assert upload(client, xlsform(SIMPLE_ROWS), name=name).status_code == 302
    version = FormVersion.objects.get()
    assert "/" not in version.xlsform_name and "\\" not in version.xlsform_name
    response = client.get(f"/app/collect/forms/{version.form_id}/versions/{version.pk}/xlsform/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "\n" not in disposition and "<img" not in disposition
    detail = client.get(f"/app/collect/forms/{version.form_id}/").content.decode()
    assert "<img src=x" not in detail


# --------------------------------------------------------------------------- state and roles


def test_state_changes_and_a_stale_page_is_told(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    url = f"/app/collect/forms/{form.pk}/state/"
    closed = client.post(url, {"state": FormState.CLOSED, "row_version": form.row_version})
    assert closed.status_code == 302
    form.refresh_from_db()
    assert form.state == FormState.CLOSED
    # The page opened before the change still has the old row version.
    stale = client.post(url, {"state": FormState.OPEN, "row_version": form.row_version - 1})
    assert stale.status_code == 409
    text = page(stale)
    assert 'id="action-errors"' in text
    assert (
        km(
            "Someone else changed this form while you were working on it, so nothing was "
            "saved. Reload the page and try again."
        )
        in text
    )
    form.refresh_from_db()
    assert form.state == FormState.CLOSED
    reopened = client.post(url, {"state": FormState.OPEN, "row_version": form.row_version})
    assert reopened.status_code == 302
    assert XForm.objects.get().state == FormState.OPEN


@pytest.mark.parametrize(
    "data",
    [
        {"state": "published", "row_version": 1},
        {"state": FormState.CLOSED, "row_version": "abc"},
        {"state": FormState.CLOSED, "row_version": str(2**40)},
        {"state": FormState.CLOSED, "row_version": "-1"},
        {"state": FormState.CLOSED},
        {"state": HOSTILE, "row_version": 1},
    ],
)
def test_a_malformed_state_change_changes_nothing(
    client: Client, crew: Cast, open_form: Callable, data: dict[str, Any]
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    response = client.post(f"/app/collect/forms/{form.pk}/state/", data)
    assert response.status_code == 400
    assert HOSTILE not in response.content.decode()
    fresh = XForm.objects.get()
    assert (fresh.state, fresh.row_version) == (FormState.OPEN, form.row_version)


def test_a_draft_without_a_version_cannot_be_opened(client: Client, crew: Cast) -> None:
    form = XForm.objects.create(form_id="empty", title="Empty")
    login_as(client, crew.users["alice"])
    response = client.post(
        f"/app/collect/forms/{form.pk}/state/", {"state": FormState.OPEN, "row_version": 1}
    )
    assert response.status_code == 400
    assert km("Upload the form before opening it.") in page(response)
    assert XForm.objects.get().state == FormState.DRAFT


def test_roles_are_chosen_with_checkboxes(client: Client, crew: Cast, open_form: Callable) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    detail = page(client.get(f"/app/collect/forms/{form.pk}/"))
    assert re.search(r'name="roles" value="shg_facilitator"[^>]*checked', detail)
    assert not re.search(r'name="roles" value="caseworker"[^>]*checked', detail)
    url = f"/app/collect/forms/{form.pk}/roles/"
    chosen = [Role.PEER_EDUCATOR, Role.CASEWORKER]
    saved = client.post(url, {"roles": chosen, "row_version": form.row_version})
    assert saved.status_code == 302
    form.refresh_from_db()
    assert form.roles == sorted(chosen)
    # None: nobody but the form managers gets it.
    assert client.post(url, {"row_version": form.row_version}).status_code == 302
    form.refresh_from_db()
    assert form.roles == []
    # Unknown role, stale page, hostile version: nothing changes.
    bad = client.post(url, {"roles": ["king"], "row_version": form.row_version})
    assert bad.status_code == 400
    stale = client.post(url, {"roles": [Role.EDITOR], "row_version": form.row_version - 1})
    assert stale.status_code == 409
    huge = client.post(url, {"roles": [Role.EDITOR], "row_version": str(10**30)})
    assert huge.status_code == 400
    assert XForm.objects.get().roles == []


@pytest.mark.django_db(transaction=True)
def test_two_managers_changing_the_state_at_once_one_wins(crew: Cast, open_form: Callable) -> None:
    form = open_form()
    seen = form.row_version
    url = f"/app/collect/forms/{form.pk}/state/"
    results = race(
        crew.users["alice"],
        *[
            lambda client, state=state: client.post(url, {"state": state, "row_version": seen})
            for state in (FormState.CLOSED, FormState.DRAFT)
        ],
    )
    assert sorted(results) == [302, 409]
    fresh = XForm.objects.get()
    assert fresh.state in {FormState.CLOSED, FormState.DRAFT}
    assert fresh.row_version == seen + 1


# --------------------------------------------------------------------------- media


def test_media_files_are_added_replaced_downloaded_and_removed(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    services.form_media_put(
        form=form, data="code,label\n01,ក\n".encode(), filename="places.csv", generated=True
    )
    login_as(client, crew.users["alice"])
    url = f"/app/collect/forms/{form.pk}/media/"
    added = client.post(url, {"file": io_file(b"name,label\na,b\n", "ជម្រើស.csv")})
    assert added.status_code == 302 and added["Location"].endswith("#media")
    media = FormMedia.objects.get(filename="ជម្រើស.csv")
    assert media.generated is False
    replaced = client.post(url, {"file": io_file(b"name,label\nc,d\n", "ជម្រើស.csv")})
    assert replaced.status_code == 302
    assert FormMedia.objects.filter(form=form).count() == 2
    media.refresh_from_db()
    text = page(client.get(f"/app/collect/forms/{form.pk}/"))
    assert 'data-media="places.csv"' in text and 'data-generated="1"' in text
    generated_row = text.split('data-media="places.csv"', 1)[1].split("</li>", 1)[0]
    assert 'data-generated="1"' in generated_row
    own_row = text.split('data-media="ជម្រើស.csv"', 1)[1].split("</li>", 1)[0]
    assert "data-generated" not in own_row
    download = client.get(f"/app/collect/forms/{form.pk}/media/{media.pk}/")
    assert download.status_code == 200 and download.content == b"name,label\nc,d\n"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    removed = client.post(f"/app/collect/forms/{form.pk}/media/{media.pk}/remove/")
    assert removed.status_code == 302
    assert list(FormMedia.objects.values_list("filename", flat=True)) == ["places.csv"]
    assert client.get(f"/app/collect/forms/{form.pk}/media/{media.pk}/").status_code == 404


@pytest.mark.parametrize("name", [".hidden.csv", ".htaccess", "x" * 201 + ".csv"])
def test_a_bad_media_file_name_stores_nothing(
    client: Client, crew: Cast, open_form: Callable, name: str
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    response = client.post(f"/app/collect/forms/{form.pk}/media/", {"file": io_file(b"a", name)})
    assert response.status_code == 400
    assert not FormMedia.objects.exists()
    assert XForm.objects.get().has_media is False


def test_control_characters_never_reach_a_media_file_name(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    client.post(f"/app/collect/forms/{form.pk}/media/", {"file": io_file(b"a", "a\x01b\x7f.csv")})
    for name in FormMedia.objects.values_list("filename", flat=True):
        assert not any(ord(char) < 32 or char == "\x7f" for char in name)


def test_an_empty_or_oversized_media_file_stores_nothing(
    client: Client, crew: Cast, open_form: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    url = f"/app/collect/forms/{form.pk}/media/"
    empty = client.post(url, {"file": io_file(b"", "empty.csv")})
    assert empty.status_code == 400
    assert km("The file is empty.") in page(empty)
    monkeypatch.setattr(services, "MAX_MEDIA_BYTES", 100)
    big = client.post(url, {"file": io_file(b"x" * 1000, "big.csv")})
    assert big.status_code == 413
    assert not FormMedia.objects.exists()


def test_media_of_another_form_is_not_reached(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    other = open_form(form_id="other_form")
    media = services.form_media_put(form=other, data=b"a", filename="a.csv", generated=False)
    version = other.current
    assert version is not None
    login_as(client, crew.users["alice"])
    assert client.get(f"/app/collect/forms/{form.pk}/media/{media.pk}/").status_code == 404
    removed = client.post(f"/app/collect/forms/{form.pk}/media/{media.pk}/remove/")
    assert removed.status_code == 404
    assert FormMedia.objects.filter(pk=media.pk).exists()
    xml = f"/app/collect/forms/{form.pk}/versions/{version.pk}/xml/"
    assert client.get(xml).status_code == 404
    assert client.get("/app/collect/forms/999999/").status_code == 404


def test_the_form_page_links_its_submissions_and_exports(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    login_as(client, crew.users["alice"])
    text = page(client.get(f"/app/collect/forms/{form.pk}/"))
    assert f'href="/app/collect/forms/{form.pk}/submissions/"' in text
    assert f'href="/app/collect/forms/{form.pk}/export/csv/"' in text
    assert f'href="/app/collect/forms/{form.pk}/export/xlsx/"' in text
    # The state buttons offer the other states only, each with the page's row version.
    assert 'data-state="closed"' in text and 'data-state="draft"' in text
    assert 'data-state="open"' not in text
    assert f'name="row_version" value="{form.row_version}"' in text


@pytest.mark.django_db(transaction=True)
def test_two_managers_uploading_the_same_new_form_at_once_make_one(crew: Cast) -> None:
    data = xlsform(SIMPLE_ROWS)
    results = race(crew.users["alice"], *[lambda client: upload(client, data)] * 2)
    assert sorted(results) in ([302, 400], [302, 409])
    assert XForm.objects.count() == 1 and FormVersion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_media_file_name_added_twice_at_once_is_kept_once(
    crew: Cast, open_form: Callable
) -> None:
    form = open_form()
    url = f"/app/collect/forms/{form.pk}/media/"
    contents = [f"a,b\n{number},x\n".encode() for number in range(4)]
    results = race(
        crew.users["alice"],
        *[
            lambda client, content=content: client.post(url, {"file": io_file(content, "list.csv")})
            for content in contents
        ],
    )
    assert set(results) <= {302, 409} and 302 in results
    kept = FormMedia.objects.get()
    assert kept.filename == "list.csv"
    with kept.file.open("rb") as handle:
        assert handle.read() in contents
    assert XForm.objects.get().has_media is True
