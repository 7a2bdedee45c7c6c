"""Issue 8, end to end: a field user sets up ODK Collect from their QR code, the phone
lists and downloads the built-in forms with their media, ODK's own form engine
(JavaRosa, from the ODK Validate jar) fills them, and the server turns what it sends
into the platform's records — the same records the web forms make.

Runs on the demo installation (`migra demo`: the real gazetteer, the demo programme's
groups, people and users), through the HTTP endpoints a phone uses.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from defusedxml import ElementTree as ET
from django.test import Client
from django.utils import timezone

from migra.accounts.models import User
from migra.accounts.tests.conftest import login_as
from migra.cases.models import Tip
from migra.collect.models import Submission, SubmissionState, XForm
from migra.collect.tests import javarosa
from migra.collect.tests.qr_scan import scan
from migra.community.models import Group, Meeting, RegisterEntry
from migra.outreach.models import Event
from migra.screening.models import Screening
from migra.stories.models import Story

pytestmark = pytest.mark.django_db

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
PHOTO = bytes.fromhex(
    # A 1×1 JPEG: what the camera sends does not matter for the journey, only that it
    # is a real image the photo path accepts.
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d"
    "0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d3832"
    "3c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102"
    "030405060708090a0bffc400b5100002010303020403050504040000017d010203000411051221314106"
    "13516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a34353637"
    "38393a434445464748494a535455565758595a636465666768696a737475767778797a83848586878889"
    "8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6"
    "d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


@pytest.fixture
def demo(settings: Any) -> None:
    from migra.accounts.demo import demo_ensure

    demo_ensure()


def _user(phone: str) -> User:
    return User.objects.get(phone=phone)


class Phone:
    """ODK Collect as the server sees it: settings from the QR code, then HTTP."""

    def __init__(self, owner: User) -> None:
        browser = login_as(Client(), owner)
        page = browser.post("/app/collect/phone/", {"action": "new"}, follow=True)
        assert page.status_code == 200
        # The phone scans the QR code on the page.
        self.settings = scan(page.content)
        url = self.settings["general"]["server_url"]
        self.base = url.split("://", 1)[1].split("/", 1)[1].rstrip("/")
        self.base = "/" + self.base
        self.client = Client(HTTP_X_OPENROSA_VERSION="1.0")

    def get(self, path: str) -> Any:
        response = self.client.get(path if path.startswith("/") else f"{self.base}/{path}")
        assert response["X-OpenRosa-Version"] == "1.0"
        return response

    def forms(self) -> dict[str, dict[str, str]]:
        response = self.get("formList")
        assert response.status_code == 200
        listed = {}
        for node in ET.fromstring(response.content).iter(f"{LIST_NS}xform"):
            entry = {child.tag.removeprefix(LIST_NS): (child.text or "") for child in node}
            listed[entry["formID"]] = entry
        return listed

    def download(self, entry: dict[str, str]) -> tuple[str, dict[str, bytes]]:
        xml = self.get(_path(entry["downloadUrl"])).content.decode()
        media: dict[str, bytes] = {}
        if entry.get("manifestUrl"):
            manifest = ET.fromstring(self.get(_path(entry["manifestUrl"])).content)
            for item in manifest.iter(f"{MANIFEST_NS}mediaFile"):
                name = item.findtext(f"{MANIFEST_NS}filename") or ""
                url = item.findtext(f"{MANIFEST_NS}downloadUrl") or ""
                media[name] = self.get(_path(url)).content
        return xml, media

    def send(self, xml: bytes, files: dict[str, bytes] | None = None, **extra: Any) -> Any:
        data: dict[str, Any] = {"xml_submission_file": _upload("submission.xml", xml, "text/xml")}
        for name, content in (files or {}).items():
            data[name] = _upload(name, content, "image/jpeg")
        data.update(extra)
        response = self.client.post(f"{self.base}/submission", data)
        assert response["X-OpenRosa-Version"] == "1.0"
        return response


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _upload(name: str, content: bytes, kind: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=kind)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def _record(response: Any, instance: bytes) -> Submission:
    assert response.status_code == 201, response.content.decode()
    instance_id = ET.fromstring(instance).findtext(".//{*}instanceID")
    return Submission.objects.get(instance_id=instance_id)


def test_a_facilitator_and_a_peer_educator_work_from_odk_collect(demo: None) -> None:
    facilitator = _user("+85512345601")
    phone = Phone(facilitator)
    assert phone.settings["general"]["app_language"] == facilitator.language
    listed = phone.forms()
    assert {"migra_meeting", "migra_register_entry", "migra_problem", "migra_event"} <= set(listed)
    assert "migra_story" not in listed  # not a facilitator's form
    for entry in listed.values():
        assert entry["hash"].startswith("md5:")

    # A meeting of their group: its member (a returned migrant) and guests.
    group = Group.objects.filter(facilitators=facilitator).order_by("pk").first()
    assert group is not None
    members = list(group.members.filter(left_on__isnull=True).order_by("pk")[:1])
    xml, media = phone.download(listed["migra_meeting"])
    assert "groups.csv" in media and "topics.csv" in media
    assert str(group.pk) in {row["name"] for row in _rows(media["groups.csv"])}
    topic = _rows(media["topics.csv"])[0]["name"]
    meeting_xml = javarosa.fill(
        xml,
        {
            "group": str(group.pk),
            "held_on": _day(1),
            "venue": "វត្តភូមិ",
            "topics": [topic],
            "present[1]/person_number": str(members[0].person_id),
            "guests/guests_female_18_59": "3",
            "decisions": "ជួបគ្នាម្តងទៀតខែក្រោយ",
        },
        media=media,
    )
    submission = _record(phone.send(meeting_xml), meeting_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    meeting = Meeting.objects.get(pk=submission.record_id)
    assert meeting.group == group
    assert set(meeting.attendees.values_list("pk", flat=True)) == {m.pk for m in members}
    assert meeting.guests == 3
    # The phone sends it again (no answer reached it): still one meeting.
    again = phone.send(meeting_xml)
    assert again.status_code == 201
    assert Meeting.objects.filter(group=group, held_on=meeting.held_on).count() == 1
    # The same instanceID with other content is refused.
    changed = meeting_xml.replace("ជួបគ្នាម្តងទៀតខែក្រោយ".encode(), "ផ្សេង".encode())
    assert phone.send(changed).status_code == 409

    # Someone from the commune left for Thailand: a new person in the register.
    xml, media = phone.download(listed["migra_register_entry"])
    commune = group.commune
    district = commune.parent
    assert district is not None and district.parent is not None
    village = next(
        row["name"] for row in _rows(media["places.csv"]) if row["parent"] == commune.code
    )
    entry_xml = javarosa.fill(
        xml,
        {
            "province": district.parent.code,
            "district": district.code,
            "commune": commune.code,
            "person_name": "សុខ វណ្ណារី",
            "person_sex": "female",
            "person_age": "24",
            "person_village": village,
            "departed_on": _day(40),
            "destination_country": "TH",
            "sector": "factory",
            "channel": "broker",
        },
        media=media,
    )
    submission = _record(phone.send(entry_xml), entry_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    entry = RegisterEntry.objects.get(pk=submission.record_id)
    assert entry.destination is not None and entry.destination.code == "TH"

    # She calls home: her wages are not paid and she is threatened. Screened at once.
    xml, media = phone.download(listed["migra_problem"])
    problem_xml = javarosa.fill(
        xml,
        {
            "person_number": str(entry.person_id),
            "problems": ["unpaid_wages", "threatened"],
            "noted_on": _day(0),
            "screen_now": "yes",
            "screening/age_band": "18-24",
        },
        media=media,
    )
    submission = _record(phone.send(problem_xml), problem_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    screening = Screening.objects.get(pk=submission.record_id)
    assert screening.person_id == entry.person_id

    # An awareness session in the commune.
    xml, media = phone.download(listed["migra_event"])
    event_xml = javarosa.fill(
        xml,
        {
            "kind": "awareness",
            "title": "ការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព",
            "date": _day(2),
            "where/province": district.parent.code,
            "where/district": district.code,
            "where/commune": commune.code,
            "audience[1]/category": "potential_migrants",
            "audience[1]/sex": "female",
            "audience[1]/age_band": "18-24",
            "audience[1]/count": "12",
        },
        media=media,
    )
    submission = _record(phone.send(event_xml), event_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Event.objects.filter(pk=submission.record_id).exists()

    # A concern heard at the market.
    xml, media = phone.download(listed["migra_tip"])
    tip_xml = javarosa.fill(
        xml,
        {"text": "កូនប្រុសអ្នកជិតខាងត្រូវគេចាក់សោក្នុងទូកនេសាទ", "where": "abroad", "heard_from": "shg"},
        media=media,
    )
    submission = _record(phone.send(tip_xml), tip_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Tip.objects.get(pk=submission.record_id).recorded_by == facilitator

    # A peer educator's story with a photo, the photo sent in a second post.
    peer = _user("+85512345602")
    peer_phone = Phone(peer)
    listed = peer_phone.forms()
    xml, media = peer_phone.download(listed["migra_story"])
    story_xml = javarosa.fill(
        xml,
        {
            "kind": "testimony",
            "title_km": "ខ្ញុំត្រឡប់មកផ្ទះវិញ",
            "text_km": "ខ្ញុំបានទៅធ្វើការនៅថៃ ហើយគេមិនបើកប្រាក់ខែឱ្យខ្ញុំទេ។",
            "where/province": "17",
            "naming/name_kind": "pseudonym",
            "naming/name_shown": "ស្រីពៅ",
            "photos[1]/photo": "photo-1.jpg",
            "photos[1]/photo_face": "no",
            "consent/consent_story": "yes",
            "consent/consent_face": "no",
            "consent/consent_method": "thumbprint",
        },
        media=media,
    )
    first = peer_phone.send(story_xml, **{"*isIncomplete*": "yes"})
    assert first.status_code == 201
    waiting = _record(first, story_xml)
    assert waiting.state == SubmissionState.WAITING
    submission = _record(peer_phone.send(story_xml, {"photo-1.jpg": PHOTO}), story_xml)
    assert submission.state == SubmissionState.DONE, submission.problem
    story = Story.objects.get(pk=submission.record_id)
    assert story.photos.count() == 1

    # Nothing above was made twice, and nothing was lost.
    assert Submission.objects.filter(state=SubmissionState.NEEDS_ATTENTION).count() == 0
    assert XForm.objects.filter(builtin="meeting").count() == 1
    assert Submission.objects.count() == 6


def test_a_revoked_phone_is_refused(demo: None) -> None:
    facilitator = _user("+85512345601")
    phone = Phone(facilitator)
    assert phone.get("formList").status_code == 200
    browser = login_as(Client(), facilitator)
    browser.post("/app/collect/phone/", {"action": "stop"})
    assert phone.client.get(f"{phone.base}/formList").status_code == 401


def test_a_new_group_reaches_the_phones_with_the_next_manifest(demo: None) -> None:
    from migra.community.services import group_create

    facilitator = _user("+85512345601")
    phone = Phone(facilitator)
    listed = phone.forms()
    _xml, media = phone.download(listed["migra_meeting"])
    before = {row["name"] for row in _rows(media["groups.csv"])}
    commune = Group.objects.filter(facilitators=facilitator).order_by("pk").first().commune  # type: ignore[union-attr]
    made = group_create(actor=facilitator, name="ក្រុមថ្មី", commune=commune)
    listed_again = phone.forms()
    _xml, media = phone.download(listed_again["migra_meeting"])
    after = {row["name"] for row in _rows(media["groups.csv"])}
    assert after == before | {str(made.pk)}
