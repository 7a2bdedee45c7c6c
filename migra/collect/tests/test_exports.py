"""Exports of a form's submissions (CSV and XLSX): one row per submission, one column
per question path with repeats flattened, file answers as links to the staff download,
formula injection defused, every export audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client

from migra.accounts.tests.conftest import login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.collect import exports, services
from migra.collect.models import Submission, SubmissionAttachment, XForm
from migra.collect.tests.conftest import Cast, xlsform
from migra.collect.tests.test_views_forms import km, page

pytestmark = pytest.mark.django_db

ROWS = [
    ["text", "village_name", "ភូមិ", "Village", ""],
    ["integer", "households", "គ្រួសារ", "Households", ""],
    ["begin_repeat", "child", "កូន", "Child", ""],
    ["text", "name", "ឈ្មោះ", "Name", ""],
    ["image", "picture", "រូប", "Picture", ""],
    ["end_repeat", "", "", "", ""],
    ["text", "note", "កំណត់", "Note", ""],
]
FIXED = (
    7  # columns before the answers: number, instance, received, sent by, state, version, problem
)
INJECTIONS = ['=HYPERLINK("http://evil")', "+855 12 345 678", "-2+3", "@SUM(A1)", "\t=1", "%0A"]


def send(crew: Cast, number: int, body: str, files: list[services.IncomingFile]) -> Submission:
    xml = (
        f'<?xml version="1.0"?><data id="family" version="2026112501">{body}'
        f"<meta><instanceID>uuid:family-{number}</instanceID></meta></data>"
    ).encode()
    return services.submission_receive(actor=crew.users["gina"], xml=xml, files=files).submission


@pytest.fixture
def family(crew: Cast, open_form: Callable) -> XForm:
    form = open_form(ROWS, form_id="family")
    send(
        crew,
        1,
        "<village_name>ភូមិអូរធំ</village_name><households>-3</households>"
        "<child><name>សុខា</name><picture>a.jpg</picture></child>"
        "<child><name>ដារា</name><picture>b.jpg</picture></child>"
        "<note>ok</note>",
        [services.IncomingFile("a.jpg", "image/jpeg", b"\xff\xd8a")],
    )
    injected = "".join(
        f"<child><name>{value.replace('&', '&amp;').replace('<', '&lt;')}</name><picture/></child>"
        for value in INJECTIONS
    )
    send(crew, 2, f"<village_name>=1+1</village_name><households>4</households>{injected}", [])
    return form


def read_csv(response: Any) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_csv_has_one_row_per_submission_and_flattened_repeats(
    client: Client, crew: Cast, family: XForm
) -> None:
    login_as(client, crew.users["alice"])
    response = client.get(f"/app/collect/forms/{family.pk}/export/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="family-')
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = read_csv(response)
    header = rows[0]
    questions = header[FIXED:]
    # Form order; repeats numbered; as many as the submission with the most needs.
    assert questions[:4] == ["village_name", "households", "child[1]/name", "child[1]/picture"]
    last = len(INJECTIONS)
    assert questions.index("child[2]/name") < questions.index(f"child[{last}]/name")
    assert questions.index(f"child[{last}]/picture") < questions.index("note")
    assert questions[-1] == "meta/instanceID"
    assert len(rows) == 3
    by_instance = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    # Newest first.
    assert [row[1] for row in rows[1:]] == ["uuid:family-2", "uuid:family-1"]
    first = by_instance["uuid:family-1"]
    assert first["village_name"] == "ភូមិអូរធំ"
    assert first["households"] == "-3"  # a plain number needs no defusing
    assert first["child[2]/name"] == "ដារា" and first["note"] == "ok"
    attachment = SubmissionAttachment.objects.get(name="a.jpg")
    submission = attachment.submission
    link = f"http://testserver/app/collect/submissions/{submission.pk}/files/{attachment.pk}/"
    assert first["child[1]/picture"] == link
    # A file that never arrived keeps its name.
    assert first["child[2]/picture"] == "b.jpg"
    assert first[f"child[{len(INJECTIONS)}]/name"] == ""
    # The link works, for form managers.
    assert client.get(link.removeprefix("http://testserver")).content == b"\xff\xd8a"


def test_csv_defuses_formulas(client: Client, crew: Cast, family: XForm) -> None:
    login_as(client, crew.users["alice"])
    rows = read_csv(client.get(f"/app/collect/forms/{family.pk}/export/csv/"))
    header = rows[0]
    second = dict(zip(header, rows[1], strict=True))
    assert second["village_name"] == "'=1+1"
    names = [second[f"child[{number}]/name"] for number in range(1, len(INJECTIONS) + 1)]
    assert names == [
        '\'=HYPERLINK("http://evil")',
        "'+855 12 345 678",
        "'-2+3",
        "'@SUM(A1)",
        "'=1",  # answers are stripped of surrounding blanks, then defused
        "'%0A",
    ]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-2+", "@")), cell


def test_xlsx_has_the_same_rows_links_and_defused_cells(
    client: Client, crew: Cast, family: XForm
) -> None:
    login_as(client, crew.users["alice"])
    response = client.get(f"/app/collect/forms/{family.pk}/export/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"] == exports_xlsx_type()
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    csv_rows = read_csv(client.get(f"/app/collect/forms/{family.pk}/export/csv/"))
    assert rows[0] == csv_rows[0]
    header = rows[0]
    by_instance = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    second = by_instance["uuid:family-2"]
    assert second["village_name"] == "'=1+1"
    assert second["child[4]/name"] == "'@SUM(A1)"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    first_row = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == "uuid:family-1")
    picture = first_row[header.index("child[1]/picture")]
    assert picture.hyperlink is not None
    assert picture.hyperlink.target == picture.value
    assert str(picture.value).startswith("http://testserver/app/collect/submissions/")
    assert by_instance["uuid:family-1"]["village_name"] == "ភូមិអូរធំ"


def exports_xlsx_type() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_every_export_is_audited(client: Client, crew: Cast, family: XForm) -> None:
    login_as(client, crew.users["alice"])
    client.get(f"/app/collect/forms/{family.pk}/export/csv/")
    client.get(f"/app/collect/forms/{family.pk}/export/xlsx/")
    events = AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="collect.xform", object_id=str(family.pk)
    ).order_by("seq")
    assert [event.changes for event in events] == [
        {"format": "csv", "rows": 2},
        {"format": "xlsx", "rows": 2},
    ]


def test_an_unknown_format_or_too_many_rows_exports_nothing(
    client: Client, crew: Cast, family: XForm, monkeypatch: pytest.MonkeyPatch
) -> None:
    login_as(client, crew.users["alice"])
    for fmt in ("pdf", "csv.exe", "..", "XLSX"):
        assert client.get(f"/app/collect/forms/{family.pk}/export/{fmt}/").status_code == 404
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    response = client.get(f"/app/collect/forms/{family.pk}/export/csv/")
    assert response.status_code == 302
    assert response["Location"] == f"/app/collect/forms/{family.pk}/submissions/"
    told = page(client.get(response["Location"]))
    assert (
        km("More than %(limit)s submissions: they cannot be exported at once.") % {"limit": "1"}
        in told
    )
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_form_without_submissions_exports_its_header(
    client: Client, crew: Cast, open_form: Callable
) -> None:
    form = open_form(ROWS, form_id="family")
    login_as(client, crew.users["alice"])
    rows = read_csv(client.get(f"/app/collect/forms/{form.pk}/export/csv/"))
    assert len(rows) == 1 and len(rows[0]) == FIXED


def test_columns_of_older_versions_come_after_the_current_ones(
    crew: Cast, open_form: Callable
) -> None:
    form = open_form(ROWS, form_id="family")
    send(crew, 1, "<village_name>a</village_name><old_question>x</old_question>", [])
    newer = [["text", "added", "ថ្មី", "Added", ""], *ROWS]
    services.form_upload(
        actor=crew.users["alice"],
        data=xlsform(newer, form_id="family", version="2026112502"),
        filename="f.xlsx",
    )
    form.refresh_from_db()
    shape = exports.form_shape(form)
    assert shape.order["added"] == 0  # the current version leads
    assert {"child"} <= shape.repeats and "child/picture" in shape.binary
    export = exports.export_rows(
        form, Submission.objects.all(), link=lambda submission, attachment: "link"
    )
    questions = export.rows[0][FIXED:]
    assert questions == ["village_name", "meta/instanceID", "old_question"]


def test_defuse_leaves_plain_values_and_numbers_alone() -> None:
    assert exports.defuse("ភូមិ") == "ភូមិ"
    assert exports.defuse("-12") == "-12" and exports.defuse("-1.5") == "-1.5"
    assert exports.defuse("-១២") == "'-១២"  # Khmer digits are text, not a number
    assert exports.defuse("\x01=cmd") == "'=cmd"  # a hidden control character is dropped
    assert exports.defuse(42) == 42


def test_sort_key_puts_repeats_in_number_order() -> None:
    shape = exports.FormShape(order={"a": 0, "r": 1, "r/x": 2, "r/y": 3, "z": 4})
    paths = ["z", "r[10]/x", "r[2]/y", "r[2]/x", "unknown", "a", "r[1]/y"]
    ordered = sorted(paths, key=lambda path: exports.path_sort_key(path, shape))
    assert ordered == ["a", "r[1]/y", "r[2]/x", "r[2]/y", "r[10]/x", "z", "unknown"]
