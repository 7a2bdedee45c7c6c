"""Staff pages of stories and collections. Thin: forms in, services to write, selectors
to read. Phone first (360 px, Khmer); no JavaScript needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, require_perm, user_has_perm
from migra.config.forms import add_service_errors
from migra.media.photos import photo_response
from migra.people.selectors import persons_visible_to
from migra.stories import richtext, services
from migra.stories.forms import (
    CollectionAddForm,
    CollectionForm,
    CollectionSettingsForm,
    CommentForm,
    PhotoEditForm,
    PhotoUploadForm,
    PublishForm,
    SendBackForm,
    StoryForm,
    StoryLinkForm,
    VersionForm,
)
from migra.stories.models import Collection, Story
from migra.stories.selectors import (
    collection_candidates,
    collection_cover_choices,
    collection_get_for_user,
    collection_items,
    collections_visible_to,
    stories_of_author,
    stories_published,
    stories_queue,
    story_actions,
    story_comments,
    story_consent_checks,
    story_get_for_user,
    story_photo_get_for_user,
    story_photos,
)

PAGE_SIZE = 25
STORY_PERMS = (Perm.WRITE_STORIES, Perm.EDIT_STORIES, Perm.WITHDRAW_STORIES)

# What each line of the consent checklist is about.
CHECK_LABELS = {
    "story": gettext_lazy("Consent to publish the story"),
    "real_name": gettext_lazy("Consent to show the real name"),
    "voice": gettext_lazy("Consent to use the voice"),
    "photo": gettext_lazy("Consent to show the face in photos"),
    "no_person": gettext_lazy("No linked person: the story must identify no one"),
    "person": gettext_lazy("The linked record was merged or erased"),
}


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _story_url(story: Story, anchor: str = "") -> str:
    return reverse("stories:detail", args=[story.pk]) + anchor


def _collection_url(collection: Collection) -> str:
    return reverse("stories:collection", args=[collection.pk])


def _may_link_person(request: HttpRequest) -> bool:
    return user_has_perm(request.user, Perm.VIEW_PEOPLE)


def _saved(
    request: HttpRequest,
    form: Any,
    write: Callable[[], Any],
    done: str,
    url: Callable[[Any], str],
) -> HttpResponse | None:
    """Call the service; a redirect to `url(result)` with `done` when it worked, None
    (its errors put on the form) when it refused."""
    try:
        result = write()
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, done)
    return HttpResponseRedirect(url(result))


def _version_of(form: Any) -> int:
    version = form.cleaned_data.get("version")
    return version if version is not None else -1


# --------------------------------------------------------------------------- lists


@login_required
@require_http_methods(["GET", "HEAD"])
def story_list(request: HttpRequest) -> HttpResponse:
    may_write = user_has_perm(request.user, Perm.WRITE_STORIES)
    may_edit = user_has_perm(request.user, Perm.EDIT_STORIES)
    may_withdraw = user_has_perm(request.user, Perm.WITHDRAW_STORIES)
    if not (may_write or may_edit or may_withdraw):
        raise deny(request, request.user, reason="missing permission to see stories")
    tabs = []
    if may_write:
        tabs.append(("mine", _("My stories")))
    if may_edit:
        tabs.append(("queue", _("To review")))
    if may_edit or may_withdraw:
        tabs.append(("published", pgettext("story state", "Published")))
    show = request.GET.get("show")
    if show not in {key for key, _label in tabs}:
        show = tabs[0][0]
    if show == "mine":
        stories = stories_of_author(request.user)
    elif show == "queue":
        stories = stories_queue(request.user)
    else:
        stories = stories_published(request.user)
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stories/list.html",
        {
            "tabs": tabs,
            "show": show,
            "page": page,
            "stories": page.object_list,
            "may_write": may_write,
            "may_edit": may_edit,
        },
    )


# --------------------------------------------------------------------------- new / edit


def _form_page(
    request: HttpRequest, form: StoryForm, story: Story | None, status: int = 200
) -> HttpResponse:
    return render(request, "stories/form.html", {"form": form, "story": story}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def story_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.WRITE_STORIES)
    may_link = _may_link_person(request)
    if request.method != "POST":
        return _form_page(request, StoryForm(may_link_person=may_link), None)
    form = StoryForm(request.POST, may_link_person=may_link)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: services.story_create(
                actor=_actor(request), request=request, **form.service_fields()
            ),
            _("The draft was saved. Add photos, then send it to the editors."),
            _story_url,
        )
        if done is not None:
            return done
    return _form_page(request, form, None, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def story_edit(request: HttpRequest, pk: int) -> HttpResponse:
    story = story_get_for_user(request, pk, log=request.method != "POST")
    if not story_actions(request.user, story).edit:
        if story.author_id == request.user.pk:
            messages.error(request, _("Only a draft can be changed."))
            return HttpResponseRedirect(_story_url(story))
        raise deny(request, request.user, reason="not the story's author", target=story)
    may_link = _may_link_person(request)
    if request.method != "POST":
        initial = {
            "kind": story.kind,
            "title_km": story.title_km,
            "text_km": richtext.for_editing(story.text_km),
            "title_en": story.title_en,
            "text_en": richtext.for_editing(story.text_en),
            "title_th": story.title_th,
            "text_th": richtext.for_editing(story.text_th),
            "place": story.place,
            "destination": story.destination,
            "sector": story.sector,
            "themes": story.themes,
            "name_shown": story.name_shown,
            "name_is_real": story.name_is_real,
            "person": story.person_id,
            "version": story.version,
        }
        return _form_page(request, StoryForm(initial=initial, may_link_person=may_link), story)
    form = StoryForm(request.POST, may_link_person=may_link)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: services.story_update(
                actor=_actor(request),
                story_id=story.pk,
                expected_version=_version_of(form),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved."),
            _story_url,
        )
        if done is not None:
            return done
    return _form_page(request, form, story, status=400)


# --------------------------------------------------------------------------- the story page


def _checklist(request: HttpRequest, story: Story) -> list[dict[str, Any]]:
    rows = []
    for check in story_consent_checks(story):
        if not check.required:
            status, css = _("Not needed"), "badge--info"
        elif check.code == "no_person":
            status, css = _("Confirm below"), "badge--warning"
        elif check.allowed:
            status, css = _("Given"), "badge--success"
        else:
            status, css = pgettext("consent", "Missing"), "badge--danger"
        rows.append(
            {"check": check, "label": CHECK_LABELS[check.code], "status": status, "css": css}
        )
    return rows


def _consent_link(request: HttpRequest, story: Story) -> str:
    """The person's consent section, for a user who may open the person's record."""
    if story.person_id is None:
        return ""
    if not persons_visible_to(request.user).filter(pk=story.person_id).exists():
        return ""
    return reverse("people:detail", args=[story.person_id]) + "#consent"


def _detail(
    request: HttpRequest,
    story: Story,
    *,
    comment_form: CommentForm | None = None,
    send_back_form: SendBackForm | None = None,
    publish_form: PublishForm | None = None,
    photo_form: PhotoUploadForm | None = None,
    action_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = story_actions(request.user, story)
    version = {"version": story.version}
    editor_view = actions.review or actions.send_back or actions.approve or actions.publish
    checklist = _checklist(request, story) if editor_view or actions.publish else []
    photos = list(story_photos(story))
    return render(
        request,
        "stories/detail.html",
        {
            "story": story,
            "actions": actions,
            "photos": photos,
            "max_photos": services.MAX_PHOTOS,
            "comments": list(story_comments(story)),
            "comment_form": comment_form or CommentForm(),
            "send_back_form": send_back_form or SendBackForm(initial=version),
            "publish_form": publish_form or PublishForm(initial=version),
            "version_form": VersionForm(initial=version),
            "photo_form": photo_form or PhotoUploadForm(),
            "photo_edit_forms": [
                (
                    photo,
                    PhotoEditForm(
                        initial={
                            "caption": photo.caption,
                            "show_face": photo.show_face,
                            "hidden": photo.hidden,
                        },
                        prefix=f"p{photo.pk}",
                    ),
                )
                for photo in photos
            ],
            "checklist": checklist,
            "checklist_blocks": any(
                row["check"].missing and row["check"].code != "no_person" for row in checklist
            ),
            "needs_no_person": any(row["check"].code == "no_person" for row in checklist),
            "consent_link": _consent_link(request, story) if checklist else "",
            "action_errors": action_errors or [],
            "text_html": story.text_km,
            "translations": [
                (label, title, text)
                for label, title, text in (
                    (_("English"), story.title_en, story.text_en),
                    (_("Thai"), story.title_th, story.text_th),
                )
                if title or text
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, story_get_for_user(request, pk))


def _errors(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _transition_view(
    request: HttpRequest,
    pk: int,
    service: Callable[..., Story],
    done: str,
    *,
    form_class: type[VersionForm] = VersionForm,
    form_name: str = "",
    extra: Callable[[Any], dict[str, Any]] | None = None,
) -> HttpResponse:
    story = story_get_for_user(request, pk, log=False)
    form = form_class(request.POST)
    if not form.is_valid():
        context: dict[str, Any] = (
            {form_name: form}
            if form_name
            else {"action_errors": [_("Reload the page and try again.")]}
        )
        return _detail(request, story, status=400, **context)
    try:
        service(
            actor=_actor(request),
            story_id=story.pk,
            expected_version=form.cleaned_data["version"],
            request=request,
            **(extra(form.cleaned_data) if extra else {}),
        )
    except ValidationError as error:
        story.refresh_from_db()
        failed: dict[str, Any] = {form_name: form} if form_name else {}
        if form_name and hasattr(error, "error_dict"):
            add_service_errors(form, error)  # shown next to the field
        else:
            failed["action_errors"] = _errors(error)  # shown at the top
        return _detail(request, story, status=400, **failed)
    messages.success(request, done)
    return HttpResponseRedirect(_story_url(story))


@login_required
@require_POST
def story_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request, pk, services.story_submit, _("The story was sent to the editors.")
    )


@login_required
@require_POST
def story_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, services.story_review_start, _("You are reviewing it."))


@login_required
@require_POST
def story_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request,
        pk,
        services.story_send_back,
        _("The story went back to its author with your comment."),
        form_class=SendBackForm,
        form_name="send_back_form",
        extra=lambda data: {"comment": data["comment"]},
    )


@login_required
@require_POST
def story_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(request, pk, services.story_approve, _("The story was approved."))


@login_required
@require_POST
def story_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request,
        pk,
        services.story_publish,
        _("The story was published."),
        form_class=PublishForm,
        form_name="publish_form",
        extra=lambda data: {"confirm_no_person": bool(data.get("confirm_no_person"))},
    )


@login_required
@require_POST
def story_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request, pk, services.story_withdraw, _("The story was withdrawn: it is no longer public.")
    )


@login_required
@require_POST
def story_comment(request: HttpRequest, pk: int) -> HttpResponse:
    story = story_get_for_user(request, pk, log=False)
    form = CommentForm(request.POST)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: services.story_comment(
                actor=_actor(request),
                story_id=story.pk,
                text=form.cleaned_data["text"],
                request=request,
            ),
            _("Your comment was added."),
            lambda _comment: _story_url(story, "#comments"),
        )
        if done is not None:
            return done
    return _detail(request, story, comment_form=form, status=400)


# --------------------------------------------------------------------------- photos


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One or more photos from one input; each is kept or refused on its own."""
    story = story_get_for_user(request, pk, log=False)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, story, photo_form=form, status=400)
    added = 0
    for number, upload in enumerate(form.cleaned_data["photos"], start=1):
        try:
            services.story_photo_add(
                actor=_actor(request),
                story_id=story.pk,
                upload=upload,
                caption=form.cleaned_data.get("caption") or "",
                show_face=bool(form.cleaned_data.get("show_face")),
                request=request,
            )
        except ValidationError as error:
            messages.error(
                request,
                _("Photo %(number)d (%(name)s) was not added: %(reason)s")
                % {
                    "number": number,
                    "name": str(getattr(upload, "name", ""))[:80],
                    "reason": " ".join(error.messages),
                },
            )
        else:
            added += 1
    if added:
        messages.success(
            request,
            ngettext("%(n)d photo was added.", "%(n)d photos were added.", added) % {"n": added},
        )
    return HttpResponseRedirect(_story_url(story, "#photos"))


