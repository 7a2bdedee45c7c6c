"""Issue 7, "Done when", tried as new users would, over HTTP only (the Django test
client on the real views; services only to set up people, agencies and consents, as the
other tests' fixtures do):

1. a peer educator writes a returnee testimony in Khmer on the staff form, linked to a
   registered person, adds two phone photos carrying GPS in their EXIF (one through the
   photo form, one through the resumable tus upload, interrupted and resumed), the
   worker prepares the upload, and the story goes to the editors;
2. an editor of the media partner sends it back with a comment; the author reads it,
   edits, sends it again; the editor approves and publishes it with a pseudonym (the
   person gave STORY consent, not REAL_NAME);
3. the public site in Khmer shows it (pseudonym and province only), lists it, finds it
   by a Khmer word and by a word inside a compound, carries it in the RSS and Atom
   feeds and the sitemap, with a correct preview card; every public photo is a JPEG
   without EXIF or GPS, read back with Pillow; it is posted to the Facebook Page (a
   stand-in Graph API on 127.0.0.1);
4. the person's STORY consent is withdrawn on the person's page: at once the story
   answers 410 and is gone from the list, search, both feeds, the sitemap and its photo
   addresses — pages the public cache had kept included — and its Facebook post is
   taken down;
5. someone reports a concern on /km/report/ anonymously, and a caseworker finds it in
   the tips triage queue.

The test commits for real (transaction=True): the public page cache is on, as on the
server, so "at once" covers pages kept before the withdrawal. Tasks are queued, not run
(as with the database queue): `worker()` runs them, as `migra worker` would.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree  # our own feeds, parsed in tests only

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from migra.cases.models import Tip, TipSource, TipStatus
from migra.cases.tip_services import tip_parts
from migra.media.tests.images import GPS_IFD, jpeg_with_gps
from migra.people.models import Consent, ConsentPurpose
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import (  # noqa: F401  (fixtures, used by name)
    PAGE_ID,
    facebook_on,
    fake_graph,
)
from migra.site.public_cache import default_cache
from migra.stories.models import MediaState, Story, StoryMedia, StoryPhoto, StoryState
from migra.stories.tests.conftest import BM_VILLAGE, login_as
from migra.stories.tests.media_helpers import (  # noqa: F401  (fixtures, used by name)
    create,
    head,
    media_dirs,
    patch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_dirs")]

SITE = "https://migra.example.org"
REGISTRY_NAME = "សុខ ដារ៉ា"  # the person's name in the registry: never public
PSEUDONYM = "ស្រីពៅ"
TITLE = "ទូកនេសាទ និងប្រាក់ឈ្នួលដែលមិនបានទទួល"
VILLAGE_WORD = "អូរធំ"  # the village named in the first draft, taken out after review
FIRST_DRAFT = (
    "ខ្ញុំមកពីភូមិអូរធំ។ ខ្ញុំបានធ្វើការនៅលើទូកនេសាទនៅប្រទេសថៃ ហើយមិនបានប្រាក់ឈ្នួលទេ។\n\nមេក្រុមហ៊ុនបានយកលិខិតឆ្លងដែនរបស់ខ្ញុំ។"
)
SECOND_DRAFT = "ខ្ញុំបានធ្វើការនៅលើទូកនេសាទនៅប្រទេសថៃ ហើយមិនបានប្រាក់ឈ្នួលទេ។\n\nមេក្រុមហ៊ុនបានយកលិខិតឆ្លងដែនរបស់ខ្ញុំ។"
WHOLE_WORD = "នេសាទ"  # "fishing": a word of the text on its own
INSIDE_COMPOUND = "ឆ្លងដែន"  # "cross the border": inside លិខិតឆ្លងដែន ("passport")
SEND_BACK = "សូមដកឈ្មោះភូមិចេញ ហើយប្រើឈ្មោះក្លែងក្លាយ។"  # leave out the village, use a pseudonym
CONCERN = "បងស្រីរបស់ខ្ញុំបានទៅប្រទេសថៃជាមួយឈ្មួញកណ្តាល។ គេយកទូរស័ព្ទរបស់គាត់ ហើយមិនបើកប្រាក់ខែ។"
ATOM = "{http://www.w3.org/2005/Atom}"
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


@pytest.fixture(autouse=True)
def _fresh_caches(settings: Any) -> Any:
    """A site address for absolute links; tasks queued as in production (no worker
    inside the request); no page kept and no rate count left from another test."""
    settings.MIGRA_SITE_URL = SITE
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_cache().forget_memory()
    cache.clear()
    yield
    default_cache().forget_memory()
    cache.clear()


def worker() -> list[Any]:
    """Run what was queued, in order, as `migra worker` does (tasks a task queues too)."""
    from django_tasks import default_task_backend

    done = []
    while default_task_backend.results:  # type: ignore[attr-defined]
        queued = default_task_backend.results.pop(0)  # type: ignore[attr-defined]
        done.append(queued.task.call(*queued.args, **queued.kwargs))
    return done


def html(response: Any) -> str:
    return response.content.decode()


def meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    return found.group(1) if found else None


def local(url: str) -> str:
    """The path of an absolute address of our site (the test client has no host)."""
    assert url.startswith(SITE + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def assert_clean_jpeg(data: bytes) -> None:
    """A JPEG that, read back, carries no EXIF, no GPS and nothing of the phone's."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    exif = image.getexif()
    assert len(exif) == 0 and len(exif.get_ifd(GPS_IFD)) == 0
    assert "exif" not in image.info
    assert b"Exif\x00\x00" not in data and b"PhoneMaker" not in data and b"Sok Dara" not in data


