"""Exports of the case list to CSV and XLSX.

No person is named in them: case number, type, status, risk, province, agency,
assigned caseworker (a member of staff), opened and closed dates, closing reason and
the counts of services. Every text cell is defused against formula injection (a cell
starting with = + - @ or a control character gets a leading apostrophe), in CSV and
in XLSX alike. At most `MAX_EXPORT_ROWS` rows are written in the request; a larger
selection is refused with a message asking to narrow the filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from migra.cases.models import Case, CaseService, ServiceStatus

MAX_EXPORT_ROWS = 20000
_CHUNK = 500
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def defuse(value: Any) -> Any:
    """A cell value a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_DANGEROUS_START):
        return "'" + value
    return value


def _columns() -> list[str]:
    return [
        _("Case number"),
        _("Type"),
        _("Status"),
        _("Risk"),
        _("Province"),
        _("Agency"),
        _("Caseworker"),
        _("Opened"),
        _("Closed"),
        _("Closing reason"),
        _("Services"),
        _("Services delivered"),
    ]


@dataclass(frozen=True)
class Export:
    rows: list[list[Any]]
    too_many: bool


def _service_counts(ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    counts: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        for row in (
            CaseService.objects.filter(case_id__in=chunk)
            .values("case_id")
            .annotate(
                total=Count("pk"), delivered=Count("pk", filter=Q(status=ServiceStatus.DELIVERED))
            )
        ):
            counts[row["case_id"]] = (row["total"], row["delivered"])
    return counts


def _date(value: Any) -> str:
    if value is None:
        return ""
    return str(timezone.localtime(value).date().isoformat())


def export_rows(queryset: QuerySet[Case]) -> Export:
    """The rows of the export (header first), or `too_many` when over the limit."""
    cases = list(
        queryset.select_related("province", "agency", "assigned_to").only(
            "number",
            "case_type",
            "status",
            "risk",
            "opened_at",
            "closed_at",
            "closing_reason",
            "province__name_km",
            "province__name_en",
            "province__name_th",
            "agency__name_km",
            "agency__name_en",
            "assigned_to__full_name",
            "assigned_to__email",
            "assigned_to__phone",
        )[: MAX_EXPORT_ROWS + 1]
    )
    if len(cases) > MAX_EXPORT_ROWS:
        return Export(rows=[], too_many=True)
    counts = _service_counts([c.pk for c in cases])
    rows: list[list[Any]] = [_columns()]
    for case in cases:
        total, delivered = counts.get(case.pk, (0, 0))
        rows.append(
            [
                case.number,
                str(case.get_case_type_display()),
                str(case.get_status_display()),
                str(case.get_risk_display()),
                case.province.name if case.province else "",
                str(case.agency),
                str(case.assigned_to) if case.assigned_to else "",
                _date(case.opened_at),
                _date(case.closed_at),
                str(case.get_closing_reason_display()) if case.closing_reason else "",
                total,
                delivered,
            ]
        )
    return Export(rows=rows, too_many=False)


def to_csv(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheets read Khmer correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([defuse(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Cases")[:31])
    for row in rows:
        sheet.append([defuse(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
