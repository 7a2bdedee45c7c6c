"""The demo documents: made once, real small files that pass the library's own checks,
Khmer titles, one with an earlier version, one left as a draft."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from migra.documents.demo import LEAFLET_TITLE, REPORT_TITLE, SHEET_TITLE
from migra.documents.files import XLSX
from migra.documents.models import Document
from migra.search.selectors import search_public


@pytest.mark.django_db
def test_demo_documents_once(media_root):
    call_command("demo", "--allow-production")
    call_command("demo", "--allow-production")
    assert Document.objects.count() == 3
    report = Document.objects.get(title_km=REPORT_TITLE)
    leaflet = Document.objects.get(title_km=LEAFLET_TITLE)
    sheet = Document.objects.get(title_km=SHEET_TITLE)
    assert report.is_published and leaflet.is_published and not sheet.is_published
    assert [v.number for v in report.versions.order_by("number")] == [1, 2]
    assert report.latest.content_type == "application/pdf"
    assert leaflet.latest.content_type == "image/png" and sheet.latest.content_type == XLSX
    with default_storage.open(report.latest.file, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at each object (a reader finds them).
    start = int(data.rsplit(b"startxref", 1)[1].split()[0])
    table = data[start:].split(b"trailer", 1)[0].split(b"\n")
    assert table[0] == b"xref"
    offsets = [int(line.split()[0]) for line in table[3:] if line.strip()]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(b"%d 0 obj" % number)
    assert report.latest.size == len(data)
    assert [r.object_id for r in search_public("ប្រចាំឆ្នាំ", doc_types=["document"])] == [
        str(report.pk)
    ]
