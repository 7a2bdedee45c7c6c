"""A submission's answers as (question path → value), and a form's submissions as a
CSV or XLSX table.

Paths are those of the form's instance under its root, e.g. `household/size`. A repeat
is numbered from 1, so its answers read `children[1]/name`, `children[2]/name` … and an
export has one row per submission and one column per path: as many columns of a
repeat as the submission with the most of them needs. Columns follow the order of the
questions in the form (its current version first, then paths only older versions
had). The form's file questions (photo, audio …) are exported as links to the staff
download of the file (`link` below); a file that never arrived keeps its name.

Every text cell is defused against formula injection (migra.cases.exports.defuse: a
cell starting with = + - @ or a control character gets a leading apostrophe), in CSV
and XLSX alike, except a plain number such as -3 or -2.5, which no spreadsheet runs.
At most `MAX_EXPORT_ROWS` submissions are written in the request.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.cases.exports import defuse as _defuse_text
from migra.collect import instances
from migra.collect.models import FormVersion, Submission, SubmissionAttachment, XForm
from migra.collect.odk_crypto import EncryptedSubmissionError
from migra.collect.selectors import submission_content

MAX_EXPORT_ROWS = 20000
XFORMS_NS = "http://www.w3.org/2002/xforms"
HTML_NS = "http://www.w3.org/1999/xhtml"
JR_TEMPLATE = "{http://openrosa.org/javarosa}template"
# Paths not in any version of the form sort after those that are.
_UNKNOWN = 1 << 30
# Plain numbers (ASCII digits only: Khmer digits are text) need no defusing.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Characters a spreadsheet cell cannot hold (openpyxl refuses them in XLSX).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def defuse(value: Any) -> Any:
    """A cell value a spreadsheet will not run as a formula (control characters that no
    spreadsheet cell holds are dropped first, so that none can hide a leading =)."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return _defuse_text(value)


# --------------------------------------------------------------------------- form shape


