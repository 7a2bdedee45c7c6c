"""`{% facebook_status story as facebook %}`: the Facebook box of the staff story page
for the user viewing it (None when it is not theirs to see)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def facebook_status(context: template.Context, story: Any) -> Any:
    from migra.sharing.selectors import facebook_status_for

    user = context.get("user")
    if story is None or user is None:
        return None
    return facebook_status_for(user, story)
