"""The field form "story or testimony" (forms/story.xlsx) → a story draft with its
photos and sound recording, sent to the editors when the author said so.

The same services as the story pages, as the person who sent the form:
`story_create`; `story_photo_add` for each photo (the web's photo path: EXIF/GPS gone);
the recording through the resumable-upload services (`story_upload_create` and
`story_upload_append`: sniffed, the original kept privately, the web rendition made by
the worker); `story_submit` when "send now" was chosen (a story with a recording stays a
draft until the worker has prepared it: the author sends it from its page then; so does
a story whose person said no to its publication).

Consent: when the form names the person's registry number, each answer (story, face,
voice, real name) is recorded through `people.services.consent_give`, as on the
person's page, and the story is linked to them. Most authors (peer educators, social
ambassadors) cannot see the registry: the story then stays linked to nobody and the
answers are written as a comment on the story for the editors, who publish only once
the person's facilitator or caseworker has linked it and recorded the consent on the
person's page (publication checks the registry, never the comment).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from migra.collect.mapping import MappedRecord, MappingInput, MappingProblem, mapper
from migra.collect.mapping.outreach import (
    already_done,
    attachment,
    chosen_place,
    files_cleaned_on_failure,
    not_allowed,
    refused,
    repeats,
    require_attachments,
    text_value,
    value,
    whole_number,
    yes_no,
)
from migra.collect.models import BuiltinForm
from migra.media import photos as media_photos
from migra.people.models import ConsentMethod, ConsentPurpose, Person
from migra.people.selectors import persons_visible_to
from migra.people.services import consent_give
from migra.stories import media_services, media_storage, services
from migra.stories.models import Story

# Question of the form → consent purpose.
CONSENTS = (
    ("consent_story", ConsentPurpose.STORY),
    ("consent_face", ConsentPurpose.PHOTO),
    ("consent_voice", ConsentPurpose.VOICE),
    ("consent_real_name", ConsentPurpose.REAL_NAME),
)
NAME_KINDS = ("pseudonym", "real", "none")


def _name(given: MappingInput) -> tuple[str, bool]:
    kind = value(given.root, "name_kind") or "none"
    if kind not in NAME_KINDS:
        raise MappingProblem(_("Choose which name is shown with the story."))
    if kind == "none":
        return "", False
    return text_value(given.root, "name_shown"), kind == "real"


def _answers(given: MappingInput) -> dict[str, bool]:
    answers: dict[str, bool] = {}
    for question, purpose in CONSENTS:
        answer = yes_no(value(given.root, question), question=str(purpose.label))
        if answer is not None:
            answers[purpose] = answer
    return answers


def _person(given: MappingInput) -> Person | None:
    number = whole_number(value(given.root, "person"), question=_("Their registry number"))
    if number is None:
        return None
    person = persons_visible_to(given.actor).filter(pk=number).first()
    if person is None:
        raise MappingProblem(
            _(
                "Person number %(n)d is not among the people the sender may see in the "
                "registry. Leave the number empty and give the story's number to the "
                "person's facilitator, who links the story on the person's page."
            )
            % {"n": number}
        )
    return person


def _record_consents(
    given: MappingInput, person: Person, answers: dict[str, bool], method: str, witness: str
) -> None:
    for purpose, answer in answers.items():
        try:
            consent_give(
                actor=given.actor,
                person=person,
                purpose=purpose,
                method=method,
                given=answer,
                witness_name=witness,
                request=given.request,
            )
        except PermissionDenied:
            raise not_allowed(_("The person's consent was not recorded")) from None
        except ValidationError as error:
            raise refused(error, what=_("The person's consent was not recorded")) from None


def _consent_note(answers: dict[str, bool], method: str, witness: str) -> str:
    """The answers in words, for the editors (the story is linked to nobody yet)."""
    methods = dict(ConsentMethod.choices)
    purposes = dict(ConsentPurpose.choices)
    lines = [
        _("Consent given when the story was collected (%(method)s):")
        % {"method": methods.get(method, method)}
    ]
    lines += [
        f"- {purposes[purpose]}: {_('Yes') if answer else _('No')}"
        for purpose, answer in answers.items()
    ]
    if witness:
        lines.append(_("Witness: %(name)s") % {"name": witness})
    lines.append(
        _(
            "The story is linked to nobody in the registry: the person's facilitator or "
            "caseworker links it on the person's page and records the consent there."
        )
    )
    return "\n".join(lines)


def _add_recording(
    given: MappingInput, story: Story, name: str, caption: str, undo: list[Callable[[], Any]]
) -> None:
    """The recording through the resumable-upload services, in one piece."""
    upload = attachment(given, name)
    data = upload.read()
    what = _("The recording %(name)s was not added") % {"name": name[:80]}
    try:
        media = media_services.story_upload_create(
            actor=given.actor,
            story_id=story.pk,
            length=len(data),
            filename=name,
            filetype=upload.content_type or "",
            caption=caption,
            request=given.request,
        )
        undo.append(lambda: media_storage.remove_upload_file(media.upload_file))
        received = media_services.story_upload_append(
            actor=given.actor,
            story_id=story.pk,
            token=media.upload_token,
            offset=0,
            body=io.BytesIO(data),
            length=len(data),
            request=given.request,
        )
    except ValidationError as error:
        raise refused(error, what=what) from None
    undo.append(lambda: media_storage.delete_private(received.source_file))


@mapper(BuiltinForm.STORY)
def map_story(given: MappingInput) -> MappedRecord:
    already_done(given)
    root = given.root
    place = chosen_place(root)
    if place is None:
        raise MappingProblem(_("Choose where the story comes from."))
    name_shown, name_is_real = _name(given)
    answers = _answers(given)
    method = value(root, "consent_method")
    witness = text_value(root, "consent_witness")
    if answers and method not in ConsentMethod.values:
        raise MappingProblem(_("Choose how the person answered."))
    destination = value(root, "destination_area") or value(root, "destination_country")
    photos = [
        (value(row, "photo"), text_value(row, "photo_caption"), value(row, "photo_face"))
        for row in repeats(root, "photos", limit=services.MAX_PHOTOS)
    ]
    photos = [photo for photo in photos if photo[0]]
    recording = value(root, "audio")
    require_attachments(
        given, [name for name, *_rest in photos] + ([recording] if recording else [])
    )
    send_now = yes_no(value(root, "send_now"), question=_("Send the story to the editors now?"))
    person = _person(given)
    what = _("The story was not recorded")
    with files_cleaned_on_failure() as undo:
        if person is not None:
            _record_consents(given, person, answers, method, witness)
        try:
            story = services.story_create(
                actor=given.actor,
                kind=value(root, "kind"),
                title_km=text_value(root, "title_km"),
                text_km=text_value(root, "text_km"),
                place_code=place.code,
                destination_code=destination or None,
                sector=value(root, "sector"),
                themes=value(root, "themes").split(),
                name_shown=name_shown,
                name_is_real=name_is_real,
                person_id=person.pk if person is not None else None,
                request=given.request,
            )
        except PermissionDenied:
            raise not_allowed(what) from None
        except ValidationError as error:
            raise refused(error, what=what) from None
        for number, (name, caption, face) in enumerate(photos, start=1):
            show_face = yes_no(face, question=_("Does this photo show someone's face?"))
            try:
                photo = services.story_photo_add(
                    actor=given.actor,
                    story_id=story.pk,
                    upload=attachment(given, name),
                    caption=caption,
                    show_face=bool(show_face),
                    request=given.request,
                )
            except ValidationError as error:
                raise refused(
                    error,
                    what=_("Photo %(number)d (%(name)s) was not added")
                    % {"number": number, "name": name[:80]},
                ) from None
            undo.append(partial(media_photos.photo_delete, photo.web_file, photo.thumb_file))
        if recording:
            _add_recording(given, story, recording, text_value(root, "audio_caption"), undo)
        if person is None and answers:
            services.story_comment(
                actor=given.actor,
                story_id=story.pk,
                text=_consent_note(answers, method, witness),
                request=given.request,
            )
        # A story whose person said no to publication is never sent on by itself.
        if send_now and not recording and answers.get(ConsentPurpose.STORY) is not False:
            story.refresh_from_db(fields=["version"])
            try:
                services.story_submit(
                    actor=given.actor,
                    story_id=story.pk,
                    expected_version=story.version,
                    request=given.request,
                )
            except ValidationError as error:
                raise refused(error, what=_("The story was not sent to the editors")) from None
    return MappedRecord(record_type="stories.story", record_id=str(story.pk))