@login_required
@require_POST
def photo_update(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    story = story_get_for_user(request, pk, log=False)
    form = PhotoEditForm(request.POST, prefix=f"p{photo_pk}")
    if form.is_valid():
        try:
            services.story_photo_update(
                actor=_actor(request),
                story_id=story.pk,
                photo_id=photo_pk,
                caption=form.cleaned_data.get("caption") or "",
                show_face=bool(form.cleaned_data.get("show_face")),
                hidden=bool(form.cleaned_data.get("hidden")),
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The photo was changed."))
    else:
        messages.error(request, _("The photo could not be changed: check the caption."))
    return HttpResponseRedirect(_story_url(story, "#photos"))


@login_required
@require_POST
def photo_remove(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    story = story_get_for_user(request, pk, log=False)
    try:
        services.story_photo_remove(
            actor=_actor(request), story_id=story.pk, photo_id=photo_pk, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The photo was removed."))
    return HttpResponseRedirect(_story_url(story, "#photos"))


@login_required
@require_http_methods(["GET", "HEAD"])
def photo_file(request: HttpRequest, pk: int, photo_pk: int, size: str) -> FileResponse:
    """A photo's web rendition or thumbnail, only to people who may see the story (the
    files are never linked through MEDIA_URL)."""
    return photo_response(story_photo_get_for_user(request, pk, photo_pk), size)


# --------------------------------------------------------------------------- collections


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def collection_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EDIT_STORIES)
    form = CollectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            done = _saved(
                request,
                form,
                lambda: services.collection_create(
                    actor=_actor(request), request=request, **form.service_fields()
                ),
                _("The collection was created: now add stories."),
                _collection_url,
            )
            if done is not None:
                return done
        status = 400
    collections = collections_visible_to(request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "stories/collections.html",
        {"collections": collections, "form": form},
        status=status,
    )


def _cover_label(photo: Any, number: int) -> str:
    caption = photo.caption or _("Photo %(number)d") % {"number": number}
    return f"{caption} · {photo.story.title}"


def _collection_page(
    request: HttpRequest,
    collection: Collection,
    *,
    form: CollectionSettingsForm | None = None,
    add_form: CollectionAddForm | None = None,
    action_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    covers = list(collection_cover_choices(collection).select_related("story"))
    cover_choices = [(p.pk, _cover_label(p, i)) for i, p in enumerate(covers, start=1)]
    candidates = [(s.pk, s.title) for s in collection_candidates(request.user, collection)[:200]]
    version = collection.version
    items = list(collection_items(collection))
    return render(
        request,
        "stories/collection.html",
        {
            "collection": collection,
            "items": items,
            "form": form
            or CollectionSettingsForm(
                initial={
                    "title_km": collection.title_km,
                    "title_en": collection.title_en,
                    "title_th": collection.title_th,
                    "intro_km": richtext.for_editing(collection.intro_km),
                    "intro_en": richtext.for_editing(collection.intro_en),
                    "intro_th": richtext.for_editing(collection.intro_th),
                    "cover": collection.cover_id,
                    "is_published": collection.is_published,
                    "version": version,
                },
                cover_choices=cover_choices,
            ),
            "add_form": add_form
            or CollectionAddForm(initial={"version": version}, choices=candidates),
            "has_candidates": bool(candidates),
            "version": version,
            "action_errors": action_errors or [],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = collection_get_for_user(request, pk)
    if request.method != "POST":
        return _collection_page(request, collection)
    covers = collection_cover_choices(collection).values_list("pk", flat=True)
    form = CollectionSettingsForm(request.POST, cover_choices=[(c, "") for c in covers])
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: services.collection_update(
                actor=_actor(request),
                collection_id=collection.pk,
                expected_version=_version_of(form),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved."),
            _collection_url,
        )
        if done is not None:
            return done
    return _collection_page(request, collection, form=form, status=400)


def _version(request: HttpRequest) -> int:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else -1


@login_required
@require_POST
def collection_add(request: HttpRequest, pk: int) -> HttpResponse:
    collection = collection_get_for_user(request, pk)
    candidates = [(s.pk, "") for s in collection_candidates(request.user, collection)]
    form = CollectionAddForm(request.POST, choices=candidates)
    if form.is_valid():
        done = _saved(
            request,
            form,
            lambda: services.collection_story_add(
                actor=_actor(request),
                collection_id=collection.pk,
                expected_version=form.cleaned_data["version"],
                story_id=form.cleaned_data["story"],
                request=request,
            ),
            _("The story was added."),
            lambda item: _collection_url(item.collection),
        )
        if done is not None:
            return done
    return _collection_page(request, collection, add_form=form, status=400)


@login_required
@require_POST
def collection_item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    collection = collection_get_for_user(request, pk)
    direction = request.POST.get("direction", "")
    try:
        services.collection_story_move(
            actor=_actor(request),
            collection_id=collection.pk,
            expected_version=_version(request),
            item_id=item_pk,
            direction=direction,
            request=request,
        )
    except ValidationError as error:
        return _collection_page(request, collection, action_errors=_errors(error), status=400)
    return HttpResponseRedirect(_collection_url(collection) + "#stories")


@login_required
@require_POST
def collection_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    collection = collection_get_for_user(request, pk)
    try:
        services.collection_story_remove(
            actor=_actor(request),
            collection_id=collection.pk,
            expected_version=_version(request),
            item_id=item_pk,
            request=request,
        )
    except ValidationError as error:
        return _collection_page(request, collection, action_errors=_errors(error), status=400)
    messages.success(request, _("The story was taken out of the collection."))
    return HttpResponseRedirect(_collection_url(collection) + "#stories")


@login_required
@require_POST
def story_link_person(request: HttpRequest, person_pk: int) -> HttpResponse:
    """From a person's page: link a story the person told, by its number."""
    back = reverse("people:detail", args=[person_pk]) + "#stories"
    form = StoryLinkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, str(errors[0]))
        return HttpResponseRedirect(back)
    try:
        story = services.story_link_from_person_page(
            actor=_actor(request),
            person_id=person_pk,
            story_id=form.cleaned_data["story"],
            request=request,
        )
    except ValidationError as error:
        for text in error.messages[:1]:
            messages.error(request, text)
        return HttpResponseRedirect(back)
    messages.success(
        request,
        _(
            "Story %(number)s is linked to this person. The editors will publish it only "
            "with the person's consent."
        )
        % {"number": story.pk},
    )
    return HttpResponseRedirect(back)
