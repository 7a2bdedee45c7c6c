"""Template helpers for the referrals section of the case page.

`{% referral_section case referrals as section %}` gives the rows to show (each
referral with the time of its last activity) and whether the user may refer the
case, in a fixed number of queries whatever the number of referrals.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def referral_section(context: template.Context, case: Any, referrals: Any) -> dict[str, Any]:
    from migra.cases.referral_selectors import referral_rows_for_case, user_may_refer

    user = context.get("user")
    rows = referral_rows_for_case(list(referrals or []))
    return {"rows": rows, "may_refer": user_may_refer(user, case)}