@dataclass
class FormShape:
    """What the form's versions say about its instance: the order of its paths, which
    of them repeat and which are file questions (paths without repeat numbers)."""

    order: dict[str, int] = field(default_factory=dict)
    repeats: set[str] = field(default_factory=set)
    binary: set[str] = field(default_factory=set)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _add_version(shape: FormShape, xml: str, binary_paths: Sequence[str]) -> None:
    try:
        root = SafeET.fromstring(xml.encode("utf-8"), forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return  # a stored version that cannot be read adds nothing
    model = root.find(f"{{{HTML_NS}}}head/{{{XFORMS_NS}}}model")
    primary = model.find(f"{{{XFORMS_NS}}}instance") if model is not None else None
    if primary is None or len(primary) == 0:
        return
    data = primary[0]
    prefix = f"/{_local(data.tag)}/"

    def walk(node: Element, base: str) -> None:
        for child in node:
            path = base + _local(child.tag)
            if child.get(JR_TEMPLATE) is not None:
                shape.repeats.add(path)
            if path not in shape.order:
                shape.order[path] = len(shape.order)
            walk(child, path + "/")

    walk(data, "")
    for repeat in root.iter(f"{{{XFORMS_NS}}}repeat"):
        nodeset = repeat.get("nodeset", "")
        if nodeset.startswith(prefix):
            shape.repeats.add(nodeset.removeprefix(prefix))
    shape.binary.update(binary_paths)


def form_shape(form: XForm) -> FormShape:
    """The shape of every version of the form, the current one first."""
    shape = FormShape()
    versions = sorted(
        FormVersion.objects.filter(form=form).only("pk", "xml", "binary_paths"),
        key=lambda version: version.pk != form.current_id,
    )
    for version in versions:
        _add_version(shape, version.xml, version.binary_paths)
    return shape


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    path: str  # with repeat numbers: "children[2]/name"
    question: str  # without: "children/name"
    value: str
    is_file: bool


def _answers_under(node: Element, shown: str, question: str, shape: FormShape) -> Iterator[Answer]:
    counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    for child in node:
        totals[_local(child.tag)] = totals.get(_local(child.tag), 0) + 1
    for child in node:
        name = _local(child.tag)
        path_question = question + name
        # Numbered when the form says it repeats, or when it occurs more than once
        # anyway (a form changed since), so that no two answers share a path.
        if path_question in shape.repeats or totals[name] > 1:
            counts[name] = counts.get(name, 0) + 1
            path = f"{shown}{name}[{counts[name]}]"
        else:
            path = shown + name
        if len(child):
            yield from _answers_under(child, path + "/", path_question + "/", shape)
        else:
            yield Answer(
                path=path,
                question=path_question,
                value=(child.text or "").strip(),
                is_file=path_question in shape.binary,
            )


def submission_answers(submission: Submission, shape: FormShape) -> list[Answer]:
    """The submission's answers in the order they appear; [] when it cannot be read
    (an ODK-encrypted submission that does not decrypt, or XML that no longer parses).
    An encrypted one is decrypted with the form's private key: callers check the
    reader's right and log the read."""
    xml = submission.xml
    if submission.encrypted:
        try:
            xml, _media = submission_content(submission)
        except EncryptedSubmissionError:
            return []
    try:
        parsed = instances.parse_instance(xml.encode("utf-8"))
    except instances.MalformedInstance:
        return []
    return list(_answers_under(parsed.root, "", "", shape))


_SEGMENT = re.compile(r"(?P<name>[^\[/]+)(\[(?P<index>[0-9]+)\])?")


def path_sort_key(path: str, shape: FormShape) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a path: each step by its place in the form, then its repeat number."""
    key: list[tuple[int, int, str]] = []
    question = ""
    for segment in path.split("/"):
        found = _SEGMENT.fullmatch(segment)
        name = found.group("name") if found else segment
        index = int(found.group("index")) if found and found.group("index") else 0
        question = f"{question}/{name}" if question else name
        key.append((shape.order.get(question, _UNKNOWN), index, name))
    return tuple(key)


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Export:
    rows: list[list[Any]]
    links: set[tuple[int, int]]  # (row, column) of the cells that are links, from 0
    too_many: bool


def _fixed_columns() -> list[str]:
    return [
        _("Submission number"),
        _("Instance ID"),
        _("Received"),
        _("Sent by"),
        _("State"),
        _("Form version"),
        _("Problem"),
    ]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(
    form: XForm,
    submissions: QuerySet[Submission],
    *,
    link: Callable[[Submission, SubmissionAttachment], str],
) -> Export:
    """The rows (header first) of the form's submissions, newest first."""
    queryset = submissions.filter(form=form).order_by("-received_at", "-pk")
    if queryset.count() > MAX_EXPORT_ROWS:
        return Export(rows=[], links=set(), too_many=True)
    shape = form_shape(form)
    found: list[tuple[list[Any], dict[str, tuple[str, bool]]]] = []
    paths: set[str] = set()
    queryset = queryset.select_related("submitted_by").prefetch_related("attachments")
    for submission in queryset.iterator(chunk_size=500):
        files = {item.name: item for item in submission.attachments.all()}
        answers: dict[str, tuple[str, bool]] = {}
        for answer in submission_answers(submission, shape):
            attachment = files.get(answer.value) if answer.is_file and answer.value else None
            if attachment is not None:
                answers[answer.path] = (link(submission, attachment), True)
            else:
                answers[answer.path] = (answer.value, False)
            paths.add(answer.path)
        fixed = [
            submission.pk,
            submission.instance_id,
            _when(submission.received_at),
            str(submission.submitted_by),
            str(submission.get_state_display()),
            submission.form_version,
            submission.problem,
        ]
        found.append((fixed, answers))
    columns = sorted(paths, key=lambda path: path_sort_key(path, shape))
    header = [*_fixed_columns(), *columns]
    rows: list[list[Any]] = [header]
    links: set[tuple[int, int]] = set()
    offset = len(header) - len(columns)
    for fixed, answers in found:
        row = list(fixed)
        for number, path in enumerate(columns):
            value, is_link = answers.get(path, ("", False))
            if is_link:
                links.add((len(rows), offset + number))
            row.append(value)
        rows.append(row)
    return Export(rows=rows, links=links, too_many=False)


def to_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheets read Khmer correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([defuse(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(export: Export) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = _("Submissions")[:31]
    bold = Font(bold=True)
    for row_number, row in enumerate(export.rows):
        for column_number, value in enumerate(row):
            cell = sheet.cell(row=row_number + 1, column=column_number + 1, value=defuse(value))
            if row_number == 0:
                cell.font = bold
            elif (row_number, column_number) in export.links:
                # A link's text is the address itself: defusing never changes it.
                cell.hyperlink = str(value)
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
