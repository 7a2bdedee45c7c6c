"""The website editor: staff with EDIT_SITE change the public site's pages, news,
events and partners. Thin: forms in, services to write, selectors to read.

Every form has two buttons: "Preview" renders the real public template with the
unsaved content (clearly marked, not indexed, never cached, nothing saved) and the
form again below it; "Save" saves. Saving names the version the form was opened at: a
stale one is refused and nothing changes.
"""

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
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from migra.accounts.models import User
from migra.config.forms import add_service_errors
from migra.media.photos import photo_response
from migra.site import services
from migra.site.forms import EventForm, NewsForm, PageForm, PartnerForm, PublishForm, VersionForm
from migra.site.links import event_url, news_url, page_url
from migra.site.models import LANGUAGES, Event, NewsItem, NewsState, Page, Partner, PartnerKind
from migra.site.public_views import event_context, news_context, page_context
from migra.site.selectors import (
    event_for_editor,
    events_for_editor,
    events_upcoming_public,
    news_for_editor,
    news_item_for_editor,
    page_for_editor,
    pages_for_editor,
    partner_for_editor,
    partners_for_editor,
    photo_for_editor,
    require_editor,
)
from migra.stories import richtext

PAGE_SIZE = 25
PREVIEW_FORM = "site/editor/_preview_form.html"


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _previewing(request: HttpRequest) -> bool:
    return request.POST.get("action") == "preview"


def _preview_language(request: HttpRequest) -> str:
    """The language the preview is shown in (Khmer unless the editor chose another)."""
    language = request.POST.get("preview_language", "")
    return language if language in LANGUAGES else "km"


def _errors(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _save(request: HttpRequest, form: Any, write: Callable[[], Any], done: str) -> Any | None:
    """Call the service: its result (and a message) when it worked, None (its errors on
    the form) when it refused."""
    try:
        result = write()
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, done)
    return result


def _preview(
    request: HttpRequest,
    form: Any,
    template: str,
    context_of: Callable[[], dict[str, Any]],
    *,
    editor_url: str,
    public_url: str = "",
) -> HttpResponse:
    """The public page with the unsaved content, marked "preview", and the form under it,
    in the language the editor chose (the staff pages have no language prefix)."""
    language = _preview_language(request)
    with translation.override(language):
        context = context_of()  # in that language: what the visitor reads
    context.update(
        {
            "preview": True,
            "preview_form": form,
            "preview_form_template": PREVIEW_FORM,
            "preview_action": request.get_full_path(),
            "editor_url": editor_url,
            "public_url": public_url,
            "multipart": "cover" in form.fields or "logo" in form.fields,
            "photo_chosen": bool(request.FILES),
            "preview_language": language,
        }
    )
    with translation.override(language):
        return render(request, template, context)


# --------------------------------------------------------------------------- home


@login_required
@never_cache
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    pages = list(pages_for_editor(request))
    return render(
        request,
        "site/editor/home.html",
        {
            "advice_pages": [p for p in pages if p.is_advice],
            "other_pages": [p for p in pages if not p.is_advice],
            "news": list(news_for_editor(request)[:5]),
            "events": list(events_upcoming_public()[:5]),
            "drafts": news_for_editor(request).filter(state=NewsState.DRAFT).count(),
            "partners": partners_for_editor(request).count(),
        },
    )


# --------------------------------------------------------------------------- pages


def _texts_initial(obj: Any, *, plain: tuple[str, ...], rich: tuple[str, ...]) -> dict[str, Any]:
    """The form's starting values of an object's texts in the three languages (rich
    text given back as the editor typed it)."""
    initial: dict[str, Any] = {}
    for language in ("km", "en", "th"):
        for name in plain:
            initial[f"{name}_{language}"] = getattr(obj, f"{name}_{language}")
        for name in rich:
            initial[f"{name}_{language}"] = richtext.for_editing(getattr(obj, f"{name}_{language}"))
    return initial


