"""The case list: filters in any combination, pages without a count, saved views, and
the exports (permission, audit, no names, formula injection)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from django.utils import timezone

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.audit.models import AuditAction, AuditEvent
from migra.cases import services
from migra.cases.models import Case, SavedCaseView
from migra.cases.selectors import CaseFilters, case_list
from migra.cases.views import PAGE_SIZE


@pytest.fixture
def many(cast, bm_person, sr_person, open_case):
    """Eight crisis-centre cases with different facts (four in each province)."""
    carol, dan = cast.users["carol"], cast.users["dan"]
    made = []
    for case_type, risk in itertools.product(("trafficking", "forced_labour"), ("low", "critical")):
        made.append(
            open_case(bm_person, actor=carol, case_type=case_type, risk=risk, assigned_to=carol)
        )
        made.append(open_case(sr_person, actor=dan, case_type=case_type, risk=risk))
    # spread the opening times so that the order is known
    now = timezone.now()
    for i, case in enumerate(made):
        Case.objects.filter(pk=case.pk).update(opened_at=now - dt.timedelta(hours=i))
    return [Case.objects.get(pk=c.pk) for c in made]


def _numbers(queryset):
    return list(queryset.values_list("number", flat=True))


def test_the_list_is_newest_first_and_scoped(cast, many, supervisor):
    everything = _numbers(case_list(supervisor))
    assert everything == [c.number for c in many]
    assert set(_numbers(case_list(cast.users["carol"]))) == {
        c.number for c in many if c.province == cast.places["01"]
    }
    assert not case_list(cast.users["gina"]).exists()


def test_each_filter_and_their_combinations(cast, many, supervisor):
    carol = cast.users["carol"]
    today = timezone.localdate()
    overdue_case = many[0]
    services.case_task_add(
        actor=carol, case=overdue_case, title="Call", due_on=today + dt.timedelta(days=1)
    )
    services.case_refresh_due(case=overdue_case)
    later = today + dt.timedelta(days=3)  # seen from three days on, the task is overdue
    closed = many[1]
    services.case_transition(
        actor=cast.users["dan"],
        case=closed,
        to_status="closed",
        expected_version=closed.version,
        closing_reason="duplicate",
    )
    all_cases = [Case.objects.get(pk=c.pk) for c in many]
    options = {
        "status": ["", "closed", "new"],
        "case_type": ["", "forced_labour"],
        "risk": ["", "critical"],
        "province": [None, cast.places["17"]],
        "agency": [None, cast.agencies["crisis"], cast.agencies["legal"]],
        "mine": [False, True],
        "overdue": [False, True],
    }
    for values in itertools.product(*options.values()):
        chosen = dict(zip(options, values, strict=True))
        filters = CaseFilters(today=later, **chosen)
        expected = [
            c.number
            for c in all_cases
            if (not chosen["status"] or c.status == chosen["status"])
            and (not chosen["case_type"] or c.case_type == chosen["case_type"])
            and (not chosen["risk"] or c.risk == chosen["risk"])
            and (chosen["province"] is None or c.province_id == chosen["province"].pk)
            and (chosen["agency"] is None or c.agency_id == chosen["agency"].pk)
            and (not chosen["mine"] or c.assigned_to_id == supervisor.pk)
            and (not chosen["overdue"] or (c.next_due_on is not None and c.next_due_on < later))
        ]
        assert _numbers(case_list(supervisor, filters)) == expected, chosen
    # "assigned to me" for carol, overdue seen three days on
    mine = CaseFilters(mine=True, overdue=True, today=later)
    assert _numbers(case_list(carol, mine)) == [overdue_case.number]


def test_list_page_filters_and_pages(cast, many, supervisor, as_user, settings):
    client = as_user(supervisor)
    page = client.get("/app/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert all(c.number in html for c in many)
    assert "Sok Dara" not in html  # the list shows no names
    filtered = client.get("/app/cases/", {"risk": "critical", "province": "17"}).content.decode()
    expected = [c.number for c in many if c.risk == "critical" and c.province.code == "17"]
    assert all(n in filtered for n in expected)
    assert not any(c.number in filtered for c in many if c.number not in expected)


def test_pages_go_by_next_links_without_a_count(cast, bm_person, open_case, as_user, monkeypatch):
    from migra.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    carol = cast.users["carol"]
    cases = [open_case(bm_person, actor=carol) for _ in range(7)]
    now = timezone.now()
    for i, case in enumerate(cases):  # two share an opening time: the id breaks the tie
        Case.objects.filter(pk=case.pk).update(opened_at=now - dt.timedelta(minutes=i // 2))
    ordered = _numbers(case_list(carol))
    client = as_user(carol)
    seen: list[str] = []
    url = "/app/cases/?risk=high"
    for _ in range(5):
        response = client.get(url)
        html = response.content.decode()
        seen += [n for n in ordered if n in html]
        marker = 'href="?risk=high&amp;after='
        if marker not in html:
            break
        start = html.index(marker) + len('href="')
        url = "/app/cases/" + html[start : html.index('"', start)].replace("&amp;", "&")
    assert seen == ordered
    assert "Page 1 of" not in html


def test_a_bad_page_link_shows_the_first_page(cast, many, supervisor, as_user):
    client = as_user(supervisor)
    for after in ("garbage", "1-", "-5", "9" * 30 + "-1", "1-" + "9" * 30):
        response = client.get("/app/cases/", {"after": after})
        assert response.status_code == 200
        assert "not valid" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nope"},
        {"risk": "<script>"},
        {"province": "ZZ"},
        {"agency": "abc"},
        {"agency": "99999999999999999999999"},
        {"case_type": "x" * 5000},
    ],
)
def test_bad_filters_are_an_error_not_a_crash(cast, many, supervisor, as_user, params):
    response = as_user(supervisor).get("/app/cases/", params)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_list_needs_view_cases(cast, as_user):
    for name in ("erin", "frank", "gina", "charlie"):
        assert as_user(cast.users[name]).get("/app/cases/").status_code == 403


# --------------------------------------------------------------------------- saved views


def test_save_list_apply_and_delete_own_views(cast, many, supervisor, as_user):
    client = as_user(supervisor)
    response = client.post(
        "/app/cases/views/", {"name": "Critical in Siem Reap", "risk": "critical", "province": "17"}
    )
    assert response.status_code == 302
    view = SavedCaseView.objects.get()
    assert view.user == supervisor and view.query == "risk=critical&province=17"
    page = client.get("/app/cases/").content.decode()
    assert "Critical in Siem Reap" in page and "?risk=critical&amp;province=17" in page
    # the same name twice is refused
    again = client.post(
        "/app/cases/views/", {"name": "Critical in Siem Reap", "risk": "low"}, follow=True
    )
    assert "already have a view with this name" in again.content.decode()
    assert SavedCaseView.objects.count() == 1
    # another user neither sees nor deletes it
    carol = as_user(cast.users["carol"])
    assert "Critical in Siem Reap" not in carol.get("/app/cases/").content.decode()
    assert carol.post(f"/app/cases/views/{view.pk}/delete/").status_code == 403
    assert SavedCaseView.objects.count() == 1
    client = as_user(supervisor)
    assert client.post(f"/app/cases/views/{view.pk}/delete/").status_code == 302
    assert not SavedCaseView.objects.exists()
    assert client.post("/app/cases/views/99999/delete/").status_code == 404


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_saved_view_names_are_checked(cast, supervisor, as_user, name):
    as_user(supervisor).post("/app/cases/views/", {"name": name, "risk": "low"})
    assert not SavedCaseView.objects.exists()


def test_saved_view_keeps_only_known_filters(cast, supervisor, as_user):
    client = as_user(supervisor)
    client.post("/app/cases/views/", {"name": "Mine", "mine": "on", "evil": "<script>"})
    assert SavedCaseView.objects.get().query == "mine=1"
    # invalid filters are not saved at all
    response = client.post("/app/cases/views/", {"name": "Bad", "status": "bogus"}, follow=True)
    assert "Check the filters" in response.content.decode()
    assert SavedCaseView.objects.count() == 1


# --------------------------------------------------------------------------- exports


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_csv_has_no_names_and_is_audited(cast, many, supervisor, as_user):
    client = as_user(supervisor)
    response = client.get("/app/cases/export.csv", {"province": "17"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv_rows(response)
    assert rows[0][0] == "Case number"
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [c.number for c in many if c.province.code == "17"]
    body = response.content.decode("utf-8-sig")
    assert "Chan Thida" not in body and "Sok Dara" not in body
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor_id == supervisor.pk
    assert event.changes["rows"] == 4 and event.changes["filters"] == {"province": "17"}
    assert event.changes["format"] == "csv"


def test_export_xlsx(cast, many, supervisor, as_user):
    from openpyxl import load_workbook

    response = as_user(supervisor).get("/app/cases/export.xlsx", {"risk": "critical"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Case number"
    assert [r[0] for r in values[1:]] == [c.number for c in many if c.risk == "critical"]
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).changes["rows"] == 4


def test_export_defuses_formulas(cast, bm_person, open_case, supervisor, as_user):
    agency = cast.agencies["crisis"]
    agency.name_en = '=HYPERLINK("http://evil.example","click")'
    agency.save(update_fields=["name_en"])
    worker = User.objects.create_user(
        email="mallory@example.org", password="correct horse battery staple", full_name="+cmd|calc"
    )
    Membership.objects.create(user=worker, agency=agency, role=Role.CASEWORKER, all_places=True)
    open_case(bm_person, actor=cast.users["carol"], assigned_to=worker)
    response = as_user(supervisor).get("/app/cases/export.csv")
    rows = _csv_rows(response)
    assert rows[1][5].startswith("'=") and rows[1][6] == "'+cmd|calc"
    from openpyxl import load_workbook

    response = as_user(supervisor).get("/app/cases/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)


def test_export_permission(cast, many, supervisor, as_user):
    # a caseworker sees the list but may not export it: a logged 403
    client = as_user(cast.users["carol"])
    assert client.get("/app/cases/export.csv").status_code == 403
    assert client.get("/app/cases/export.xlsx").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    for name in ("erin", "frank", "gina", "charlie"):
        assert as_user(cast.users[name]).get("/app/cases/export.csv").status_code == 403
    # the crisis centre's programme admin (EXPORT_DATA) exports his agency's cases
    response = as_user(cast.users["bob"]).get("/app/cases/export.csv")
    assert response.status_code == 200 and len(_csv_rows(response)) == len(many) + 1
    assert "Export CSV" in as_user(supervisor).get("/app/cases/").content.decode()
    assert "Export CSV" not in as_user(cast.users["carol"]).get("/app/cases/").content.decode()


def test_export_refuses_too_many(cast, many, supervisor, as_user, monkeypatch):
    from migra.cases import exports

    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 3)
    response = as_user(supervisor).get("/app/cases/export.csv", follow=True)
    assert "narrow the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_page_size_constant():
    assert PAGE_SIZE == 25


# --------------------------------------------------------------------------- the place hint


def _member(cast, email, places, *, all_places=False, agency="crisis", role=Role.CASEWORKER):
    user = User.objects.create_user(
        email=email, password="correct horse battery staple", full_name=email
    )
    membership = Membership.objects.create(
        user=user, agency=cast.agencies[agency], role=role, all_places=all_places
    )
    if places:
        membership.places.set([cast.places[code] for code in places])
    return user


def test_the_place_hint_never_changes_what_is_listed(cast, many, supervisor):
    from migra.accounts.selectors import forget_memberships
    from migra.people.tests.conftest import make_place
    from migra.places.models import PlaceKind

    # a commune-level origin too: a case may come from a commune
    commune_case = Case.objects.get(pk=many[0].pk)
    Case.objects.filter(pk=commune_case.pk).update(origin=cast.places["010201"])
    cast.places["0103"] = make_place("0103", PlaceKind.DISTRICT, "Other", cast.places["01"])
    users = [
        supervisor,  # provinces 01 and 17
        cast.users["carol"],  # province 01
        cast.users["dan"],  # commune 170101
        cast.users["bob"],  # every place
        _member(cast, "district@example.org", ["0102"]),
        _member(cast, "village@example.org", ["01020101"]),
        _member(cast, "commune2@example.org", ["010201"]),
        _member(cast, "other@example.org", ["0103", "17"]),
        _member(cast, "mixed@example.org", ["1701"], all_places=False),
        _member(cast, "decoy@example.org", ["1"]),  # "1" must not reach "17"
    ]
    mixed = users[8]
    Membership.objects.create(
        user=mixed, agency=cast.agencies["crisis"], role=Role.CASE_SUPERVISOR, all_places=True
    )
    for user in users:
        forget_memberships(user)
        expected = list(cases_visible_to_ordered(user).values_list("number", flat=True))
        assert _numbers(case_list(user)) == expected, user.email
    decoy = users[-1]
    assert not case_list(decoy).exists()


def cases_visible_to_ordered(user):
    from migra.cases.selectors import cases_visible_to

    return cases_visible_to(user).order_by("-opened_at", "-pk")


def test_closed_and_overdue_is_empty_at_once(cast, many, supervisor, django_assert_num_queries):
    filters = CaseFilters(status="closed", overdue=True, today=timezone.localdate())
    with django_assert_num_queries(0):
        assert list(case_list(supervisor, filters)) == []
