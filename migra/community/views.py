"""Pages of the community app. Thin: forms in, services to write, selectors to read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.roles import Perm
from migra.accounts.selectors import require_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.community import services
from migra.community.forms import (
    EntryEditForm,
    EntryForm,
    GroupForm,
    MeetingForm,
    MemberForm,
    ProblemForm,
)
from migra.community.models import GroupMember, ProblemKind, RegisterEntry
from migra.community.selectors import (
    entries_visible_to,
    entry_get_for_user,
    facilitators_choosable_by,
    follow_up_get_for_user,
    follow_ups_visible_to,
    group_get_for_user,
    groups_visible_to,
    meetings_visible_to,
    problems_waiting,
    quiet_entries,
    topics_in_use,
)
from migra.config.forms import add_service_errors
from migra.people.models import Person, PersonName
from migra.people.selectors import persons_visible_to

PAGE_SIZE = 25
HOME_ROWS = 10
# Groups meet monthly: the next meeting is due a month after the last.
MEETING_EVERY = dt.timedelta(days=30)


def _names() -> Prefetch[Any]:
    return Prefetch("person__names", queryset=PersonName.objects.filter(is_primary=True))


def _person_label(person: Person) -> str:
    names = [n for n in person.names.all() if n.is_primary]
    return names[0].value if names else _("Person %(number)s") % {"number": person.pk}


# --------------------------------------------------------------------------- home


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    user = request.user
    today = timezone.localdate()
    groups = list(
        groups_visible_to(user)
        .filter(status="active")
        .annotate(last_held=Max("meetings__held_on"))[:HOME_ROWS]
    )
    follow_ups = list(
        follow_ups_visible_to(user)
        .filter(done_at__isnull=True)
        .order_by("due_on", "pk")[:HOME_ROWS]
    )
    quiet = list(quiet_entries(user, today=today).prefetch_related(_names())[:HOME_ROWS])
    waiting = list(
        problems_waiting(user)
        .select_related("entry__person")
        .prefetch_related(
            Prefetch("entry__person__names", queryset=PersonName.objects.filter(is_primary=True))
        )[:HOME_ROWS]
    )
    return render(
        request,
        "community/home.html",
        {
            "groups": [
                (g, g.last_held, g.last_held + MEETING_EVERY if g.last_held else today)
                for g in groups
            ],
            "follow_ups": follow_ups,
            "quiet": [(e, _person_label(e.person)) for e in quiet],
            "waiting": [
                (p, _person_label(p.entry.person), _screening_url(p.entry, [p.kind]))
                for p in waiting
            ],
            "today": today,
        },
    )


# --------------------------------------------------------------------------- groups


@login_required
@require_http_methods(["GET", "HEAD"])
def group_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    page = Paginator(groups_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "community/groups.html", {"page": page, "groups": list(page)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    choosable = {u.pk: u for u in facilitators_choosable_by(request.user)}
    form = GroupForm(
        request.POST or None,
        facilitators=[(pk, str(u.full_name or u)) for pk, u in choosable.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["facilitators"] = [choosable[pk] for pk in data["facilitators"]]
        try:
            group = services.group_create(
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The group was created."))
            return HttpResponseRedirect(reverse("community:group", args=[group.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "community/group_form.html", {"form": form}, status=status)


def _members(group: Any) -> list[tuple[GroupMember, str]]:
    rows = (
        GroupMember.objects.filter(group=group).select_related("person").prefetch_related(_names())
    )
    return [(m, _person_label(m.person)) for m in rows]


@login_required
@require_http_methods(["GET", "HEAD"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    meetings = list(
        meetings_visible_to(request.user)
        .filter(group=group)
        .prefetch_related("topics", "follow_ups__owner")[:HOME_ROWS]
    )
    return render(
        request,
        "community/group.html",
        {
            "group": group,
            "members": _members(group),
            "meetings": meetings,
            "member_form": MemberForm(),
            "facilitators": list(group.facilitators.all()),
        },
    )


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        person = persons_visible_to(request.user).filter(pk=form.cleaned_data["person"]).first()
        if person is None:
            messages.error(request, _("No person with this number that you may see."))
        else:
            try:
                services.group_member_add(
                    actor=request.user,  # type: ignore[arg-type]
                    group=group,
                    person=person,
                    role=form.cleaned_data["role"],
                    request=request,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The member was added."))
    else:
        messages.error(request, _("Check the person number and the role."))
    return HttpResponseRedirect(reverse("community:group", args=[group.pk]))


# --------------------------------------------------------------------------- meetings


def _meeting_form(group: Any, data: Any = None) -> MeetingForm:
    return MeetingForm(
        data,
        initial={"token": uuid.uuid4()},
        topics=[(t.code, t.name) for t in topics_in_use()],
        members=[(m.pk, f"{label} · {m.get_role_display()}") for m, label in _members(group)],
        owners=[(u.pk, str(u.full_name or u)) for u in group.facilitators.all()],
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    form = _meeting_form(group, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        follow_ups = []
        if data["follow_up"]:
            owner = group.facilitators.get(pk=data["follow_up_owner"])
            follow_ups.append(
                services.FollowUpInput(
                    action=data["follow_up"], owner=owner, due_on=data["follow_up_due_on"]
                )
            )
        try:
            services.meeting_record(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                held_on=data["held_on"],
                venue=data["venue"],
                topics=data["topics"],
                attendees=data["attendees"],
                attendance_total=data["attendance_total"],
                guests=form.guests(),
                decisions=data["decisions"],
                follow_ups=follow_ups,
                token=data["token"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was recorded."))
            return HttpResponseRedirect(reverse("community:group", args=[group.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "community/meeting_form.html", {"form": form, "group": group}, status=status
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = follow_up_get_for_user(request, pk)
    services.follow_up_done(
        actor=request.user,  # type: ignore[arg-type]
        follow_up=follow_up,
        request=request,
    )
    messages.success(request, _("Marked as done."))
    return HttpResponseRedirect(reverse("community:home"))


# --------------------------------------------------------------------------- register


@login_required
@require_http_methods(["GET", "HEAD"])
def register_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    visible = entries_visible_to(request.user).select_related("person").prefetch_related(_names())
    page = Paginator(visible.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/register.html",
        {"page": page, "entries": [(e, _person_label(e.person)) for e in page]},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    form = EntryForm(request.POST or None, initial={"token": uuid.uuid4()})
    candidates: list[Person] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        new_person = None
        if data["person"]:
            person = persons_visible_to(request.user).filter(pk=data["person"]).first()
            if person is None:
                form.add_error("person", _("No person with this number that you may see."))
        else:
            new_person = services.NewPerson(
                names=[data["names"]] if data["names"] else [],
                sex=data["sex"],
                home_village=data["home_village"],
                approximate_age=data["approximate_age"],
            )
        if not form.errors:
            try:
                entry = services.register_entry_add(
                    actor=request.user,  # type: ignore[arg-type]
                    commune=data["commune"],
                    person=person,
                    new_person=new_person,
                    confirm_possible_duplicate=data["confirm_possible_duplicate"],
                    token=data["token"],
                    request=request,
                    **form.entry_fields(),
                )
            except services.PossibleDuplicate as error:
                add_service_errors(form, error)
                candidates = list(
                    persons_visible_to(request.user)
                    .filter(pk__in=error.candidates)
                    .prefetch_related("names")
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The migrant was added to the register."))
                return HttpResponseRedirect(reverse("community:entry", args=[entry.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "community/entry_form.html",
        {"form": form, "candidates": [(p, _person_label(p)) for p in candidates]},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(request, pk)
    if request.method != "POST":
        initial = {name: getattr(entry, name) for name in EntryEditForm.ENTRY_FIELDS}
        initial["version"] = entry.version
        form = EntryEditForm(initial=initial)
        return render(request, "community/entry_edit.html", {"form": form, "entry": entry})
    form = EntryEditForm(request.POST)
    if form.is_valid():
        try:
            services.register_entry_update(
                actor=request.user,  # type: ignore[arg-type]
                entry=entry,
                expected_version=form.cleaned_data["version"],
                request=request,
                **form.entry_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The register entry was saved."))
            return HttpResponseRedirect(reverse("community:entry", args=[entry.pk]))
    return render(request, "community/entry_edit.html", {"form": form, "entry": entry}, status=400)


def _screening_url(entry: RegisterEntry, codes: list[str]) -> str:
    query = urlencode({"mode": "guided", "person": entry.person_id, "prefill": ",".join(codes)})
    return f"{reverse('screening:new')}?{query}"


@login_required
@require_http_methods(["GET", "HEAD"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(request, pk)
    person = Person.objects.filter(pk=entry.person_id).prefetch_related("names").get()
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=person,
        changes={"via": "community register"},
        request=request,
    )
    problems = list(entry.problems.all())
    just_reported = [
        code
        for code in request.GET.get("screen", "")[:200].split(",")
        if code in ProblemKind.values
    ]
    open_codes = just_reported or sorted({p.kind for p in problems})
    return render(
        request,
        "community/entry.html",
        {
            "entry": entry,
            "person_label": _person_label(person),
            "problems": problems,
            "problem_form": ProblemForm(),
            "screening_url": _screening_url(entry, open_codes) if open_codes else "",
            "just_reported": bool(just_reported),
        },
    )


@login_required
@require_POST
def problem_report(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(request, pk)
    form = ProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one problem and check the date."))
        return HttpResponseRedirect(reverse("community:entry", args=[entry.pk]))
    try:
        rows = services.register_problem_report(
            actor=request.user,  # type: ignore[arg-type]
            entry=entry,
            problems=form.cleaned_data["problems"],
            noted_on=form.cleaned_data["noted_on"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("community:entry", args=[entry.pk]))
    messages.success(request, _("The problem was recorded. Screen the person now."))
    query = urlencode({"screen": ",".join(sorted({r.kind for r in rows}))})
    return HttpResponseRedirect(reverse("community:entry", args=[entry.pk]) + "?" + query)