def _page_initial(page: Page) -> dict[str, Any]:
    initial = _texts_initial(page, plain=("title", "summary"), rich=("body",))
    return {**initial, "version": page.version, "position": page.position}


def _page_form_page(
    request: HttpRequest,
    form: PageForm,
    page: Page | None,
    *,
    status: int = 200,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "site/editor/page_form.html",
        {
            "form": form,
            "page": page,
            "public_url": page_url(page) if page is not None and page.is_published else "",
            "action_errors": action_errors or [],
        },
        status=status,
    )


def _page_preview(request: HttpRequest, form: PageForm, page: Page | None) -> HttpResponse:
    try:
        values = services.page_values(**form.service_fields())
        key = page.key if page is not None else services.page_key_clean(form.cleaned_data["key"])
    except ValidationError as error:
        add_service_errors(form, error)
        return _page_form_page(request, form, page, status=400)
    unsaved = Page(key=key, is_advice=page.is_advice if page is not None else True, **values)
    return _preview(
        request,
        form,
        "site/page.html",
        lambda: page_context(unsaved),
        editor_url=request.path,
        public_url=page_url(page) if page is not None and page.is_published else "",
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page_new(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    if request.method != "POST":
        return _page_form_page(request, PageForm(new=True), None)
    form = PageForm(request.POST, new=True)
    if form.is_valid():
        if _previewing(request):
            return _page_preview(request, form, None)
        page = _save(
            request,
            form,
            lambda: services.page_create(
                actor=_actor(request),
                key=form.cleaned_data["key"],
                request=request,
                **form.service_fields(),
            ),
            _("The page was saved. It is not public until you publish it."),
        )
        if page is not None:
            return HttpResponseRedirect(reverse("site-editor:page-edit", args=[page.key]))
    return _page_form_page(request, form, None, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def page_edit(request: HttpRequest, key: str) -> HttpResponse:
    page = page_for_editor(request, key)
    if request.method != "POST":
        return _page_form_page(request, PageForm(initial=_page_initial(page)), page)
    form = PageForm(request.POST)
    if form.is_valid():
        if _previewing(request):
            return _page_preview(request, form, page)
        saved = _save(
            request,
            form,
            lambda: services.page_update(
                actor=_actor(request),
                page_id=page.pk,
                expected_version=form.version_seen(),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved.")
            + (" " + _("They show on the public site now.") if page.is_published else ""),
        )
        if saved is not None:
            return HttpResponseRedirect(reverse("site-editor:page-edit", args=[page.key]))
    return _page_form_page(request, form, page, status=400)


def _publish_form(request: HttpRequest) -> PublishForm | None:
    form = PublishForm(request.POST)
    return form if form.is_valid() else None


@login_required
@never_cache
@require_POST
def page_publish(request: HttpRequest, key: str) -> HttpResponse:
    page = page_for_editor(request, key)
    form = _publish_form(request)
    try:
        if form is None:
            raise ValidationError(_("Choose publish or unpublish."), code="invalid")
        saved = services.page_publish(
            actor=_actor(request),
            page_id=page.pk,
            expected_version=form.version_seen(),
            publish=form.cleaned_data["publish"],
            request=request,
        )
    except ValidationError as error:
        return _page_form_page(
            request,
            PageForm(initial=_page_initial(page)),
            page,
            status=400,
            action_errors=_errors(error),
        )
    messages.success(
        request,
        _("The page is published.") if saved.is_published else _("The page is no longer public."),
    )
    return HttpResponseRedirect(reverse("site-editor:page-edit", args=[page.key]))


@login_required
@never_cache
@require_POST
def page_delete(request: HttpRequest, key: str) -> HttpResponse:
    page = page_for_editor(request, key)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.page_delete(
            actor=_actor(request),
            page_id=page.pk,
            expected_version=form.version_seen(),
            request=request,
        )
    except ValidationError as error:
        return _page_form_page(
            request,
            PageForm(initial=_page_initial(page)),
            page,
            status=400,
            action_errors=_errors(error),
        )
    messages.success(request, _("The page was deleted."))
    return HttpResponseRedirect(reverse("site-editor:home"))


# --------------------------------------------------------------------------- news


def _news_initial(item: NewsItem) -> dict[str, Any]:
    initial = _texts_initial(item, plain=("title", "summary"), rich=("body",))
    return {**initial, "version": item.version, "cover_alt": item.cover_alt}


def _news_form_page(
    request: HttpRequest,
    form: NewsForm,
    item: NewsItem | None,
    *,
    status: int = 200,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "site/editor/news_form.html",
        {
            "form": form,
            "item": item,
            "public_url": news_url(item) if item is not None and item.is_published else "",
            "action_errors": action_errors or [],
        },
        status=status,
    )


def _news_preview(request: HttpRequest, form: NewsForm, item: NewsItem | None) -> HttpResponse:
    fields = form.service_fields()
    fields.pop("cover")
    try:
        values = services.news_values(**fields)
    except ValidationError as error:
        add_service_errors(form, error)
        return _news_form_page(request, form, item, status=400)
    unsaved = NewsItem(**values)
    if item is not None:
        unsaved.pk = item.pk
        unsaved.state = item.state
        unsaved.published_at = item.published_at
        if not form.cleaned_data.get("remove_cover"):
            unsaved.cover = item.cover
    return _preview(
        request,
        form,
        "site/news_detail.html",
        lambda: news_context(unsaved),
        editor_url=request.path,
        public_url=news_url(item) if item is not None and item.is_published else "",
    )


@login_required
@never_cache
@require_safe
def news_list(request: HttpRequest) -> HttpResponse:
    listing = Paginator(news_for_editor(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/editor/news_list.html", {"page": listing})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def news_new(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    if request.method != "POST":
        return _news_form_page(request, NewsForm(), None)
    form = NewsForm(request.POST, request.FILES)
    if form.is_valid():
        if _previewing(request):
            return _news_preview(request, form, None)
        item = _save(
            request,
            form,
            lambda: services.news_create(
                actor=_actor(request), request=request, **form.service_fields()
            ),
            _("The news item was saved as a draft. Publish it when it is ready."),
        )
        if item is not None:
            return HttpResponseRedirect(reverse("site-editor:news-edit", args=[item.pk]))
    return _news_form_page(request, form, None, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def news_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = news_item_for_editor(request, pk)
    has_cover = item.cover_id is not None
    if request.method != "POST":
        form = NewsForm(initial=_news_initial(item), has_cover=has_cover)
        return _news_form_page(request, form, item)
    form = NewsForm(request.POST, request.FILES, has_cover=has_cover)
    if form.is_valid():
        if _previewing(request):
            return _news_preview(request, form, item)
        saved = _save(
            request,
            form,
            lambda: services.news_update(
                actor=_actor(request),
                news_id=item.pk,
                expected_version=form.version_seen(),
                remove_cover=bool(form.cleaned_data.get("remove_cover")),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved.")
            + (" " + _("They show on the public site now.") if item.is_published else ""),
        )
        if saved is not None:
            return HttpResponseRedirect(reverse("site-editor:news-edit", args=[item.pk]))
    return _news_form_page(request, form, item, status=400)


@login_required
@never_cache
@require_POST
def news_publish(request: HttpRequest, pk: int) -> HttpResponse:
    item = news_item_for_editor(request, pk)
    form = _publish_form(request)
    try:
        if form is None:
            raise ValidationError(_("Choose publish or unpublish."), code="invalid")
        saved = services.news_publish(
            actor=_actor(request),
            news_id=item.pk,
            expected_version=form.version_seen(),
            publish=form.cleaned_data["publish"],
            request=request,
        )
    except ValidationError as error:
        form_page = NewsForm(initial=_news_initial(item), has_cover=item.cover_id is not None)
        return _news_form_page(request, form_page, item, status=400, action_errors=_errors(error))
    messages.success(
        request,
        _("The news item is published.")
        if saved.is_published
        else _("The news item is no longer public."),
    )
    return HttpResponseRedirect(reverse("site-editor:news-edit", args=[item.pk]))


@login_required
@never_cache
@require_POST
def news_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = news_item_for_editor(request, pk)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.news_delete(
            actor=_actor(request),
            news_id=item.pk,
            expected_version=form.version_seen(),
            request=request,
        )
    except ValidationError as error:
        form_page = NewsForm(initial=_news_initial(item), has_cover=item.cover_id is not None)
        return _news_form_page(request, form_page, item, status=400, action_errors=_errors(error))
    messages.success(request, _("The news item was deleted."))
    return HttpResponseRedirect(reverse("site-editor:news-list"))


# --------------------------------------------------------------------------- events


def _event_initial(event: Event) -> dict[str, Any]:
    from django.utils import timezone

    return {
        **_texts_initial(event, plain=("title",), rich=("description",)),
        "version": event.version,
        "starts_at": timezone.localtime(event.starts_at),
        "ends_at": timezone.localtime(event.ends_at) if event.ends_at else None,
        "place": event.place,
        "venue": event.venue,
    }


def _event_form_page(
    request: HttpRequest,
    form: EventForm,
    event: Event | None,
    *,
    status: int = 200,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "site/editor/event_form.html",
        {
            "form": form,
            "event": event,
            "public_url": event_url(event) if event is not None and event.is_published else "",
            "action_errors": action_errors or [],
        },
        status=status,
    )


def _event_preview(request: HttpRequest, form: EventForm, event: Event | None) -> HttpResponse:
    try:
        values = services.event_values(**form.service_fields())
    except ValidationError as error:
        add_service_errors(form, error)
        return _event_form_page(request, form, event, status=400)
    unsaved = Event(**values)
    if event is not None:
        unsaved.pk = event.pk
    return _preview(
        request,
        form,
        "site/event_detail.html",
        lambda: event_context(unsaved),
        editor_url=request.path,
        public_url=event_url(event) if event is not None and event.is_published else "",
    )


@login_required
@never_cache
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    listing = Paginator(events_for_editor(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site/editor/event_list.html", {"page": listing})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    if request.method != "POST":
        return _event_form_page(request, EventForm(), None)
    form = EventForm(request.POST)
    if form.is_valid():
        if _previewing(request):
            return _event_preview(request, form, None)
        event = _save(
            request,
            form,
            lambda: services.event_create(
                actor=_actor(request), request=request, **form.service_fields()
            ),
            _("The event was saved. It is not public until you publish it."),
        )
        if event is not None:
            return HttpResponseRedirect(reverse("site-editor:event-edit", args=[event.pk]))
    return _event_form_page(request, form, None, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for_editor(request, pk)
    if request.method != "POST":
        return _event_form_page(request, EventForm(initial=_event_initial(event)), event)
    form = EventForm(request.POST)
    if form.is_valid():
        if _previewing(request):
            return _event_preview(request, form, event)
        saved = _save(
            request,
            form,
            lambda: services.event_update(
                actor=_actor(request),
                event_id=event.pk,
                expected_version=form.version_seen(),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved.")
            + (" " + _("They show on the public site now.") if event.is_published else ""),
        )
        if saved is not None:
            return HttpResponseRedirect(reverse("site-editor:event-edit", args=[event.pk]))
    return _event_form_page(request, form, event, status=400)


@login_required
@never_cache
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for_editor(request, pk)
    form = _publish_form(request)
    try:
        if form is None:
            raise ValidationError(_("Choose publish or unpublish."), code="invalid")
        saved = services.event_publish(
            actor=_actor(request),
            event_id=event.pk,
            expected_version=form.version_seen(),
            publish=form.cleaned_data["publish"],
            request=request,
        )
    except ValidationError as error:
        form_page = EventForm(initial=_event_initial(event))
        return _event_form_page(request, form_page, event, status=400, action_errors=_errors(error))
    messages.success(
        request,
        _("The event is published.") if saved.is_published else _("The event is no longer public."),
    )
    return HttpResponseRedirect(reverse("site-editor:event-edit", args=[event.pk]))


@login_required
@never_cache
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_for_editor(request, pk)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.event_delete(
            actor=_actor(request),
            event_id=event.pk,
            expected_version=form.version_seen(),
            request=request,
        )
    except ValidationError as error:
        form_page = EventForm(initial=_event_initial(event))
        return _event_form_page(request, form_page, event, status=400, action_errors=_errors(error))
    messages.success(request, _("The event was deleted."))
    return HttpResponseRedirect(reverse("site-editor:event-list"))


# --------------------------------------------------------------------------- partners


def _partner_initial(partner: Partner) -> dict[str, Any]:
    return {
        "version": partner.version,
        "name_km": partner.name_km,
        "name_en": partner.name_en,
        "kind": partner.kind,
        "url": partner.url,
        "position": partner.position,
    }


def _partners_page(request: HttpRequest, form: PartnerForm, *, status: int = 200) -> HttpResponse:
    partners = list(partners_for_editor(request))
    return render(
        request,
        "site/editor/partner_list.html",
        {
            "form": form,
            "partners": [p for p in partners if p.kind == PartnerKind.PARTNER],
            "donors": [p for p in partners if p.kind == PartnerKind.DONOR],
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def partner_list(request: HttpRequest) -> HttpResponse:
    require_editor(request)
    if request.method != "POST":
        return _partners_page(request, PartnerForm())
    form = PartnerForm(request.POST, request.FILES)
    if form.is_valid():
        partner = _save(
            request,
            form,
            lambda: services.partner_create(
                actor=_actor(request), request=request, **form.service_fields()
            ),
            _("The partner was added to the public site."),
        )
        if partner is not None:
            return HttpResponseRedirect(reverse("site-editor:partner-list"))
    return _partners_page(request, form, status=400)


def _partner_form_page(
    request: HttpRequest,
    form: PartnerForm,
    partner: Partner,
    *,
    status: int = 200,
    action_errors: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "site/editor/partner_form.html",
        {"form": form, "partner": partner, "action_errors": action_errors or []},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for_editor(request, pk)
    has_logo = partner.logo_id is not None
    if request.method != "POST":
        form = PartnerForm(initial=_partner_initial(partner), has_logo=has_logo)
        return _partner_form_page(request, form, partner)
    form = PartnerForm(request.POST, request.FILES, has_logo=has_logo)
    if form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.partner_update(
                actor=_actor(request),
                partner_id=partner.pk,
                expected_version=form.version_seen(),
                remove_logo=bool(form.cleaned_data.get("remove_logo")),
                request=request,
                **form.service_fields(),
            ),
            _("The changes were saved. They show on the public site now."),
        )
        if saved is not None:
            return HttpResponseRedirect(reverse("site-editor:partner-list"))
    return _partner_form_page(request, form, partner, status=400)


@login_required
@never_cache
@require_POST
def partner_delete(request: HttpRequest, pk: int) -> HttpResponse:
    partner = partner_for_editor(request, pk)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.partner_delete(
            actor=_actor(request),
            partner_id=partner.pk,
            expected_version=form.version_seen(),
            request=request,
        )
    except ValidationError as error:
        page_form = PartnerForm(
            initial=_partner_initial(partner), has_logo=partner.logo_id is not None
        )
        return _partner_form_page(
            request, page_form, partner, status=400, action_errors=_errors(error)
        )
    messages.success(request, _("The partner was removed from the public site."))
    return HttpResponseRedirect(reverse("site-editor:partner-list"))


# --------------------------------------------------------------------------- photos


@login_required
@require_safe
def photo_file(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """Any of the website's photos, for the editor and its previews (drafts' covers
    included); private to the browser."""
    return photo_response(photo_for_editor(request, pk), size)
