"""The community pages over HTTP: the role matrix, the bad input of the issue, and the
done-when path (meeting → migrant through a broker to Thailand → "unpaid wages" →
the screening pre-filled)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from migra.audit.models import AuditAction, AuditEvent
from migra.community.models import FollowUp, Group, Meeting, RegisterEntry, RegisterProblem
from migra.people.models import Person
from migra.screening.selectors import catalogue_current
from migra.screening.services import catalogue_load_shipped

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> None:
    catalogue_load_shipped()
    assert catalogue_current() is not None


def _checked(html: str, topic: str) -> str | None:
    """The answer pre-selected for a screening question, if any."""
    found = re.search(rf'name="q_{topic}" value="(\w+)" checked', html)
    return found.group(1) if found else None


def _meeting_data(members, **extra) -> dict:
    data = {
        "held_on": timezone.localdate().isoformat(),
        "venue": "Pagoda",
        "topics": ["safe_migration", "where_to_get_help"],
        "attendees": [str(m.pk) for m in members],
        "guests_female_under_18": "2",
        "guests_male_18_59": "",
        "decisions": "",
        "follow_up": "",
    }
    data.update(extra)
    return data


def test_done_when_path(world, group, members, catalogue, as_user):
    gina = world.users["gina"]
    client = as_user(gina)
    home = client.get("/app/community/")
    assert home.status_code == 200
    assert "Banteay Neang SHG" in home.content.decode()
    assert "Next meeting: due now" in home.content.decode()
    assert "community/community.css" in home.content.decode()

    # 1. A meeting with attendance (two members ticked, two girls as guests).
    page = client.get(f"/app/community/groups/{group.pk}/meetings/new/")
    assert page.status_code == 200 and "Women and girls" in page.content.decode()
    response = client.post(
        f"/app/community/groups/{group.pk}/meetings/new/",
        _meeting_data(
            members[:2],
            follow_up="Visit the families",
            follow_up_owner=str(gina.pk),
            follow_up_due_on=(timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        ),
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.attendees.count() == 2 and meeting.guests == 2
    assert "Visit the families" in client.get("/app/community/").content.decode()

    # 2. A migrant who left through a broker to a Thai province (a new person).
    response = client.post(
        "/app/community/register/new/",
        {
            "names": "សុខ ស្រីនិច",
            "sex": "female",
            "approximate_age": "២២",  # Khmer digits
            "home_village": "01020101",
            "commune": "010201",
            "departed_on": (timezone.localdate() - dt.timedelta(days=60)).isoformat(),
            "destination": "TH-27",
            "channel": "broker",
            "sector": "construction",
            "debt_amount": "300",
            "debt_currency": "USD",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = RegisterEntry.objects.get()
    assert entry.channel == "broker" and entry.destination.code == "TH-27"
    assert entry.person.birth_year == timezone.localdate().year - 22

    # 3. Later, "unpaid wages".
    response = client.post(
        f"/app/community/register/{entry.pk}/problems/", {"problems": ["unpaid_wages"]}
    )
    assert response.status_code == 302
    assert RegisterProblem.objects.get().kind == "unpaid_wages"
    page = client.get(response["Location"]).content.decode()
    link = re.search(r'id="screen-now" href="([^"]+)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url == (f"/app/screening/new/?mode=guided&person={entry.person_id}&prefill=unpaid_wages")
    # The problem waits on the home page with the same button.
    assert "Problems waiting" in client.get("/app/community/").content.decode()

    # 4. The screening, with the answer about wages pre-selected (and changeable).
    screening = client.get(url)
    assert screening.status_code == 200
    html = screening.content.decode()
    assert _checked(html, "dest_wages_withheld") == "yes"
    assert _checked(html, "work_low_no_pay") == "yes"
    assert _checked(html, "dest_documents") is None
    assert 'name="q_dest_wages_withheld" value="no"' in html


def test_prefill_unknown_codes_are_ignored(world, catalogue, register, as_user):
    person = register()
    client = as_user(world.users["gina"])
    response = client.get(
        f"/app/screening/new/?mode=guided&person={person.pk}&prefill=bogus,<script>," + "x" * 5000
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q_dest_wages_withheld"' in html
    assert not re.search(r'name="q_\w+" value="yes" checked', html)


def test_meeting_in_the_future_is_refused_with_a_clear_error(world, group, members, as_user):
    client = as_user(world.users["gina"])
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = client.post(
        f"/app/community/groups/{group.pk}/meetings/new/",
        _meeting_data(members, held_on=future),
    )
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"held_on": "31/02/2025"},
        {"held_on": "x" * 500},
        {"topics": ["nonsense"]},
        {"attendees": ["999999"]},
        {"guests_female_under_18": "-3"},
        {"guests_female_under_18": "many"},
        {"venue": "x" * 201},
        {"follow_up": "Call", "follow_up_owner": ""},
    ],
)
def test_meeting_form_bad_input(world, group, members, as_user, extra):
    client = as_user(world.users["gina"])
    response = client.post(
        f"/app/community/groups/{group.pk}/meetings/new/", _meeting_data(members, **extra)
    )
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_attendance_larger_than_the_group_without_guests_over_http(world, group, members, as_user):
    client = as_user(world.users["gina"])
    url = f"/app/community/groups/{group.pk}/meetings/new/"
    data = _meeting_data(members, guests_female_under_18="", attendance_total="7")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "More people attended than the group has members" in response.content.decode()
    assert not Meeting.objects.exists()
    data.update(guests_female_under_18="4")  # 3 members + 4 guests
    assert client.post(url, data).status_code == 302


def test_hostile_text_is_escaped(world, group, members, as_user):
    client = as_user(world.users["gina"])
    response = client.post(
        f"/app/community/groups/{group.pk}/meetings/new/",
        _meeting_data(members, venue="<script>alert(1)</script>"),
    )
    assert response.status_code == 302
    html = client.get(f"/app/community/groups/{group.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_return_before_departure_over_http(world, register, as_user):
    person = register()
    client = as_user(world.users["gina"])
    response = client.post(
        "/app/community/register/new/",
        {
            "person": str(person.pk),
            "commune": "010201",
            "departed_on": "2025-03-01",
            "returned_on": "2025-02-01",
            "return_reason": "family",
        },
    )
    assert response.status_code == 400
    assert "before the departure date" in response.content.decode()
    assert not RegisterEntry.objects.exists()


def test_same_migrant_twice_shows_the_registered_person(world, as_user):
    data = {
        "names": "សុខ ស្រីនិច",
        "sex": "female",
        "approximate_age": "22",
        "home_village": "01020101",
        "commune": "010201",
        "channel": "broker",
    }
    assert (
        as_user(world.users["gina"]).post("/app/community/register/new/", data).status_code == 302
    )
    first = Person.objects.get()
    response = as_user(world.users["ivan"]).post("/app/community/register/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "already registered" in html
    assert f"/app/people/{first.pk}/" in html
    assert Person.objects.count() == 1
    data["confirm_possible_duplicate"] = "on"
    assert (
        as_user(world.users["ivan"]).post("/app/community/register/new/", data).status_code == 302
    )
    assert Person.objects.count() == 2


def test_writing_into_another_communes_group_is_403_and_logged(
    world, group, other_group, members, as_user
):
    client = as_user(world.users["gina"])
    before = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    for method, url, data in [
        ("get", f"/app/community/groups/{other_group.pk}/", None),
        ("get", f"/app/community/groups/{other_group.pk}/meetings/new/", None),
        ("post", f"/app/community/groups/{other_group.pk}/meetings/new/", _meeting_data([])),
        (
            "post",
            f"/app/community/groups/{other_group.pk}/members/",
            {"person": "1", "role": "community_leader"},
        ),
    ]:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 403, url
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 4
    assert not Meeting.objects.exists()
    # A register entry in another commune: refused and logged too.
    response = client.post(
        "/app/community/register/new/",
        {"person": str(members[0].person_id), "commune": "010202"},
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == before + 5


@pytest.mark.parametrize(
    ("user", "home", "group_page"),
    [
        ("gina", 200, 200),
        ("ivan", 200, 200),
        ("hana", 200, 403),
        ("alice", 403, 403),
        ("bob", 403, 403),
        ("carol", 403, 403),
        ("dan", 403, 403),
        ("erin", 403, 403),
        ("frank", 403, 403),
        ("charlie", 403, 403),
    ],
)
def test_role_matrix(world, group, as_user, user, home, group_page):
    client = as_user(world.users[user])
    assert client.get("/app/community/").status_code == home
    assert client.get("/app/community/groups/").status_code == home
    assert client.get("/app/community/register/").status_code == home
    assert client.get(f"/app/community/groups/{group.pk}/").status_code == group_page
    response = client.post(
        f"/app/community/groups/{group.pk}/meetings/new/",
        {"held_on": timezone.localdate().isoformat(), "topics": ["documents"]},
    )
    assert response.status_code == (302 if group_page == 200 else 403)


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/app/community/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_register_entry_page_logs_the_view_and_hides_from_others(world, register, as_user):
    from migra.community import services

    entry = services.register_entry_add(
        actor=world.users["gina"], commune=world.places["010201"], person=register()
    )
    response = as_user(world.users["gina"]).get(f"/app/community/register/{entry.pk}/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="people.person", object_id=str(entry.person_id)
    ).exists()
    assert (
        as_user(world.users["hana"]).get(f"/app/community/register/{entry.pk}/").status_code == 403
    )
    assert as_user(world.users["hana"]).get("/app/community/register/999999/").status_code == 404


def test_follow_up_done_over_http(world, group, members, as_user):
    from migra.community import services

    gina = world.users["gina"]
    services.meeting_record(
        actor=gina,
        group=group,
        held_on=timezone.localdate(),
        topics=["documents"],
        follow_ups=[services.FollowUpInput(action="Call", owner=gina, due_on=timezone.localdate())],
    )
    follow_up = FollowUp.objects.get()
    assert (
        as_user(world.users["hana"])
        .post(f"/app/community/follow-ups/{follow_up.pk}/done/")
        .status_code
        == 403
    )
    client = as_user(gina)
    assert client.get(f"/app/community/follow-ups/{follow_up.pk}/done/").status_code == 405
    assert client.post(f"/app/community/follow-ups/{follow_up.pk}/done/").status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None


def test_group_creation_over_http(world, as_user):
    client = as_user(world.users["gina"])
    assert client.get("/app/community/groups/new/").status_code == 200
    response = client.post(
        "/app/community/groups/new/", {"name": "New SHG", "commune": "010201", "status": "active"}
    )
    assert response.status_code == 302
    assert Group.objects.get().name == "New SHG"
    response = client.post(
        "/app/community/groups/new/", {"name": "Far", "commune": "170101", "status": "active"}
    )
    assert response.status_code == 403


def test_group_with_villages_and_facilitators(world, as_user):
    client = as_user(world.users["gina"])
    page = client.get("/app/community/groups/new/").content.decode()
    assert "Ivan" in page and "Hana" in page  # facilitators of the lead NGO
    data = {
        "name": "Two facilitators",
        "commune": "010201",
        "status": "active",
        "villages": ["01020101"],
        "facilitators": [str(world.users["gina"].pk), str(world.users["ivan"].pk)],
    }
    assert client.post("/app/community/groups/new/", data).status_code == 302
    group = Group.objects.get()
    assert {u.email for u in group.facilitators.all()} == {"gina@example.org", "ivan@example.org"}
    assert [v.code for v in group.villages.all()] == ["01020101"]
    # hana runs groups in another commune; a village of another commune is refused too.
    for bad in (
        {"facilitators": [str(world.users["hana"].pk)]},
        {"villages": ["01020201"]},
        {"facilitators": [str(world.users["alice"].pk)]},
        {"founded_on": "2999-01-01"},
        {"status": "zombie"},
    ):
        response = client.post("/app/community/groups/new/", {**data, **bad})
        assert response.status_code == 400, bad
    assert Group.objects.count() == 1


def test_pages_have_no_inline_script_or_style(world, group, members, as_user):
    client = as_user(world.users["gina"])
    for url in (
        "/app/community/",
        "/app/community/groups/",
        f"/app/community/groups/{group.pk}/",
        f"/app/community/groups/{group.pk}/meetings/new/",
        "/app/community/register/",
        "/app/community/register/new/",
    ):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html, url


def _entry_for(world, register):
    from migra.community import services

    return services.register_entry_add(
        actor=world.users["gina"],
        commune=world.places["010201"],
        person=register(),
        departed_on=dt.date(2025, 1, 5),
        channel="broker",
    )


def test_entry_edit_with_stale_version_is_a_conflict(world, register, as_user):
    entry = _entry_for(world, register)
    client = as_user(world.users["gina"])
    page = client.get(f"/app/community/register/{entry.pk}/edit/")
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()
    data = {
        "version": "1",
        "departed_on": "2025-01-05",
        "channel": "broker",
        "last_contact_on": "2025-06-01",
    }
    assert client.post(f"/app/community/register/{entry.pk}/edit/", data).status_code == 302
    data["last_contact_on"] = "2025-07-01"
    response = client.post(f"/app/community/register/{entry.pk}/edit/", data)
    assert response.status_code == 400
    assert "Someone else changed" in response.content.decode()
    entry.refresh_from_db()
    assert entry.version == 2 and entry.last_contact_on == dt.date(2025, 6, 1)
    data.update(version="2", returned_on="2024-12-01")
    response = client.post(f"/app/community/register/{entry.pk}/edit/", data)
    assert response.status_code == 400
    assert (
        as_user(world.users["hana"]).get(f"/app/community/register/{entry.pk}/edit/").status_code
        == 403
    )


def test_the_same_form_sent_twice_makes_one_record(world, group, members, register, as_user):
    client = as_user(world.users["gina"])
    token = "3f2b8c1e-4a5d-4e6f-8a9b-0c1d2e3f4a5b"
    data = _meeting_data(members[:1], token=token)
    for _ in range(2):
        assert (
            client.post(f"/app/community/groups/{group.pk}/meetings/new/", data).status_code == 302
        )
    assert Meeting.objects.count() == 1
    person = register("ចាន់ ស្រីមុំ")
    entry_data = {"person": str(person.pk), "commune": "010201", "token": token, "channel": "own"}
    for _ in range(2):
        assert client.post("/app/community/register/new/", entry_data).status_code == 302
    assert RegisterEntry.objects.count() == 1


def test_home_page_queries_stay_few(
    world, group, members, register, as_user, django_assert_max_num_queries
):
    from migra.community import services

    gina = world.users["gina"]
    for i in range(5):
        entry = services.register_entry_add(
            actor=gina, commune=world.places["010201"], person=register(f"ឈ្មោះ {i} ទី")
        )
        services.register_problem_report(actor=gina, entry=entry, problems=["threatened"])
        services.meeting_record(
            actor=gina,
            group=group,
            held_on=timezone.localdate(),
            topics=["documents"],
            follow_ups=[
                services.FollowUpInput(action=f"Do {i}", owner=gina, due_on=timezone.localdate())
            ],
        )
    client = as_user(gina)
    client.get("/app/community/")  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get("/app/community/")
    html = response.content.decode()
    assert html.count("Screen now") == 5
    assert html.count("Mark done") == 5
    assert "last meeting" in html and "Next meeting by" in html


def test_member_add_over_http(world, group, register, as_user):
    client = as_user(world.users["gina"])
    person = register("សុខ ចាន់")
    url = f"/app/community/groups/{group.pk}/members/"
    data = {"person": str(person.pk), "role": "returned_migrant"}
    assert client.post(url, data).status_code == 302
    assert group.members.get().person == person
    page = client.get(f"/app/community/groups/{group.pk}/").content.decode()
    assert "សុខ ចាន់" in page and "Returned migrant" in page
    # Twice, an unknown role, a person out of reach, junk: a message, nothing added.
    far = register("ចាន់ ថា", actor=world.users["hana"], village=world.places["010202-v"])
    for bad in (
        data,
        {"person": str(person.pk), "role": "king"},
        {"person": str(far.pk), "role": "returned_migrant"},
        {"person": "x" * 300, "role": "returned_migrant"},
        {"person": "99999999999999999999999", "role": "returned_migrant"},
    ):
        response = client.post(url, bad, follow=True)
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode() or "error" in response.content.decode()
    assert group.members.count() == 1


def test_problem_report_bad_input_over_http(world, register, as_user):
    entry = _entry_for(world, register)
    client = as_user(world.users["gina"])
    url = f"/app/community/register/{entry.pk}/problems/"
    for bad in (
        {},
        {"problems": ["kidnapped"]},
        {"problems": ["missing"], "noted_on": "2999-01-01"},
        {"problems": ["missing"], "noted_on": "2024-01-01"},  # before the departure
        {"problems": ["missing"], "note": "x" * 5000},
    ):
        assert client.post(url, bad).status_code == 302
    assert not RegisterProblem.objects.exists()
    assert as_user(world.users["hana"]).post(url, {"problems": ["missing"]}).status_code == 403


def test_entry_form_bad_input_over_http(world, register, as_user):
    client = as_user(world.users["gina"])
    person = register()
    base = {"person": str(person.pk), "commune": "010201"}
    for bad in (
        {"names": "x" * 201, "person": ""},
        {"person": "", "names": ""},
        {"debt_amount": "abc", "debt_currency": "USD"},
        {"debt_amount": "100"},
        {"destination": "01020101"},
        {"departed_on": "2025-13-45"},
        {"sector": "<script>"},
        {"documents_held": ["spaceship"]},
    ):
        response = client.post("/app/community/register/new/", {**base, **bad})
        assert response.status_code == 400, bad
    assert not RegisterEntry.objects.exists()
