"""Demo stories (called by `migra demo`, after the demo persons). Idempotent: each is
found again by its Khmer title.

- A peer educator's report, submitted by the demo peer educator (012 345 602, Siem
  Reap) and waiting in the editor's queue (editor@demo.migra.local): start the review,
  send it back or approve it.
- A returnee's testimony, published with a pseudonym (ស្រីពៅ): it is linked to the demo
  person សុខ ចាន់ធា (Sok Chanta), whose consent to publish her story the crisis centre's
  supervisor recorded; the real name is not shown, so no REAL_NAME consent is needed.
  Withdrawing that consent on her record (supervisor@demo) takes the story down at once.
- The collection "Beyond what was told" with the published testimony.
"""

from __future__ import annotations

from django.db import transaction

from migra.accounts.models import User
from migra.people.identity import document_index, document_normal
from migra.people.models import ConsentMethod, ConsentPurpose, IdentityDocument
from migra.people.services import consent_allows, consent_give
from migra.places.models import Place, PlaceKind
from migra.stories import services
from migra.stories.models import Collection, Story, StoryState

SUBMITTED_TITLE = "យុវជនភូមិយើងសួរអំពីការងារនៅប្រទេសថៃ"
SUBMITTED_TEXT = (
    "ថ្ងៃនេះ ខ្ញុំបានជួបយុវជនដប់នាក់នៅភូមិ។ ពួកគេចង់ទៅធ្វើការនៅប្រទេសថៃ "
    "ប៉ុន្តែមិនដឹងថាត្រូវមានលិខិតឆ្លងដែន និងប័ណ្ណការងារទេ។\n\n"
    "ខ្ញុំបានប្រាប់ពួកគេអំពីភ្នាក់ងារជ្រើសរើសដែលមានអាជ្ញាប័ណ្ណ និងលេខទូរស័ព្ទជំនួយ។"
)
PUBLISHED_TITLE = "លើសពីអ្វីដែលគេបានប្រាប់ខ្ញុំ"
PUBLISHED_TEXT = (
    "មេខ្យល់បានសន្យាថា ខ្ញុំនឹងរកបានប្រាក់ខែល្អនៅរោងចក្រមួយ។ "
    "តែពេលទៅដល់ គេយកលិខិតឆ្លងដែនរបស់ខ្ញុំ ហើយខ្ញុំធ្វើការដប់បួនម៉ោងក្នុងមួយថ្ងៃ "
    "ដោយមិនបានប្រាក់ឈ្នួលអស់បីខែ។\n\n"
    "ឥឡូវខ្ញុំនៅផ្ទះវិញ។ ខ្ញុំចង់ឱ្យបងប្អូនដឹងថា "
    "មុនពេលចេញដំណើរ ត្រូវសួរឱ្យច្បាស់ ហើយរក្សាឯកសាររបស់ខ្លួន។"
)
PUBLISHED_TITLE_EN = "Beyond what they told me"
PUBLISHED_TEXT_EN = (
    "The broker promised me good wages in a factory. When I arrived they took my passport, "
    "and I worked fourteen hours a day without pay for three months.\n\n"
    "Now I am home again. I want others to know: before you leave, ask clearly, and keep "
    "your own papers."
)
PSEUDONYM = "ស្រីពៅ"
COLLECTION_TITLE = "លើសពីអ្វីដែលបានប្រាប់"


def _village(province: str) -> Place | None:
    return (
        Place.objects.filter(kind=PlaceKind.VILLAGE, path__startswith=f"KH/{province}/")
        .order_by("path")
        .first()
    )


def demo_stories_ensure() -> int:
    """Create what is missing of the demo stories; return how many stories were made."""
    peer = User.objects.filter(phone="+85512345602").first()
    editor = User.objects.filter(email="editor@demo.migra.local").first()
    supervisor = User.objects.filter(email="supervisor@demo.migra.local").first()
    village = _village("17")
    found = IdentityDocument.objects.filter(
        number_index=document_index(document_normal("DEMO000001"))
    ).first()
    if peer is None or editor is None or supervisor is None or village is None or found is None:
        return 0
    person = found.person
    made = 0
    with transaction.atomic():
        if not Story.objects.filter(title_km=SUBMITTED_TITLE).exists():
            draft = services.story_create(
                actor=peer,
                kind="peer_report",
                title_km=SUBMITTED_TITLE,
                text_km=SUBMITTED_TEXT,
                place_code=village.code,
                destination_code="TH" if Place.objects.filter(code="TH").exists() else None,
                themes=["safe_migration", "documents"],
            )
            services.story_submit(actor=peer, story_id=draft.pk, expected_version=draft.version)
            made += 1
        published = Story.objects.filter(title_km=PUBLISHED_TITLE).first()
        if published is None:
            if not consent_allows(person=person, purpose=ConsentPurpose.STORY):
                consent_give(
                    actor=supervisor,
                    person=person,
                    purpose=ConsentPurpose.STORY,
                    method=ConsentMethod.SIGNATURE,
                )
            story = services.story_create(
                actor=peer,
                kind="testimony",
                title_km=PUBLISHED_TITLE,
                text_km=PUBLISHED_TEXT,
                title_en=PUBLISHED_TITLE_EN,
                text_en=PUBLISHED_TEXT_EN,
                place_code=village.code,
                destination_code="TH" if Place.objects.filter(code="TH").exists() else None,
                sector="factory",
                themes=["recruitment", "wages", "documents"],
                name_shown=PSEUDONYM,
            )
            story = services.story_person_link(
                actor=None, story_id=story.pk, expected_version=story.version, person_id=person.pk
            )
            for step, actor in (
                (services.story_submit, peer),
                (services.story_review_start, editor),
                (services.story_approve, editor),
                (services.story_publish, editor),
            ):
                story = step(actor=actor, story_id=story.pk, expected_version=story.version)
            published = story
            made += 1
        collection = Collection.objects.filter(title_km=COLLECTION_TITLE).first()
        if collection is None and published.state == StoryState.PUBLISHED:
            collection = services.collection_create(
                actor=editor, title_km=COLLECTION_TITLE, title_en="Beyond what was told"
            )
            services.collection_story_add(
                actor=editor,
                collection_id=collection.pk,
                expected_version=collection.version,
                story_id=published.pk,
            )
            collection.refresh_from_db()
            services.collection_update(
                actor=editor,
                collection_id=collection.pk,
                expected_version=collection.version,
                title_km=COLLECTION_TITLE,
                title_en="Beyond what was told",
                is_published=True,
            )
    return made
