"""Submissions of the field forms event, story and tip, as ODK Collect sends them, become
the same records as the web forms make — through `submission_receive`, as the person who
sent them. A submission that cannot become a record is kept "needs attention" with the
reason, and nothing of the record stays: no row, no stored photo or recording."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import threading
import wave
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import PASSWORD, make_place
from migra.cases.models import Tip, TipSource, TipStatus
from migra.cases.tip_services import tip_parts
from migra.collect import services
from migra.collect.models import FormState, Submission, SubmissionState, XForm
from migra.collect.services import IncomingFile
from migra.collect.tests.conftest import Cast
from migra.collect.xlsform import CompiledForm, compile_xlsform
from migra.media.tests.images import jpeg_with_gps
from migra.outreach.models import (
    Attendance,
    AudienceCount,
    Event,
    EventPhoto,
    KnowledgeTest,
    ParticipantScore,
)
from migra.people.models import Consent, ConsentPurpose, Person
from migra.people.services import NameInput, person_register
from migra.places.models import PlaceKind
from migra.stories.models import (
    MediaKind,
    MediaState,
    Story,
    StoryComment,
    StoryMedia,
    StoryPhoto,
    StoryState,
)
from migra.stories.tests.media_helpers import files_in, media_dirs  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("media_dirs")

FORMS_DIR = Path(__file__).resolve().parent.parent / "xlsforms"
VILLAGE = "01020101"
INSTANCE = "uuid:0b7c1f7a-3e2d-4f00-9a11-{:012d}"
_numbers = itertools.count(1)


@cache
def _compiled(data: bytes, *, validate: bool = True) -> CompiledForm:
    return compile_xlsform(data, validate=validate)


@pytest.fixture
def forms(crew: Cast, monkeypatch: pytest.MonkeyPatch) -> dict[str, XForm]:
    """The three field forms uploaded by alice as built-in forms and opened (ODK
    Validate runs once per form per test run)."""
    monkeypatch.setattr(services, "compile_xlsform", _compiled)
    alice = crew.users["alice"]
    out = {}
    for builtin in ("event", "story", "tip"):
        form = services.form_upload(
            actor=alice,
            data=(FORMS_DIR / f"{builtin}.xlsx").read_bytes(),
            filename=f"{builtin}.xlsx",
            builtin=builtin,
        )
        out[builtin] = services.form_set_state(
            actor=alice, form=form, state=FormState.OPEN, row_version=form.row_version
        )
    thailand = make_place("TH", PlaceKind.COUNTRY, "Thailand", None)
    make_place("TH-27", PlaceKind.REGION, "Sa Kaeo", thailand)
    return out


@pytest.fixture
def sam(crew: Cast) -> User:
    """An SHG facilitator of the lead NGO in commune 010201 who is also a peer educator
    there: writes stories and sees and manages the registry."""
    user = User.objects.create_user(email="sam@example.org", password=PASSWORD, full_name="Sam")
    for role in (Role.SHG_FACILITATOR, Role.PEER_EDUCATOR):
        membership = Membership.objects.create(
            user=user, agency=crew.agencies["lead"], role=role, all_places=False
        )
        membership.places.set([crew.places["010201"]])
    crew.users["sam"] = user
    return user


@pytest.fixture
def person(crew: Cast) -> Callable[..., Person]:
    def _person(name: str = "សុខ ដារ៉ា") -> Person:
        return person_register(
            actor=crew.users["gina"],
            names=[NameInput(value=name)],
            sex="female",
            home_village=crew.places[VILLAGE],
            approximate_age=30,
        )

    return _person


# --------------------------------------------------------------------------- sending


def _render(name: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_render(k, v) for k, v in value.items()) + f"</{name}>"
    if isinstance(value, list):  # a repeat: one element per instance
        return "".join(_render(name, item) for item in value)
    text = escape(str(value))
    return f"<{name}>{text}</{name}>" if text else f"<{name}/>"


def instance(form_id: str, fields: dict[str, Any], *, number: int = 1) -> bytes:
    """A filled instance as ODK Collect sends it (namespaces, every field, empty ones
    as empty elements, one element per repeat instance)."""
    body = "".join(_render(name, value) for name, value in fields.items())
    return (
        "<?xml version='1.0' ?>"
        f'<data id="{form_id}" version="2026112501" xmlns:h="http://www.w3.org/1999/xhtml" '
        'xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms" '
        f'xmlns:orx="http://openrosa.org/xforms">{body}'
        f"<meta><instanceID>{INSTANCE.format(number)}</instanceID></meta></data>"
    ).encode()


def send(
    user: User,
    form_id: str,
    fields: dict[str, Any],
    files: dict[str, bytes] | None = None,
    *,
    number: int | None = None,
) -> Submission:
    """Post a submission (a new instanceID each time unless `number` is given)."""
    received = services.submission_receive(
        actor=user,
        xml=instance(form_id, fields, number=next(_numbers) if number is None else number),
        files=[
            IncomingFile(name, _content_type(name), data) for name, data in (files or {}).items()
        ],
    )
    submission = Submission.objects.get(pk=received.submission.pk)
    return submission


def _content_type(name: str) -> str:
    return {"jpg": "image/jpeg", "wav": "audio/x-wav", "m4a": "audio/mp4"}.get(
        name.rsplit(".", 1)[-1], "application/octet-stream"
    )


def wav(seconds: float = 0.2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def stored(folder: str) -> list[Path]:
    return files_in(Path(settings.MEDIA_ROOT) / folder)


def private_and_uploads() -> list[Path]:
    """Story recordings kept privately and uploads in progress (set by `media_dirs`)."""
    names = ("MIGRA_PRIVATE_MEDIA_DIR", "MIGRA_UPLOAD_DIR")  # settings without a stub
    return [path for name in names for path in files_in(Path(getattr(settings, name)))]


def needs_attention(submission: Submission, *expected: str) -> None:
    assert submission.state == SubmissionState.NEEDS_ATTENTION, submission.problem
    assert submission.record_id == ""
    for words in expected:
        assert words in submission.problem, (words, submission.problem)


# --------------------------------------------------------------------------- event


def event_fields(**changes: Any) -> dict[str, Any]:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    fields: dict[str, Any] = {
        "kind": "awareness",
        "title": "ការផ្សព្វផ្សាយពីការធ្វើចំណាកស្រុកដោយសុវត្ថិភាព",
        "date": yesterday.isoformat(),
        "where": {"province": "01", "district": "0102", "commune": "010201", "village": VILLAGE},
        "audience": [
            {"category": "youth", "sex": "female", "age_band": "18-24", "count": "12"},
            {"category": "youth", "sex": "male", "age_band": "18-24", "count": "9"},
        ],
        "attendee": [],
        "materials": "ខិត្តប័ណ្ណ ១០០ សន្លឹក",
        "notes": "",
        "test": {"test_given": "no"},
        "photos": [],
    }
    fields.update(changes)
    return fields


@pytest.mark.django_db
def test_an_event_with_people_a_test_and_photos_becomes_the_web_forms_records(
    crew: Cast, forms: dict[str, XForm], person: Callable[..., Person]
) -> None:
    dara = person()
    fields = event_fields(
        audience=[
            {"category": "youth", "sex": "female", "age_band": "18-24", "count": "12"},
            # The same group typed twice on the phone: added up.
            {"category": "youth", "sex": "female", "age_band": "18-24", "count": "3"},
            {"category": "families", "sex": "male", "age_band": "45-59", "count": "4"},
        ],
        attendee=[{"person": str(dara.pk), "person_category": "returned_migrants"}],
        test={
            "test_given": "yes",
            "question": [
                {"question_text": "តើត្រូវមានលិខិតឆ្លងដែនទេ?"},
                {"question_text": "តើអាចទូរស័ព្ទទៅលេខណា?"},
            ],
            "score": [
                {
                    "score_person": str(dara.pk),
                    "score_label": "",
                    "score_before": "1",
                    "score_after": "2",
                },
                {"score_person": "", "score_label": "P3", "score_before": "0", "score_after": ""},
            ],
        },
        photos=[
            {"photo": "1732500000001.jpg", "photo_caption": "ការប្រជុំ"},
            {"photo": "1732500000002.jpg", "photo_caption": ""},
        ],
    )
    files = {"1732500000001.jpg": jpeg_with_gps(), "1732500000002.jpg": jpeg_with_gps((300, 400))}
    submission = send(crew.users["gina"], "migra_event", fields, files)

    assert submission.state == SubmissionState.DONE, submission.problem
    assert submission.record_type == "outreach.event"
    event = Event.objects.get(pk=int(submission.record_id))
    assert event.province is not None
    assert (event.kind, event.place.code, event.commune.code, event.province.code) == (
        "awareness",
        VILLAGE,
        "010201",
        "01",
    )
    assert event.organiser == crew.users["gina"]
    assert event.agency == crew.agencies["lead"]
    assert event.date == timezone.localdate() - dt.timedelta(days=1)
    assert event.title == fields["title"] and event.materials == fields["materials"]
    counts = {
        (c.category, c.sex, c.age_band): c.count for c in AudienceCount.objects.filter(event=event)
    }
    assert counts == {("youth", "female", "18-24"): 15, ("families", "male", "45-59"): 4}
    attendance = Attendance.objects.get(event=event)
    assert (attendance.person, attendance.category) == (dara, "returned_migrants")
    test = KnowledgeTest.objects.get(event=event)
    assert test.questions == [q["question_text"] for q in fields["test"]["question"]]
    scores = {
        (s.attendance_id, s.label): (s.before, s.after)
        for s in ParticipantScore.objects.filter(test=test)
    }
    assert scores == {(attendance.pk, ""): (1, 2), (None, "P3"): (0, None)}
    photos = list(EventPhoto.objects.filter(event=event).order_by("pk"))
    assert [p.caption for p in photos] == ["ការប្រជុំ", ""]
    for photo in photos:  # the web's photo path: re-encoded, no EXIF, no GPS
        with default_storage.open(photo.web_file) as handle:
            image = Image.open(handle)
            assert not image.getexif() and "comment" not in image.info
    assert len(stored("outreach/photos")) == 4


@pytest.mark.django_db
def test_an_event_for_a_whole_commune(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = event_fields(
        where={"province": "01", "district": "0102", "commune": "010201", "village": ""},
        audience=[],
    )
    submission = send(crew.users["gina"], "migra_event", fields)
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Event.objects.get().place.code == "010201"


@pytest.mark.django_db
def test_a_peer_educator_sends_an_event_with_counts_only(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    submission = send(crew.users["peter"], "migra_event", event_fields(kind="peer_session"))
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Event.objects.get().organiser == crew.users["peter"]


@pytest.mark.django_db
def test_a_photo_named_in_the_form_that_did_not_arrive(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = event_fields(
        photos=[{"photo": "a.jpg", "photo_caption": ""}, {"photo": "b.jpg", "photo_caption": ""}]
    )
    submission = send(crew.users["gina"], "migra_event", fields, {"a.jpg": jpeg_with_gps()})
    assert submission.files_expected == ["a.jpg", "b.jpg"]
    needs_attention(submission, "b.jpg")
    assert not Event.objects.exists() and not stored("outreach/photos")


@pytest.mark.django_db
def test_a_refused_photo_leaves_no_event_and_no_stored_photo(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    fields = event_fields(
        photos=[
            {"photo": "good.jpg", "photo_caption": ""},
            {"photo": "evil.jpg", "photo_caption": ""},
        ]
    )
    files = {"good.jpg": jpeg_with_gps(), "evil.jpg": b"<script>alert(1)</script>"}
    submission = send(crew.users["gina"], "migra_event", fields, files)
    needs_attention(submission, "evil.jpg", gettext("Only photos can be added: JPEG, PNG or WebP."))
    assert not Event.objects.exists() and not EventPhoto.objects.exists()
    assert stored("outreach/photos") == []  # the good photo's renditions were deleted too


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
            "The activity cannot be in the future: record it once it took place.",
        ),
        ({"kind": "party"}, "Choose the kind of activity."),
        ({"title": ""}, "This is required."),
        ({"title": "ក" * 201}, "At most 200 characters."),
        ({"notes": "x" * 4001}, "At most 4000 characters."),
        (
            {
                "audience": [
                    {"category": "youth", "sex": "female", "age_band": "18-24", "count": "5001"}
                ]
            },
            "Give numbers between 0 and 5000.",
        ),
        (
            {
                "audience": [
                    {"category": "aliens", "sex": "female", "age_band": "18-24", "count": "2"}
                ]
            },
            "Choose a category.",
        ),
        (
            {"where": {"province": "17", "district": "1701", "commune": "170101", "village": ""}},
            "You may not log activities in this place.",
        ),
        (
            {"where": {"province": "01", "district": "", "commune": "", "village": ""}},
            "Choose the village or commune where it took place.",
        ),
        ({"test": {"test_given": "yes"}}, "Give at least one question."),
    ],
)
def test_a_value_the_service_refuses_needs_attention_and_makes_nothing(
    crew: Cast, forms: dict[str, XForm], changes: dict[str, Any], words: str
) -> None:
    submission = send(crew.users["gina"], "migra_event", event_fields(**changes))
    needs_attention(submission, gettext(words))
    assert not Event.objects.exists() and not AudienceCount.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"date": "2026-13-45"},
        {"date": "yesterday"},
        {"audience": [{"category": "youth", "sex": "female", "age_band": "18-24", "count": "1e3"}]},
        {
            "audience": [
                {"category": "youth", "sex": "female", "age_band": "18-24", "count": "9" * 30}
            ]
        },
        {"audience": [{"category": "youth", "sex": "female", "age_band": "18-24", "count": "១២"}]},
        {"where": {"province": "01", "district": "0102", "commune": "010201", "village": "99"}},
        # A village of another commune than the one chosen.
        {"where": {"province": "17", "district": "1701", "commune": "170101", "village": VILLAGE}},
        {"test": {"test_given": "maybe"}},
    ],
)
def test_malformed_answers_need_attention(
    crew: Cast, forms: dict[str, XForm], changes: dict[str, Any]
) -> None:
    submission = send(crew.users["gina"], "migra_event", event_fields(**changes))
    needs_attention(submission)
    assert submission.problem
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_oversized_repeats_are_refused_before_any_work(crew: Cast, forms: dict[str, XForm]) -> None:
    row = {"category": "youth", "sex": "female", "age_band": "18-24", "count": "1"}
    submission = send(crew.users["gina"], "migra_event", event_fields(audience=[row] * 1001))
    needs_attention(submission, "1001")
    photos = [{"photo": f"{n}.jpg", "photo_caption": ""} for n in range(51)]
    submission = send(crew.users["gina"], "migra_event", event_fields(photos=photos))
    needs_attention(submission, "51")
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_registered_people_the_sender_may_not_see_or_who_do_not_exist(
    crew: Cast, forms: dict[str, XForm], person: Callable[..., Person]
) -> None:
    dara = person()
    peter = crew.users["peter"]  # a peer educator: no access to the registry
    fields = event_fields(attendee=[{"person": str(dara.pk), "person_category": "youth"}])
    needs_attention(send(peter, "migra_event", fields), str(dara.pk))
    fields = event_fields(attendee=[{"person": "987654", "person_category": "youth"}])
    needs_attention(send(crew.users["gina"], "migra_event", fields), "987654")
    fields = event_fields(
        attendee=[
            {"person": str(dara.pk), "person_category": "youth"},
            {"person": str(dara.pk), "person_category": "families"},
        ]
    )
    needs_attention(send(crew.users["gina"], "migra_event", fields), str(dara.pk))
    assert not Event.objects.exists() and not Attendance.objects.exists()


@pytest.mark.django_db
def test_scores_of_someone_not_on_the_list(
    crew: Cast, forms: dict[str, XForm], person: Callable[..., Person]
) -> None:
    dara = person()
    fields = event_fields(
        test={
            "test_given": "yes",
            "question": [{"question_text": "?"}],
            "score": [
                {"score_person": str(dara.pk), "score_label": "", "score_before": "1"},
            ],
        }
    )
    needs_attention(send(crew.users["gina"], "migra_event", fields), str(dara.pk))
    fields = event_fields(
        test={
            "test_given": "yes",
            "question": [{"question_text": "?"}],
            "score": [{"score_person": "", "score_label": "P1", "score_before": "2"}],
        }
    )
    needs_attention(
        send(crew.users["gina"], "migra_event", fields),
        gettext("Give a score between 0 and %(max)d.") % {"max": 1},
    )
    assert not Event.objects.exists() and not KnowledgeTest.objects.exists()


@pytest.mark.django_db
def test_hostile_text_is_kept_as_text(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = event_fields(
        title='<script>alert("x")</script> & <b>',
        materials="line one\nline two\n\n<img src=x onerror=alert(1)>",
    )
    submission = send(crew.users["gina"], "migra_event", fields)
    assert submission.state == SubmissionState.DONE, submission.problem
    event = Event.objects.get()
    assert event.title == fields["title"]  # stored as typed; every page escapes it
    assert event.materials == fields["materials"]


@pytest.mark.django_db
def test_fixed_and_reprocessed_once_never_twice(crew: Cast, forms: dict[str, XForm]) -> None:
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    submission = send(crew.users["gina"], "migra_event", event_fields(date=future), number=1)
    needs_attention(submission)
    fixed = instance("migra_event", event_fields(), number=1).decode()
    submission = services.submission_reprocess(
        actor=crew.users["alice"],
        submission=submission,
        row_version=submission.row_version,
        xml=fixed,
    )
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Event.objects.count() == 1
    with pytest.raises(ValidationError):
        services.submission_reprocess(
            actor=crew.users["alice"], submission=submission, row_version=submission.row_version
        )
    # The phone sending the same instance again changes nothing.
    again = send(crew.users["gina"], "migra_event", event_fields(), number=1)
    assert again.pk == submission.pk and Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_phones_send_the_same_event_at_once_one_event(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    gina = crew.users["gina"]
    fields = event_fields()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def post() -> None:
        try:
            start.wait()
            send(gina, "migra_event", fields, number=7)
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001  (reported below)
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["ok", "ok"]
    assert Event.objects.count() == 1
    assert Submission.objects.get().state == SubmissionState.DONE


@pytest.mark.django_db
def test_a_submission_made_into_a_record_is_never_mapped_again(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    from migra.collect.instances import parse_instance
    from migra.collect.mapping import MappingInput, MappingProblem, map_submission

    submission = send(crew.users["gina"], "migra_event", event_fields())
    assert submission.state == SubmissionState.DONE
    given = MappingInput(
        submission=submission,
        root=parse_instance(submission.xml.encode()).root,
        actor=crew.users["gina"],
    )
    with pytest.raises(MappingProblem):
        map_submission("event", given)
    assert Event.objects.count() == 1


# --------------------------------------------------------------------------- story


def story_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": "testimony",
        "title_km": "ការធ្វើដំណើរទៅប្រទេសថៃ",
        "text_km": "ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ។\n\nខ្ញុំមិនបានប្រាក់ឈ្នួលទេ។",
        "where": {"province": "01", "district": "0102", "commune": "010201", "village": ""},
        "destination_country": "TH",
        "destination_area": "TH-27",
        "sector": "construction",
        "themes": "wages debt",
        "naming": {"name_kind": "pseudonym", "name_shown": "ស្រីពៅ"},
        "photos": [],
        "audio": "",
        "audio_caption": "",
        "consent": {
            "person": "",
            "consent_story": "yes",
            "consent_face": "",
            "consent_voice": "",
            "consent_real_name": "",
            "consent_method": "signature",
            "consent_witness": "",
        },
        "send_now": "no",
    }
    fields.update(changes)
    return fields


def with_consent(**answers: str) -> dict[str, Any]:
    consent = story_fields()["consent"]
    consent.update(answers)
    return consent


@pytest.mark.django_db
def test_a_story_with_photos_and_a_recording_becomes_a_draft_for_its_author(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    peter = crew.users["peter"]
    fields = story_fields(
        photos=[
            {"photo": "p1.jpg", "photo_caption": "ផ្ទះ", "photo_face": "no"},
            {"photo": "p2.jpg", "photo_caption": "", "photo_face": "yes"},
        ],
        audio="1732500000099.wav",
        audio_caption="សំឡេង",
        consent=with_consent(consent_face="no", consent_voice="yes"),
        send_now="",
    )
    files = {"p1.jpg": jpeg_with_gps(), "p2.jpg": jpeg_with_gps(), "1732500000099.wav": wav()}
    submission = send(peter, "migra_story", fields, files)

    assert submission.state == SubmissionState.DONE, submission.problem
    assert submission.record_type == "stories.story"
    story = Story.objects.get(pk=int(submission.record_id))
    assert (story.author, story.agency, story.state) == (
        peter,
        crew.agencies["lead"],
        StoryState.DRAFT,  # the recording is prepared by the worker first
    )
    assert story.province is not None and story.destination is not None
    assert (story.kind, story.title_km, story.place.code, story.province.code) == (
        "testimony",
        fields["title_km"],
        "010201",
        "01",
    )
    assert story.text_km == "<p>ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃ។</p><p>ខ្ញុំមិនបានប្រាក់ឈ្នួលទេ។</p>"
    assert story.destination.code == "TH-27"
    assert (story.sector, story.themes) == ("construction", ["debt", "wages"])
    assert (story.name_shown, story.name_is_real, story.person) == ("ស្រីពៅ", False, None)
    photos = list(StoryPhoto.objects.filter(story=story).order_by("position"))
    assert [(p.caption, p.show_face) for p in photos] == [("ផ្ទះ", False), ("", True)]
    media = StoryMedia.objects.get(story=story)
    assert (media.kind, media.state, media.caption) == (
        MediaKind.AUDIO,
        MediaState.PROCESSING,
        "សំឡេង",
    )
    assert media.source_file and not media.upload_file
    # Peter cannot see the registry: the answers are written for the editors.
    note = StoryComment.objects.get(story=story).text
    assert str(ConsentPurpose.STORY.label) in note and str(ConsentPurpose.VOICE.label) in note
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_send_now_sends_the_story_to_the_editors(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = story_fields(
        send_now="yes", naming={"name_kind": "none", "name_shown": ""}, themes="", sector=""
    )
    submission = send(crew.users["peter"], "migra_story", fields)
    assert submission.state == SubmissionState.DONE, submission.problem
    story = Story.objects.get()
    assert story.state == StoryState.SUBMITTED
    assert (story.name_shown, story.name_is_real) == ("", False)


@pytest.mark.django_db
def test_a_story_whose_person_said_no_stays_a_draft(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = story_fields(send_now="yes", consent=with_consent(consent_story="no"))
    submission = send(crew.users["peter"], "migra_story", fields)
    assert submission.state == SubmissionState.DONE, submission.problem
    story = Story.objects.get()
    assert story.state == StoryState.DRAFT
    assert str(ConsentPurpose.STORY.label) in StoryComment.objects.get(story=story).text


@pytest.mark.django_db
def test_consent_goes_through_the_registry_when_the_author_sees_the_person(
    crew: Cast, forms: dict[str, XForm], sam: User, person: Callable[..., Person]
) -> None:
    dara = person()
    fields = story_fields(
        naming={"name_kind": "real", "name_shown": "សុខ ដារ៉ា"},
        photos=[{"photo": "p.jpg", "photo_caption": "", "photo_face": "yes"}],
        consent=with_consent(
            person=str(dara.pk),
            consent_face="no",
            consent_real_name="yes",
            consent_method="verbal",
            consent_witness="ចាន់ ធី",
        ),
    )
    submission = send(sam, "migra_story", fields, {"p.jpg": jpeg_with_gps()})
    assert submission.state == SubmissionState.DONE, submission.problem
    story = Story.objects.get()
    assert (story.person, story.name_is_real, story.name_shown) == (dara, True, "សុខ ដារ៉ា")
    answers = {
        c.purpose: (c.given, c.method, c.witness_name, c.recorded_by)
        for c in Consent.objects.filter(person=dara)
    }
    assert answers == {
        ConsentPurpose.STORY: (True, "verbal", "ចាន់ ធី", sam),
        ConsentPurpose.PHOTO: (False, "verbal", "ចាន់ ធី", sam),
        ConsentPurpose.REAL_NAME: (True, "verbal", "ចាន់ ធី", sam),
    }
    assert not StoryComment.objects.exists()


@pytest.mark.django_db
def test_a_person_the_author_may_not_see_makes_nothing(
    crew: Cast, forms: dict[str, XForm], person: Callable[..., Person]
) -> None:
    dara = person()
    fields = story_fields(consent=with_consent(person=str(dara.pk)))
    needs_attention(send(crew.users["peter"], "migra_story", fields), str(dara.pk))
    assert not Story.objects.exists() and not Consent.objects.exists()


@pytest.mark.django_db
def test_verbal_consent_without_a_witness_makes_nothing(
    crew: Cast, forms: dict[str, XForm], sam: User, person: Callable[..., Person]
) -> None:
    dara = person()
    fields = story_fields(consent=with_consent(person=str(dara.pk), consent_method="verbal"))
    needs_attention(
        send(sam, "migra_story", fields),
        gettext("Verbal consent needs a witness: give their name."),
    )
    assert not Story.objects.exists() and not Consent.objects.exists()


@pytest.mark.django_db
def test_a_recording_that_is_not_one_leaves_nothing_behind(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    fields = story_fields(
        photos=[{"photo": "p.jpg", "photo_caption": "", "photo_face": "no"}],
        audio="sound.m4a",
        consent=with_consent(consent_voice="yes"),
    )
    files = {"p.jpg": jpeg_with_gps(), "sound.m4a": b"MZ\x90\x00 not a recording at all"}
    submission = send(crew.users["peter"], "migra_story", fields, files)
    needs_attention(submission, "sound.m4a")
    assert not Story.objects.exists() and not StoryMedia.objects.exists()
    assert stored("stories/photos") == [] and private_and_uploads() == []


@pytest.mark.django_db
def test_a_failure_after_the_files_were_stored_deletes_them(
    crew: Cast, forms: dict[str, XForm], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migra.stories import services as story_services

    def broken(**kwargs: Any) -> None:
        raise ValidationError("the database went away", code="test")

    monkeypatch.setattr(story_services, "story_comment", broken)
    fields = story_fields(
        photos=[{"photo": "p.jpg", "photo_caption": "", "photo_face": "no"}],
        audio="sound.wav",
        consent=with_consent(consent_voice="yes"),
    )
    files = {"p.jpg": jpeg_with_gps(), "sound.wav": wav()}
    submission = send(crew.users["peter"], "migra_story", fields, files)
    needs_attention(submission, "the database went away")
    assert not Story.objects.exists() and not StoryMedia.objects.exists()
    assert stored("stories/photos") == [] and private_and_uploads() == []


@pytest.mark.django_db
def test_a_recording_that_did_not_arrive(crew: Cast, forms: dict[str, XForm]) -> None:
    fields = story_fields(audio="sound.wav", consent=with_consent(consent_voice="yes"))
    needs_attention(send(crew.users["peter"], "migra_story", fields), "sound.wav")
    assert not Story.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"title_km": ""}, "This is required."),
        ({"title_km": "ក" * 201}, "At most 200 characters."),
        ({"kind": "rumour"}, "Choose the kind of story."),
        ({"themes": "wages gossip"}, "Choose from the list."),
        (
            {"destination_country": "KH", "destination_area": ""},
            "Choose a country or a province abroad.",
        ),
        (
            {"where": {"province": "", "district": "", "commune": "", "village": ""}},
            "Choose where the story comes from.",
        ),
        (
            {"where": {"province": "17", "district": "", "commune": "", "village": ""}},
            "You may not write stories from this place.",
        ),
        (
            {"naming": {"name_kind": "real", "name_shown": ""}},
            "Give the name to show, or untick “real name”.",
        ),
    ],
)
def test_a_story_the_service_refuses_makes_nothing(
    crew: Cast, forms: dict[str, XForm], changes: dict[str, Any], words: str
) -> None:
    fields = story_fields(
        photos=[{"photo": "p.jpg", "photo_caption": "", "photo_face": "no"}], **changes
    )
    submission = send(crew.users["peter"], "migra_story", fields, {"p.jpg": jpeg_with_gps()})
    needs_attention(submission, gettext(words))
    assert not Story.objects.exists() and stored("stories/photos") == []


@pytest.mark.django_db
def test_hostile_story_text_is_sanitised_by_the_service(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    fields = story_fields(
        text_km='<p onclick="steal()">ខ្ញុំ</p><script>alert(1)</script><a href="javascript:x">y</a>'
    )
    submission = send(crew.users["peter"], "migra_story", fields)
    assert submission.state == SubmissionState.DONE, submission.problem
    text = Story.objects.get().text_km
    assert "script" not in text and "onclick" not in text and "javascript" not in text
    assert "ខ្ញុំ" in text


# --------------------------------------------------------------------------- tip


def tip_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "text": "កូនស្រីរបស់អ្នកជិតខាងខ្ញុំ មិនបានទូរស័ព្ទមកផ្ទះបីខែហើយ។",
        "where": "kh",
        "in_cambodia": {"province": "01", "district": "0102", "commune": "010201", "village": ""},
        "country": "",
        "place_note": "រោងចក្រកាត់ដេរ",
        "contact": "០១២ ៣៤៥ ៦៧៨",
        "heard_from": "shg",
    }
    fields.update(changes)
    return fields


@pytest.mark.django_db
def test_a_concern_from_the_field_lands_in_the_triage_queue(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    carol = crew.users["carol"]
    submission = send(carol, "migra_tip", tip_fields())
    assert submission.state == SubmissionState.DONE, submission.problem
    assert submission.record_type == "cases.tip"
    tip = Tip.objects.get(pk=int(submission.record_id))
    assert tip.place is not None
    assert (tip.source, tip.status, tip.place.code, tip.recorded_by) == (
        TipSource.SHG,
        TipStatus.NEW,
        "010201",
        carol,
    )
    assert tip_parts(tip) == ("រោងចក្រកាត់ដេរ", tip_fields()["text"])
    assert tip.contact == "+85512345678"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "place"),
    [
        ({"where": "abroad", "country": "TH", "heard_from": "other"}, "TH"),
        ({"where": "abroad", "country": ""}, None),
        ({"where": "unknown"}, None),
        (
            {"in_cambodia": {"province": "01", "district": "", "commune": "", "village": ""}},
            "01",
        ),
    ],
)
def test_where_the_concern_is(
    crew: Cast, forms: dict[str, XForm], changes: dict[str, Any], place: str | None
) -> None:
    submission = send(crew.users["carol"], "migra_tip", tip_fields(**changes))
    assert submission.state == SubmissionState.DONE, submission.problem
    tip = Tip.objects.get()
    assert (tip.place.code if tip.place else None) == place


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"text": ""}, "Tell us what happened."),
        ({"text": "ក" * 5001}, ""),
        ({"contact": "x" * 201}, ""),
        ({"heard_from": "rumour"}, ""),
        ({"where": "mars"}, ""),
        ({"where": "abroad", "country": "XX"}, "XX"),
        ({"where": "abroad", "country": "KH"}, "KH"),
        (
            {"in_cambodia": {"province": "17", "district": "0102", "commune": "", "village": ""}},
            "0102",
        ),
    ],
)
def test_a_concern_the_service_refuses_makes_nothing(
    crew: Cast, forms: dict[str, XForm], changes: dict[str, Any], words: str
) -> None:
    submission = send(crew.users["carol"], "migra_tip", tip_fields(**changes))
    needs_attention(submission, gettext(words) if words else "")
    assert not Tip.objects.exists()


@pytest.mark.django_db
def test_hostile_concern_text_is_kept_as_plain_text(crew: Cast, forms: dict[str, XForm]) -> None:
    text = "<script>alert(1)</script> ' OR 1=1; --"
    submission = send(crew.users["carol"], "migra_tip", tip_fields(text=text))
    assert submission.state == SubmissionState.DONE, submission.problem
    assert tip_parts(Tip.objects.get())[1] == text


@pytest.mark.django_db
def test_a_facilitator_reports_a_concern_from_the_village(
    crew: Cast, forms: dict[str, XForm]
) -> None:
    submission = send(crew.users["gina"], "migra_tip", tip_fields())
    assert submission.state == SubmissionState.DONE, submission.problem
    assert Tip.objects.get().recorded_by == crew.users["gina"]
