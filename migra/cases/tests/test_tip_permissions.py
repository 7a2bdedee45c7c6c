"""Who sees which tip: the triage queue and the tip page for the whole cast.

Tips have no agency: MANAGE_CASES over the tip's place is what counts. A tip without a
place, or abroad, is seen only by users whose membership covers every place.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from migra.accounts.models import User
from migra.audit.models import AuditAction, AuditEvent
from migra.cases.models import Tip
from migra.cases.tip_selectors import tip_triagers, tips_visible_to

pytestmark = pytest.mark.django_db

# Who may triage which tip; users not listed may not open the queue at all.
EXPECTED = {
    "carol": {"bm"},
    "dan": {"sr"},
    "lena": {"bm"},
    "sam": {"bm", "sr"},
    "rosa": {"bm", "sr", "th", "none"},
}
NO_QUEUE = ["alice", "bob", "erin", "frank", "gina", "charlie"]


@pytest.fixture
def everyone(cast: Any, supervisor: User, rosa: User, lena: User) -> dict[str, User]:
    return {**cast.users, "sam": supervisor, "rosa": rosa, "lena": lena}


@pytest.mark.parametrize("name", [*EXPECTED, *NO_QUEUE])
def test_selector_matrix(everyone: dict[str, User], tips: dict[str, Tip], name: str) -> None:
    visible = set(tips_visible_to(everyone[name]).values_list("pk", flat=True))
    expected = {tips[key].pk for key in EXPECTED.get(name, set())}
    assert visible == expected


@pytest.mark.parametrize("name", list(EXPECTED))
def test_queue_and_tip_pages_matrix(
    client: Client,
    everyone: dict[str, User],
    tips: dict[str, Tip],
    as_user: Any,
    name: str,
) -> None:
    user = everyone[name]
    client = as_user(user)
    html = client.get("/app/cases/tips/?status=all").content.decode()
    for key, tip in tips.items():
        link = f'href="/app/cases/tips/{tip.pk}/"'
        if key in EXPECTED[name]:
            assert link in html, key
            response = client.get(f"/app/cases/tips/{tip.pk}/")
            assert response.status_code == 200, key
        else:
            assert link not in html, key
            before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
            response = client.get(f"/app/cases/tips/{tip.pk}/")
            assert response.status_code == 403, key
            denied = AuditEvent.objects.filter(action=AuditAction.DENIED).order_by("-seq")
            assert denied.count() == before + 1
            event = denied.first()
            assert event is not None
            assert (event.actor_id, event.object_type, event.object_id) == (
                user.pk,
                "cases.tip",
                str(tip.pk),
            )


@pytest.mark.parametrize("name", NO_QUEUE)
def test_roles_without_case_management_get_no_queue(
    client: Client,
    everyone: dict[str, User],
    tips: dict[str, Tip],
    as_user: Any,
    name: str,
) -> None:
    client = as_user(everyone[name])
    for url in (
        "/app/cases/tips/",
        "/app/cases/tips/new/",
        f"/app/cases/tips/{tips['bm'].pk}/",
        f"/app/cases/tips/{tips['bm'].pk}/open/",
    ):
        assert client.get(url).status_code == 403, url
    for action in ("dismiss", "merge", "open"):
        response = client.post(f"/app/cases/tips/{tips['bm'].pk}/{action}/", {"version": 1})
        assert response.status_code == 403, action
    assert Tip.objects.get(pk=tips["bm"].pk).status == "new"


def test_anonymous_visitors_are_sent_to_log_in(client: Client, tips: dict[str, Tip]) -> None:
    response = client.get("/app/cases/tips/")
    assert response.status_code == 302
    assert "/app/login/" in response["Location"]
    response = client.get(f"/app/cases/tips/{tips['bm'].pk}/")
    assert response.status_code == 302


def test_a_tip_number_that_does_not_exist_is_404(client: Client, cast: Any, as_user: Any) -> None:
    client = as_user(cast.users["carol"])
    assert client.get("/app/cases/tips/999999/").status_code == 404
    assert client.post("/app/cases/tips/999999/dismiss/", {"version": 1}).status_code == 404


def test_an_out_of_scope_action_is_a_logged_403_and_changes_nothing(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
) -> None:
    client = as_user(cast.users["dan"])
    tip = tips["bm"]
    response = client.post(
        f"/app/cases/tips/{tip.pk}/dismiss/", {"version": tip.version, "reason": "spam"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="cases.tip", object_id=str(tip.pk)
    ).exists()
    tip.refresh_from_db()
    assert (tip.status, tip.version, tip.dismiss_reason) == ("new", 1, "")


def test_viewing_a_tip_is_logged(
    client: Client,
    cast: Any,
    tips: dict[str, Tip],
    as_user: Any,
) -> None:
    client = as_user(cast.users["carol"])
    tip = tips["bm"]
    assert client.get(f"/app/cases/tips/{tip.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="cases.tip").get()
    assert (event.actor_id, event.object_id, event.object_label) == (
        cast.users["carol"].pk,
        str(tip.pk),
        f"tip #{tip.pk}",
    )
    # The queue shows no text of any tip: reading one is always a logged view.
    html = client.get("/app/cases/tips/").content.decode()
    assert "Rayong" not in html and "012" not in html


def test_triagers_match_the_queue(
    everyone: dict[str, User],
    tips: dict[str, Tip],
) -> None:
    for key, tip in tips.items():
        expected = {everyone[n] for n, keys in EXPECTED.items() if key in keys}
        assert set(tip_triagers(tip)) == expected, key


def test_inactive_users_and_memberships_are_not_told(
    everyone: dict[str, User],
    tips: dict[str, Tip],
    cast: Any,
) -> None:
    carol = everyone["carol"]
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    everyone["lena"].memberships.update(is_active=False)
    assert set(tip_triagers(tips["bm"])) == {everyone["sam"], everyone["rosa"]}
    cast.agencies["crisis"].is_active = False
    cast.agencies["crisis"].save(update_fields=["is_active"])
    assert set(tip_triagers(tips["bm"])) == set()


@pytest.mark.django_db
def test_field_workers_pass_on_concerns_but_not_hotline_calls(cast) -> None:  # noqa: F811
    from django.core.exceptions import PermissionDenied

    from migra.cases.models import TipSource
    from migra.cases.tip_services import tip_submit

    tip = tip_submit(
        source=TipSource.SHG, text="A neighbour's son is locked in", actor=cast.users["gina"]
    )
    assert tip.recorded_by == cast.users["gina"]
    with pytest.raises(PermissionDenied):
        tip_submit(source=TipSource.HOTLINE, text="A call", actor=cast.users["gina"])
    for name in ("erin", "frank", "charlie"):
        with pytest.raises(PermissionDenied):
            tip_submit(source=TipSource.OTHER, text="Heard at market", actor=cast.users[name])
