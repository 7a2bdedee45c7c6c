"""Demo documents (called by `migra demo`, after the demo users). Idempotent: each is
found again by its Khmer title. The files are made here, small and valid:

- the programme's annual report, a one-page PDF written by hand (English text, the
  Khmer title in the PDF's metadata), published, in two versions (a draft for the
  partners, then the final one), so the public page lists an earlier version;
- a leaflet on the warning signs of trafficking, a PNG drawn with Pillow, published;
- a training attendance sheet, an Excel file made with openpyxl (Khmer headings), left
  as a draft for the editor (editor@demo.migra.local) to preview and publish.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from migra.accounts.models import User
from migra.documents import services
from migra.documents.files import PNG, XLSX
from migra.documents.models import Document

REPORT_TITLE = "របាយការណ៍ប្រចាំឆ្នាំ ២០២៥ នៃគម្រោងចំណាកស្រុកដោយសុវត្ថិភាព"
REPORT_TITLE_EN = "Safe migration programme: annual report 2025"
REPORT_DESCRIPTION = (
    "របាយការណ៍នេះបង្ហាញពីសកម្មភាពរបស់ក្រុមជួយខ្លួនឯង អ្នកអប់រំមិត្តអប់រំមិត្ត "
    "និងដៃគូរបស់គម្រោងនៅក្នុងខេត្តទាំងប្រាំ ក្នុងឆ្នាំ ២០២៥។"
)
REPORT_DESCRIPTION_EN = (
    "What the self-help groups, peer educators and partners of the programme did in the "
    "five provinces in 2025, with the main figures."
)
LEAFLET_TITLE = "សញ្ញាព្រមាននៃការជួញដូរមនុស្ស"
LEAFLET_TITLE_EN = "Warning signs of trafficking"
LEAFLET_DESCRIPTION = "ប័ណ្ណព័ត៌មានសម្រាប់បិទនៅភូមិ៖ សញ្ញាប្រាំយ៉ាងដែលត្រូវប្រុងប្រយ័ត្ន មុនពេលចេញដំណើរ។"
SHEET_TITLE = "បញ្ជីវត្តមានវគ្គបណ្តុះបណ្តាលអ្នកអប់រំមិត្តអប់រំមិត្ត"

REPORT_LINES_V1 = [
    "Safe migration programme - annual report 2025",
    "DRAFT for partners' comments",
    "",
    "25 self-help groups met every month in 25 communes of 5 provinces.",
]
REPORT_LINES_V2 = [
    "Safe migration programme - annual report 2025",
    "",
    "25 self-help groups met every month in 25 communes of 5 provinces.",
    "Peer educators and social ambassadors held awareness sessions in every commune.",
    "Caseworkers of the partner NGOs screened, supported and referred returnees.",
    "",
    "Hotline and advice: see the programme's website.",
]


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(lines: list[str], *, title: str) -> bytes:
    """A valid one-page PDF (A4, Helvetica) with these ASCII lines and a Unicode title
    in its document information."""
    commands = ["BT", "/F1 14 Tf", "56 780 Td", "20 TL"]
    for line in lines:
        commands.append(f"({_pdf_text(line)}) Tj T*")
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1", "replace")
    title_hex = ("\ufeff" + title).encode("utf-16-be").hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        f"<< /Title <{title_hex}> /Producer (Migra demo) >>".encode("ascii"),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, len(objects), xref)
    )
    return out.getvalue()


def leaflet_png() -> bytes:
    """A small poster: a title band and five numbered warning signs (English)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 848), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 600, 120), fill=(0, 92, 151))
    draw.text((32, 40), "SAFE MIGRATION: WARNING SIGNS", fill=(255, 255, 255))
    signs = [
        "1. A broker keeps your passport or ID card.",
        "2. You must pay a big fee or take a loan before you leave.",
        "3. No written contract, or one you cannot read.",
        "4. The job or the wage changes when you arrive.",
        "5. You may not leave the workplace or call your family.",
    ]
    for number, sign in enumerate(signs):
        top = 170 + number * 120
        draw.ellipse((32, top, 72, top + 40), fill=(181, 71, 8))
        draw.text((90, top + 12), sign, fill=(20, 20, 20))
    draw.text((32, 790), "Ask before you go. Call the hotline.", fill=(0, 92, 151))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def attendance_xlsx() -> bytes:
    """A training attendance sheet with Khmer headings (no personal data: blank rows)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "វត្តមាន"
    sheet.append(["ល.រ", "ឈ្មោះ", "ភូមិ", "ថ្ងៃទី ១", "ថ្ងៃទី ២", "ហត្ថលេខា"])
    for number in range(1, 21):
        sheet.append([number, "", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str) -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def demo_documents_ensure() -> int:
    """Create what is missing of the demo documents; return how many were made."""
    editor = User.objects.filter(email="editor@demo.migra.local").first()
    if editor is None:
        return 0
    made = 0
    with transaction.atomic():
        if not Document.objects.filter(title_km=REPORT_TITLE).exists():
            report = services.document_create(
                actor=editor,
                title_km=REPORT_TITLE,
                title_en=REPORT_TITLE_EN,
                description_km=REPORT_DESCRIPTION,
                description_en=REPORT_DESCRIPTION_EN,
                category="annual_report",
                languages=["km", "en"],
                published_on=datetime.date(2026, 3, 31),
                upload=_upload(
                    "annual-report-draft.pdf",
                    tiny_pdf(REPORT_LINES_V1, title=REPORT_TITLE),
                    "application/pdf",
                ),
                note="Draft for partners' comments",
            )
            services.document_version_add(
                actor=editor,
                document_id=report.pk,
                upload=_upload(
                    "annual-report.pdf",
                    tiny_pdf(REPORT_LINES_V2, title=REPORT_TITLE),
                    "application/pdf",
                ),
                note="បញ្ចប់៖ តួលេខចុងក្រោយ",
            )
            report.refresh_from_db()
            services.document_publish(
                actor=editor, document_id=report.pk, expected_version=report.version
            )
            made += 1
        if not Document.objects.filter(title_km=LEAFLET_TITLE).exists():
            leaflet = services.document_create(
                actor=editor,
                title_km=LEAFLET_TITLE,
                title_en=LEAFLET_TITLE_EN,
                description_km=LEAFLET_DESCRIPTION,
                category="leaflet",
                languages=["en"],
                published_on=datetime.date(2025, 11, 1),
                upload=_upload("warning-signs.png", leaflet_png(), PNG),
            )
            services.document_publish(
                actor=editor, document_id=leaflet.pk, expected_version=leaflet.version
            )
            made += 1
        if not Document.objects.filter(title_km=SHEET_TITLE).exists():
            services.document_create(
                actor=editor,
                title_km=SHEET_TITLE,
                category="training",
                languages=["km"],
                published_on=datetime.date(2026, 1, 15),
                upload=_upload("attendance.xlsx", attendance_xlsx(), XLSX),
            )
            made += 1
    return made
