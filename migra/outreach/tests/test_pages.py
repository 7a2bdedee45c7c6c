"""HTTP-level tests: the role matrix and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.outreach import services
from migra.outreach.models import Attendance, AudienceCount, Event

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _post_event(client, **extra):
    data = {
        "kind": "awareness",
        "title": "ការប្រជុំ safe migration",
        "place": "01020101",
        "date": YESTERDAY.isoformat(),
        "materials": "Leaflets",
        "notes": "",
        "c-n__female__18-24__youth": "៥",  # Khmer digits
        "c-n__male__0-14__general_public": "3",
    }
    data.update(extra)
    return client.post(reverse("outreach:new"), data)


# ------------------------------------------------------------------ role matrix


@pytest.mark.parametrize(
    ("name", "status"),
    [("gina", 200), ("alice", 403), ("erin", 403), ("charlie", 403), ("dan", 403)],
)
def test_list_and_new_by_role(cast, as_user, name, status):
    client = as_user(cast.users[name])
    assert client.get(reverse("outreach:list")).status_code == status
    assert client.get(reverse("outreach:new")).status_code == status


@pytest.mark.parametrize(
    ("name", "status"),
    [("alice", 200), ("erin", 200), ("frank", 200), ("gina", 403), ("charlie", 403)],
)
def test_reach_page_by_role(cast, as_user, name, status):
    client = as_user(cast.users[name])
    assert client.get(reverse("outreach:reach")).status_code == status


def test_anonymous_user_redirected(client):
    response = client.get(reverse("outreach:list"))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["alice", "erin", "charlie", "dan", "frank"])
def test_event_out_of_scope_is_logged_403(cast, as_user, event, name):
    e = event()
    client = as_user(cast.users[name])
    for url in (
        reverse("outreach:detail", args=[e.pk]),
        reverse("outreach:edit", args=[e.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("outreach:attendance-add", args=[e.pk]), {}).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.DENIED, object_type="outreach.event", object_id=str(e.pk)
    ).exists()


def test_missing_event_is_404(cast, as_user):
    client = as_user(cast.users["gina"])
    assert client.get(reverse("outreach:detail", args=[999999])).status_code == 404


# ------------------------------------------------------------------ pages


def test_record_event_through_the_form(cast, as_user):
    client = as_user(cast.users["gina"])
    response = _post_event(client)
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.organiser == cast.users["gina"]
    assert sorted(AudienceCount.objects.values_list("count", flat=True)) == [3, 5]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "8 people counted" in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="outreach.event").exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
        {"date": "not a date"},
        {"c-n__female__18-24__youth": "-4"},
        {"c-n__female__18-24__youth": "99999999"},
        {"c-n__female__18-24__youth": "1" * 30},
        {"title": ""},
        {"kind": "party"},
        {"place": "010202"},
    ],
)
def test_bad_form_input(cast, as_user, extra):
    client = as_user(cast.users["gina"])
    response = _post_event(client, **extra)
    assert response.status_code == 400
    assert not Event.objects.exists()


def test_future_date_message(cast, as_user):
    client = as_user(cast.users["gina"])
    response = _post_event(client, date=(timezone.localdate() + dt.timedelta(days=2)).isoformat())
    assert "cannot be in the future" in response.content.decode()


def test_hostile_title_is_escaped(cast, as_user):
    client = as_user(cast.users["gina"])
    _post_event(client, title="<script>alert(1)</script>")
    page = client.get(reverse("outreach:detail", args=[Event.objects.get().pk]))
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


def test_list_shows_mine_first(cast, as_user, event):
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    other = User.objects.create_user(email="pea@example.org", password="x" * 20, full_name="Pea")
    m = Membership.objects.create(
        user=other, agency=cast.agencies["lead"], role=Role.PEER_EDUCATOR, all_places=False
    )
    m.places.set([cast.places["010201"]])
    event(actor=other, title="Theirs newest", date=YESTERDAY)
    event(title="Mine older", date=YESTERDAY - dt.timedelta(days=5))
    content = as_user(cast.users["gina"]).get(reverse("outreach:list")).content.decode()
    assert content.index("Mine older") < content.index("Theirs newest")


def test_add_attendee_through_search_and_twice(cast, as_user, event, person):
    e = event()
    p = person("Sokha Chan")
    client = as_user(cast.users["gina"])
    url = reverse("outreach:attendance-add", args=[e.pk])
    response = client.post(url, {"person": p.pk, "category": "youth"})
    assert response.status_code == 302
    response = client.post(url, {"person": p.pk, "category": "youth"})
    assert response.status_code == 400
    assert "already on the list" in response.content.decode()
    assert Attendance.objects.filter(event=e).count() == 1
    assert client.post(url, {"person": "abc", "category": "youth"}).status_code == 400
    assert client.post(url, {"person": p.pk, "category": "cats"}).status_code == 400
    page = client.get(reverse("outreach:detail", args=[e.pk])).content.decode()
    assert "Sokha Chan" in page
    assert "1 registered person" in page


def test_add_attendee_outside_scope_is_403(cast, as_user, event, sr_village):
    from migra.people.services import NameInput, person_register

    other = person_register(
        actor=cast.users["dan"],
        names=[NameInput(value="Far Away")],
        sex="male",
        home_village=sr_village,
        approximate_age=40,
    )
    e = event()
    client = as_user(cast.users["gina"])
    response = client.post(
        reverse("outreach:attendance-add", args=[e.pk]), {"person": other.pk, "category": "youth"}
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_remove_attendee(cast, as_user, event, person):
    e = event()
    a = services.event_attendance_add(
        actor=cast.users["gina"], event_id=e.pk, person_id=person("Sokha").pk
    )
    client = as_user(cast.users["gina"])
    url = reverse("outreach:attendance-remove", args=[e.pk, a.pk])
    assert client.post(url).status_code == 302
    assert not Attendance.objects.exists()


def test_edit_with_stale_version(cast, as_user, event):
    e = event()
    client = as_user(cast.users["gina"])
    data = {
        "kind": "awareness",
        "title": "Renamed",
        "place": "01020101",
        "date": YESTERDAY.isoformat(),
        "version": "1",
    }
    assert client.post(reverse("outreach:edit", args=[e.pk]), data).status_code == 302
    response = client.post(reverse("outreach:edit", args=[e.pk]), {**data, "title": "Lost"})
    assert response.status_code == 400
    assert "Someone else changed this event" in response.content.decode()
    assert Event.objects.get(pk=e.pk).title == "Renamed"


def test_knowledge_test_pages(cast, as_user, event):
    e = event(kind="training_civil_society")
    client = as_user(cast.users["gina"])
    response = client.post(
        reverse("outreach:test-questions", args=[e.pk]), {"questions": "A?\nB?\nC?"}
    )
    assert response.status_code == 302
    url = reverse("outreach:test-score", args=[e.pk])
    assert client.post(url, {"label": "P1", "before": "1", "after": "3"}).status_code == 302
    assert client.post(url, {"label": "P2", "before": "២", "after": "2"}).status_code == 302
    assert client.post(url, {"label": "P3", "before": "9"}).status_code == 400
    assert client.post(url, {"before": "1"}).status_code == 400
    page = client.get(reverse("outreach:detail", args=[e.pk])).content.decode()
    assert "1.5 / 3" in page
    assert "2.5 / 3" in page
    assert "1 of 2" in page


def test_reach_page_masks_small_numbers_for_donor(cast, as_user, event, person):
    e = event(counts=[{"sex": "female", "age_band": "18-24", "category": "youth", "count": 3}])
    services.event_attendance_add(
        actor=cast.users["gina"], event_id=e.pk, person_id=person("Sokha").pk
    )
    donor = as_user(cast.users["erin"]).get(reverse("outreach:reach")).content.decode()
    assert "&lt; 5" in donor
    assert "registered persons reached (unique)" in donor
    admin = as_user(cast.users["alice"]).get(
        reverse("outreach:reach"), {"province": "01", "sex": "female"}
    )
    assert admin.status_code == 200
    assert admin.context["total"]["unique"] == "1"
    assert admin.context["total"]["anonymous"] == "3"
    assert admin.context["by_place"][0]["unique"] == "1"


def test_reach_page_bad_filters(cast, as_user):
    client = as_user(cast.users["alice"])
    response = client.get(
        reverse("outreach:reach"), {"since": "yesterday", "province": "<x>" * 100, "sex": "??"}
    )
    assert response.status_code == 200


def test_search_offers_registered_persons_not_on_the_list(cast, as_user, event, person):
    e = event()
    p = person("Sokha Chan")
    q = person("Sokha Meas")
    services.event_attendance_add(actor=cast.users["gina"], event_id=e.pk, person_id=q.pk)
    client = as_user(cast.users["gina"])
    response = client.get(reverse("outreach:detail", args=[e.pk]), {"q": "Sokha"})
    assert response.status_code == 200
    assert [m.pk for m in response.context["matches"]] == [p.pk]
    hostile = client.get(reverse("outreach:detail", args=[e.pk]), {"q": "<b>" + "x" * 500})
    assert hostile.status_code == 200


def test_peer_educator_without_people_access_sees_no_names(cast, as_user, event, person):
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    pea = User.objects.create_user(email="pea@example.org", password="x" * 20, full_name="Pea")
    m = Membership.objects.create(
        user=pea, agency=cast.agencies["lead"], role=Role.PEER_EDUCATOR, all_places=False
    )
    m.places.set([cast.places["010201"]])
    e = event()
    services.event_attendance_add(
        actor=cast.users["gina"], event_id=e.pk, person_id=person("Secret Name").pk
    )
    page = as_user(pea).get(reverse("outreach:detail", args=[e.pk])).content.decode()
    assert "Secret Name" not in page
    assert "A registered person" in page


@pytest.mark.parametrize(
    ("agency", "place"),
    [("crisis", "010201"), ("lead", "010202"), ("lead", "170101")],
)
def test_outreach_worker_elsewhere_gets_logged_403(cast, as_user, event, agency, place):
    from migra.accounts.models import Membership, User
    from migra.accounts.roles import Role

    other = User.objects.create_user(email="sa@example.org", password="x" * 20, full_name="Sa")
    m = Membership.objects.create(
        user=other, agency=cast.agencies[agency], role=Role.SOCIAL_AMBASSADOR, all_places=False
    )
    m.places.set([cast.places[place]])
    e = event()
    client = as_user(other)
    assert client.get(reverse("outreach:list")).status_code == 200
    assert e.title not in client.get(reverse("outreach:list")).content.decode()
    assert client.get(reverse("outreach:detail", args=[e.pk])).status_code == 403
    response = client.post(
        reverse("outreach:test-questions", args=[e.pk]), {"questions": "Hijack?"}
    )
    assert response.status_code == 403
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, object_id=str(e.pk), actor_id=other.pk
        ).count()
        == 2
    )


def test_edit_page_shows_the_counts(cast, as_user, event):
    e = event(counts=[{"sex": "male", "age_band": "60+", "category": "families", "count": 17}])
    page = as_user(cast.users["gina"]).get(reverse("outreach:edit", args=[e.pk]))
    assert page.status_code == 200
    assert 'name="c-n__male__60+__families"' in page.content.decode()
    assert 'value="17"' in page.content.decode()
