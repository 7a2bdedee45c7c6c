"""Staff page actions of migra.sharing: the editor's "try again now". The Facebook box
itself is drawn on the story page by `{% include "sharing/_facebook_status.html" %}`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from migra.sharing import services
from migra.stories.selectors import story_get_for_user


@login_required
@require_POST
def facebook_retry(request: HttpRequest, story_pk: int) -> HttpResponse:
    story = story_get_for_user(request, story_pk, log=False)  # 404, or a logged 403
    try:
        services.facebook_retry_now(
            actor=request.user,  # type: ignore[arg-type]
            story_id=story.pk,
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Migra is trying again to reach Facebook."))
    return HttpResponseRedirect(reverse("stories:detail", args=[story.pk]) + "#facebook")