def version(story: Story) -> int:
    story.refresh_from_db()
    return story.version


def feed_titles(public: Client) -> tuple[list[str], list[str]]:
    rss = public.get("/km/stories/feed/rss/")
    atom = public.get("/km/stories/feed/atom/")
    assert rss.status_code == 200 and atom.status_code == 200
    rss_root = ElementTree.fromstring(rss.content)  # noqa: S314 (our own output)
    atom_root = ElementTree.fromstring(atom.content)  # noqa: S314 (our own output)
    return (
        [item.findtext("title") or "" for item in rss_root.iter("item")],
        [entry.findtext(f"{ATOM}title") or "" for entry in atom_root.iter(f"{ATOM}entry")],
    )


def test_issue_7_done_when(crew, person, consent, facebook_on, client) -> None:  # noqa: F811, PLR0915
    # ----------------------------------------------------------------- set-up (services)
    # Sok Dara, registered by gina in her village, agreed to her story being published
    # (not to her real name, nor to her face).
    someone = person(REGISTRY_NAME)
    consent(someone, ConsentPurpose.STORY)
    peter, edna = crew.users["peter"], crew.users["edna"]
    public = Client()  # an anonymous visitor on a phone, no cookies
    before_publication = public.get("/km/stories/")
    assert before_publication.status_code == 200 and TITLE not in html(before_publication)

    # ----------------------------------------------------------------- 1. the author
    author = login_as(client, peter)
    form = author.get("/app/stories/new/")
    # A peer educator does not see the registry: no person field for him.
    assert form.status_code == 200 and 'name="person"' not in html(form)
    created = author.post(
        "/app/stories/new/",
        {
            "kind": "testimony",
            "title_km": TITLE,
            "text_km": FIRST_DRAFT,
            "place": BM_VILLAGE,
            "sector": "fishing",
            "themes": ["wages", "debt"],
        },
    )
    assert created.status_code == 302, html(created)
    story = Story.objects.get()
    assert created["Location"] == f"/app/stories/{story.pk}/"
    assert (story.state, story.author, story.person) == (StoryState.DRAFT, peter, None)
    # Gina, who recorded Sok Dara's consent, links the story from Sok Dara's page with
    # the number peter gives her (typed with Khmer digits); she sees nothing of it.
    facilitator = Client()
    login_as(facilitator, crew.users["gina"])
    linked = facilitator.post(
        f"/app/stories/link-person/{someone.pk}/",
        {"story": str(story.pk).translate(KHMER_DIGITS)},
    )
    assert linked.status_code == 302
    assert TITLE not in html(facilitator.get(linked["Location"]))
    story.refresh_from_db()
    assert story.person == someone
    assert story.title_km == TITLE and story.name_shown == ""
    staff_url = f"/app/stories/{story.pk}/"

    # Photo 1 from the phone's gallery through the plain photo form.
    first_jpeg = jpeg_with_gps((1200, 900))
    assert len(Image.open(io.BytesIO(first_jpeg)).getexif().get_ifd(GPS_IFD)) == 4
    added = author.post(
        f"{staff_url}photos/",
        {
            "photos": [
                SimpleUploadedFile("IMG_20240512_0931.jpg", first_jpeg, content_type="image/jpeg")
            ],
            "caption": "ទូកនៅកំពង់ផែ",
        },
        follow=True,
    )
    assert added.status_code == 200 and "1 photo was added." in html(added)
    assert StoryPhoto.objects.filter(story=story).count() == 1

    # Photo 2 through the resumable upload: the village connection drops halfway.
    second_jpeg = jpeg_with_gps((900, 1200))
    assert len(Image.open(io.BytesIO(second_jpeg)).getexif().get_ifd(GPS_IFD)) == 4
    start = create(
        author,
        story,
        len(second_jpeg),
        filename="IMG_20240512_0940.jpg",
        filetype="image/jpeg",
        caption="ផ្ទះរបស់ខ្ញុំ",
        face="0",
    )
    assert start.status_code == 201, html(start)
    upload_url = start["Location"]
    half = len(second_jpeg) // 2
    assert patch(author, upload_url, 0, second_jpeg[:half]).status_code == 204
    asked = head(author, upload_url)  # back on line: where to carry on?
    assert asked.status_code == 200 and asked["Upload-Offset"] == str(half)
    rest = patch(author, upload_url, int(asked["Upload-Offset"]), second_jpeg[half:])
    assert rest.status_code == 204 and rest["Upload-Offset"] == str(len(second_jpeg))
    medium = StoryMedia.objects.get(story=story)
    assert medium.state == MediaState.PROCESSING
    # Not ready yet: the story cannot go to the editors while a file is being prepared.
    early = author.post(f"{staff_url}submit/", {"version": version(story)})
    assert early.status_code == 400 and "still being sent or prepared" in html(early)
    assert Story.objects.get(pk=story.pk).state == StoryState.DRAFT
    assert "ready" in worker()  # the worker makes the renditions
    assert not StoryMedia.objects.filter(story=story).exists()
    photos = list(StoryPhoto.objects.filter(story=story).order_by("position", "pk"))
    assert len(photos) == 2 and [p.show_face for p in photos] == [False, False]
    assert photos[1].caption == "ផ្ទះរបស់ខ្ញុំ"
    page = html(author.get(staff_url))
    for photo in photos:
        assert f"{staff_url}photos/{photo.pk}/thumb.jpg" in page
        assert_clean_jpeg(body(author.get(f"{staff_url}photos/{photo.pk}/web.jpg")))

    submitted = author.post(f"{staff_url}submit/", {"version": version(story)})
    assert submitted.status_code == 302
    assert Story.objects.get(pk=story.pk).state == StoryState.SUBMITTED
    # Nothing is public yet.
    assert public.get(f"/km/stories/{story.pk}/").status_code == 404

    # ----------------------------------------------------------------- 2. the editor
    editor = login_as(Client(), edna)
    assert TITLE in html(editor.get("/app/stories/?show=queue"))
    assert editor.post(f"{staff_url}review/", {"version": version(story)}).status_code == 302
    sent_back = editor.post(
        f"{staff_url}send-back/", {"version": version(story), "comment": SEND_BACK}
    )
    assert sent_back.status_code == 302
    assert Story.objects.get(pk=story.pk).state == StoryState.DRAFT

    # The author reads the comment, takes the village out and gives a pseudonym.
    page = html(author.get(staff_url))
    assert SEND_BACK in page
    edit_page = author.get(f"{staff_url}edit/")
    assert edit_page.status_code == 200 and FIRST_DRAFT in html(edit_page)
    edited = author.post(
        f"{staff_url}edit/",
        {
            "kind": "testimony",
            "title_km": TITLE,
            "text_km": SECOND_DRAFT,
            "place": BM_VILLAGE,
            "sector": "fishing",
            "themes": ["wages", "debt"],
            "name_shown": PSEUDONYM,
            "version": version(story),
        },
    )
    assert edited.status_code == 302, html(edited)
    story.refresh_from_db()
    assert story.name_shown == PSEUDONYM and not story.name_is_real
    assert VILLAGE_WORD not in story.text_km and story.person == someone
    assert author.post(f"{staff_url}submit/", {"version": version(story)}).status_code == 302

    assert editor.post(f"{staff_url}review/", {"version": version(story)}).status_code == 302
    assert editor.post(f"{staff_url}approve/", {"version": version(story)}).status_code == 302
    checklist = html(editor.get(staff_url))
    assert "Consent checklist" in checklist and "Missing" not in checklist
    published = editor.post(f"{staff_url}publish/", {"version": version(story)})
    assert published.status_code == 302, html(published)
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED
    # Posted to the Facebook Page by the worker, with the story's Khmer link.
    assert "posted" in worker()
    post = FacebookPost.objects.get(story=story)
    assert post.state == FacebookState.POSTED
    [sent] = facebook_on.posts
    assert sent.path == f"/v25.0/{PAGE_ID}/feed"
    assert sent.form["link"] == f"{SITE}/km/stories/{story.pk}/"
    assert TITLE in sent.form["message"] and PSEUDONYM not in sent.form["message"]

    # ----------------------------------------------------------------- 3. the public site
    detail_url = f"/km/stories/{story.pk}/"
    detail = public.get(detail_url)
    assert detail.status_code == 200
    page = html(detail)
    assert '<html lang="km">' in page
    assert TITLE in page and "ប្រាក់ឈ្នួល" in page and PSEUDONYM in page
    assert "ទីកន្លែង01" in page  # the province
    for secret in (
        REGISTRY_NAME,
        VILLAGE_WORD,
        "ទីកន្លែង01020101",  # village
        "ទីកន្លែង010201",  # commune
        "ទីកន្លែង0102",  # district
        "Ou Thum",
        "Banteay Neang",
        "Mongkol Borei",
        "Peter",
        "peter@",
    ):
        assert secret not in page, secret
    # The preview card: title and an absolute image address, on Facebook and Twitter.
    assert meta(page, "og:title") == TITLE
    assert meta(page, "og:url") == f"{SITE}{detail_url}"
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:locale") == "km_KH"
    description = meta(page, "og:description") or ""
    assert "ទូកនេសាទ" in description and REGISTRY_NAME not in description
    og_image = meta(page, "og:image") or ""
    assert og_image.startswith(f"{SITE}/km/stories/{story.pk}/photos/")
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "twitter:title") == TITLE
    assert meta(page, "twitter:image") == og_image
    card_image = public.get(local(og_image))
    assert card_image.status_code == 200 and card_image["Content-Type"] == "image/jpeg"
    assert_clean_jpeg(body(card_image))
    # Every photo on the page, both sizes, read back without EXIF or GPS.
    photo_urls = sorted(set(re.findall(rf"/km/stories/{story.pk}/photos/\d+/\w+\.jpg", page)))
    expected = {
        f"/km/stories/{story.pk}/photos/{photo.pk}/{size}.jpg"
        for photo in photos
        for size in ("web", "thumb")
    }
    assert set(photo_urls) == expected
    for photo_url in photo_urls:
        served = public.get(photo_url)
        assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
        assert_clean_jpeg(body(served))
    # The same page again comes from the public page cache (as on the server).
    kept = public.get(detail_url)
    assert kept["X-Public-Cache"] == "hit"
    page_etag, photo_etag = kept["ETag"], card_image["ETag"]
    # The browser keeps them and asks again each time (no-cache): a 304 while unchanged.
    assert public.get(detail_url, headers={"If-None-Match": page_etag}).status_code == 304
    assert public.get(local(og_image), headers={"If-None-Match": photo_etag}).status_code == 304

    assert f'href="{detail_url}"' in html(public.get("/km/stories/"))
    for word in (WHOLE_WORD, INSIDE_COMPOUND):
        found = html(public.get("/km/search/?q=" + quote(word)))
        assert f'href="{detail_url}"' in found, word
        assert REGISTRY_NAME not in found
        listed = html(public.get("/km/stories/?q=" + quote(word)))
        assert f'href="{detail_url}"' in listed, word
    # Not found by a word it does not hold, nor by the first draft's village name.
    for word in ("សំណង់", VILLAGE_WORD):
        assert f'href="{detail_url}"' not in html(public.get("/km/search/?q=" + quote(word)))
    rss_titles, atom_titles = feed_titles(public)
    assert TITLE in rss_titles and TITLE in atom_titles
    rss_text = html(public.get("/km/stories/feed/rss/"))
    assert f"{SITE}{detail_url}" in rss_text and REGISTRY_NAME not in rss_text
    sitemap = public.get("/sitemap.xml")
    assert sitemap.status_code == 200 and f"{SITE}{detail_url}" in html(sitemap)

    # ----------------------------------------------------------------- 4. consent withdrawn
    staff = login_as(Client(), crew.users["gina"])
    record = html(staff.get(f"/app/people/{someone.pk}/"))
    given = Consent.objects.get(person=someone, purpose=ConsentPurpose.STORY)
    withdraw_url = f"/app/people/{someone.pk}/consents/{given.pk}/withdraw/"
    assert f'action="{withdraw_url}"' in record
    withdrawn = staff.post(withdraw_url)
    assert withdrawn.status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.WITHDRAWN and story.withdrawn_reason == "consent_story"
    # At once, for the same visitor whose pages the cache kept a moment ago.
    gone = public.get(detail_url)
    assert gone.status_code == 410
    assert TITLE not in html(gone) and PSEUDONYM not in html(gone)
    assert TITLE not in html(public.get("/km/stories/"))
    for word in (WHOLE_WORD, INSIDE_COMPOUND):
        assert TITLE not in html(public.get("/km/search/?q=" + quote(word)))
        assert TITLE not in html(public.get("/km/stories/?q=" + quote(word)))
    rss_titles, atom_titles = feed_titles(public)
    assert TITLE not in rss_titles and TITLE not in atom_titles
    assert detail_url not in html(public.get("/sitemap.xml"))
    for photo_url in photo_urls:
        old = public.get(photo_url)
        assert old.status_code == 410, photo_url
        assert not body(old).startswith(b"\xff\xd8")
    assert public.get(local(og_image)).status_code == 410
    # A browser asking again with what it kept is not told "unchanged".
    assert public.get(detail_url, headers={"If-None-Match": page_etag}).status_code == 410
    assert public.get(local(og_image), headers={"If-None-Match": photo_etag}).status_code == 410
    # Other languages too.
    assert public.get(f"/en/stories/{story.pk}/").status_code == 410
    # The Facebook post comes down (the worker deletes it on the Page).
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING
    worker()
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED
    [deleted] = facebook_on.deletes
    assert deleted.path == f"/v25.0/{post.post_id}"

    # ----------------------------------------------------------------- 5. a concern
    reporter = Client()
    form_page = reporter.get("/km/report/")
    assert form_page.status_code == 200 and 'name="website"' in html(form_page)
    reported = reporter.post(
        "/km/report/",
        {
            "text": CONCERN,
            "where": "kh",
            "province": "01",
            "contact": "",  # anonymous
            "website": "",  # the robots' trap, left empty by a person
        },
        REMOTE_ADDR="192.0.2.77",
    )
    assert reported.status_code == 302 and reported["Location"] == "/km/report/thanks/"
    thanks = reporter.get(reported["Location"])
    assert thanks.status_code == 200 and "ឈ្មួញកណ្តាល" not in html(thanks)
    # A robot filling the hidden field gets the same thank-you, and nothing is kept.
    robot = Client().post(
        "/km/report/",
        {"text": "Buy cheap visas", "where": "unknown", "contact": "", "website": "x.example"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert robot.status_code == 302 and robot["Location"] == "/km/report/thanks/"
    tip = Tip.objects.get()
    assert (tip.source, tip.status, tip.contact, tip.recorded_by) == (
        TipSource.PUBLIC_FORM,
        TipStatus.NEW,
        "",
        None,
    )
    assert tip.place == crew.places["01"] and tip_parts(tip)[1] == CONCERN
    caseworker = login_as(Client(), crew.users["carol"])  # crisis centre, Banteay Meanchey
    queue = caseworker.get("/app/cases/tips/")
    assert queue.status_code == 200 and f"/app/cases/tips/{tip.pk}/" in html(queue)
    opened = html(caseworker.get(f"/app/cases/tips/{tip.pk}/"))
    assert CONCERN in opened and "Not given: the reporter stayed anonymous." in opened
