"""Demo content of the public website (called by `migra demo`, after the demo users).
Idempotent: each record is found again by its Khmer title or name.

- Two published news items (one with a cover photo, one without a Thai version, to
  show the Khmer fallback) and a draft waiting in the editor (editor@demo.migra.local).
- A safe-migration day coming up in Siem Reap and a testimony talk that took place in
  Banteay Meanchey, both published.
- The demo agencies as partners, and the demo donor.
- The fixed pages (made by migration 0002) put in the search index.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from migra.accounts.models import Agency, User
from migra.accounts.roles import AgencyKind
from migra.places.models import Place
from migra.search.services import search_index_upsert
from migra.site import services
from migra.site.models import Event, NewsItem, Page, Partner, PartnerKind

EDITOR_EMAIL = "editor@demo.migra.local"

NEWS = [
    {
        "title_km": "យុវជនអប់រំមិត្តភក្តិរៀនប្រមូលរឿងរ៉ាវ",
        "summary_km": ("យុវជនអប់រំមិត្តភក្តិមកពីខេត្តគោលដៅរបស់កម្មវិធី បានហ្វឹកហាត់សម្ភាសន៍ ថតរូប និងការសុំការយល់ព្រម។"),
        "body_km": (
            "<p>រយៈពេលបីថ្ងៃ យុវជនអប់រំមិត្តភក្តិបានហ្វឹកហាត់ពីរបៀបស្តាប់ពលករចំណាកស្រុក"
            "ដែលបានត្រឡប់មកវិញ របៀបថតរូបដែលមិនបង្ហាញមុខអ្នកដែលមិនបានយល់ព្រម "
            "និងរបៀបសុំ និងកត់ត្រាការយល់ព្រម មុនពេលផ្សព្វផ្សាយអ្វីមួយ។</p>"
            "<p>រឿងរ៉ាវដំបូងរបស់ពួកគេនឹងចេញផ្សាយក្នុងបណ្តុំរឿង «លើសពីអ្វីដែលបានប្រាប់»។</p>"
        ),
        "title_en": "Peer educators learn to collect stories",
        "summary_en": (
            "Young peer educators from the programme's provinces practised interviewing, "
            "taking photos and asking for consent."
        ),
        "body_en": (
            "<p>Over three days, young peer educators practised how to listen to a returned "
            "migrant, how to take photos that show no one who has not agreed, and how to ask "
            "for and record consent before anything is published.</p>"
            "<p>Their first stories will appear in the collection “Beyond what was told”.</p>"
        ),
        "title_th": "แกนนำเยาวชนเรียนรู้การเก็บเรื่องราว",
        "summary_th": (
            "แกนนำเยาวชนจากจังหวัดเป้าหมายของโครงการฝึกการสัมภาษณ์ การถ่ายภาพ และการขอความยินยอม"
        ),
        "body_th": (
            "<p>ตลอดสามวัน แกนนำเยาวชนได้ฝึกวิธีรับฟังแรงงานที่กลับคืนถิ่น วิธีถ่ายภาพโดยไม่ให้เห็นหน้า"
            "ผู้ที่ไม่ได้ยินยอม และวิธีขอและบันทึกความยินยอมก่อนเผยแพร่สิ่งใด</p>"
            "<p>เรื่องราวแรกของพวกเขาจะเผยแพร่ในชุดเรื่อง «เกินกว่าที่ถูกบอกเล่า»</p>"
        ),
        "cover_alt": "សៀវភៅកត់ត្រា និងទូរស័ព្ទ",
        "_cover": True,
        "_publish": True,
    },
    {
        "title_km": "ថ្ងៃចំណាកស្រុកដោយសុវត្ថិភាពនៅតាមឃុំ",
        "summary_km": ("ក្រុមជួយខ្លួនឯងអញ្ជើញគ្រួសារមកពិភាក្សាអំពីការងារនៅបរទេស ឯកសារ និងសញ្ញាព្រមាន។"),
        "body_km": (
            "<p>ក្នុងរយៈពេលប៉ុន្មានខែខាងមុខ ក្រុមជួយខ្លួនឯងនឹងរៀបចំកិច្ចប្រជុំចំហនៅក្នុងឃុំរបស់ខ្លួន។ "
            "ទូតសង្គម ដែលធ្លាប់ជាពលករចំណាកស្រុក នឹងរៀបរាប់អំពីអ្វីដែលបានកើតឡើងចំពោះពួកគេ "
            "ហើយមន្ត្រីមន្ទីរការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈខេត្តនឹងឆ្លើយសំណួរអំពីផ្លូវស្របច្បាប់។</p>"
        ),
        # No Thai version: a Thai reader sees the Khmer text, with a note.
        "title_en": "Safe migration days in the communes",
        "summary_en": (
            "Self-help groups invite families to talk about work abroad, papers and warning signs."
        ),
        "body_en": (
            "<p>In the coming months, self-help groups will hold open meetings in their "
            "communes. Social ambassadors — former migrant workers — will tell what happened "
            "to them, and officers of the provincial Department of Labour and Vocational "
            "Training will answer questions about legal channels.</p>"
        ),
        "_publish": True,
    },
    {
        "title_km": "សេចក្តីព្រាង៖ សកម្មភាពប្រចាំឆ្នាំ",
        "body_km": "<p>អត្ថបទនេះនៅជាសេចក្តីព្រាងនៅឡើយ។</p>",
        "title_en": "Draft: the year in review",
        "body_en": "<p>This item is still a draft.</p>",
        "_publish": False,
    },
]

EVENTS = [
    {
        "title_km": "ថ្ងៃចំណាកស្រុកដោយសុវត្ថិភាព នៅខេត្តសៀមរាប",
        "description_km": (
            "<p>មកស្តាប់ទូតសង្គមរៀបរាប់ពីបទពិសោធន៍របស់ពួកគេ ហើយសួរសំណួរអំពីការធ្វើការនៅបរទេស។ ចូលរួមដោយឥតគិតថ្លៃ។</p>"
        ),
        "title_en": "Safe migration day in Siem Reap",
        "description_en": (
            "<p>Come and hear social ambassadors tell their experience, and ask your "
            "questions about working abroad. Free and open to everyone.</p>"
        ),
        "title_th": "วันย้ายถิ่นอย่างปลอดภัยที่จังหวัดเสียมราฐ",
        "description_th": (
            "<p>มาฟังทูตสังคมเล่าประสบการณ์ และถามคำถามเกี่ยวกับการไปทำงานต่างประเทศ เข้าร่วมได้ฟรี</p>"
        ),
        "venue": "សាលាឃុំ",
        "_place": "17",
        "_days": 14,
    },
    {
        "title_km": "ការចែករំលែករបស់ទូតសង្គម នៅខេត្តបន្ទាយមានជ័យ",
        "description_km": "<p>ទូតសង្គមពីរនាក់បានរៀបរាប់ពីការធ្វើដំណើររបស់ពួកគេទៅប្រទេសថៃ។</p>",
        "title_en": "Social ambassadors' talk in Banteay Meanchey",
        "description_en": "<p>Two social ambassadors told of their journeys to Thailand.</p>",
        "venue": "វត្តភូមិ",
        "_place": "01",
        "_days": -30,
    },
]

# Demo agencies shown as partners (by short name), and the demo donor.
PARTNER_AGENCIES = [
    ("SMC", PartnerKind.PARTNER),
    ("WCC", PartnerKind.PARTNER),
    ("LAO", PartnerKind.PARTNER),
    ("MM", PartnerKind.PARTNER),
    ("NCCT", PartnerKind.PARTNER),
    ("EU", PartnerKind.DONOR),
]


def _demo_picture() -> SimpleUploadedFile:
    """A plain drawing (a notebook and a phone), made here: no photo of anyone."""
    image = Image.new("RGB", (1200, 800), (230, 238, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((180, 160, 700, 640), fill=(255, 255, 255), outline=(18, 58, 102), width=8)
    for y in range(240, 600, 60):
        draw.line((240, y, 640, y), fill=(155, 170, 190), width=6)
    draw.rounded_rectangle((780, 220, 1020, 640), radius=30, fill=(18, 58, 102))
    draw.rectangle((805, 270, 995, 580), fill=(120, 170, 220))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile("demo-cover.jpg", out.getvalue(), content_type="image/jpeg")


def _fields(spec: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in spec.items() if not key.startswith("_")}


def demo_site_ensure() -> int:
    """Create what is missing of the website's demo content; return how many records
    were made."""
    editor = User.objects.filter(email=EDITOR_EMAIL).first()
    if editor is None:
        return 0
    made = 0
    with transaction.atomic():
        for page in Page.objects.all():
            search_index_upsert(doc_type="page", obj=page)
        for spec in NEWS:
            if NewsItem.objects.filter(title_km=spec["title_km"]).exists():
                continue
            item = services.news_create(
                actor=editor,
                cover=_demo_picture() if spec.get("_cover") else None,
                **_fields(spec),  # type: ignore[arg-type]
            )
            if spec.get("_publish"):
                services.news_publish(
                    actor=editor, news_id=item.pk, expected_version=item.version, publish=True
                )
            made += 1
        today = timezone.localdate()
        for spec in EVENTS:
            if Event.objects.filter(title_km=spec["title_km"]).exists():
                continue
            day = today + timedelta(days=int(spec["_days"]))  # type: ignore[call-overload]
            starts = timezone.make_aware(datetime.combine(day, time(8, 0)))
            code = str(spec["_place"])
            event = services.event_create(
                actor=editor,
                starts_at=starts,
                ends_at=starts + timedelta(hours=3, minutes=30),
                place_code=code if Place.objects.filter(code=code).exists() else None,
                **_fields(spec),  # type: ignore[arg-type]
            )
            services.event_publish(
                actor=editor, event_id=event.pk, expected_version=event.version, publish=True
            )
            made += 1
        for position, (short_name, kind) in enumerate(PARTNER_AGENCIES, start=1):
            agency = (
                Agency.objects.filter(short_name=short_name).exclude(kind=AgencyKind.PCCT).first()
            )
            if agency is None or Partner.objects.filter(name_km=agency.name_km).exists():
                continue
            services.partner_create(
                actor=editor,
                name_km=agency.name_km,
                name_en=agency.name_en,
                kind=kind,
                position=position,
            )
            made += 1
    return made
