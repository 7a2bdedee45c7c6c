"""Pages of the community app. Thin: forms in, services to write, selectors to read."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from migra.accounts.models import User
from migra.accounts.roles import Perm
from migra.accounts.selectors import deny, require_perm
from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.community import services
from migra.community.forms import (
    EntryEditForm,
    EntryForm,
    GroupEditForm,
    GroupForm,
    HouseholdMemberForm,
    MeetingEditForm,
    MeetingForm,
    MemberEditForm,
    MemberForm,
    MemberPickForm,
    NewHouseholdMemberForm,
    NewMemberForm,
    ProblemForm,
    TopicForm,
    TopicMoveForm,
    TopicRenameForm,
    TopicUseForm,
)
from migra.community.models import (
    FollowUp,
    Group,
    GroupMember,
    ProblemKind,
    RegisterEntry,
    RegisterProblem,
)
from migra.community.selectors import (
    EntryHousehold,
    entries_visible_to,
    entry_get_for_user,
    entry_household,
    facilitators_choosable_by,
    follow_up_get_for_user,
    follow_ups_visible_to,
    group_get_for_user,
    groups_visible_to,
    household_persons,
    household_sizes,
    may_manage_topics,
    may_read_topics,
    meeting_get_for_user,
    meetings_visible_to,
    member_get_for_user,
    migrant_household,
    persons_to_pick,
    problems_waiting,
    quiet_entries,
    topic_get,
    topic_stamp,
    topics_all,
    topics_in_use,
)
from migra.config.forms import add_service_errors
from migra.people.models import Person, PersonName
from migra.people.selectors import persons_visible_to

PAGE_SIZE = 25
HOME_ROWS = 10
# The person picker's type-ahead shows this many; its page, the selector's 20.
SUGGEST_ROWS = 8
# Groups meet monthly: the next meeting is due a month after the last.
MEETING_EVERY = dt.timedelta(days=30)


def _names() -> Prefetch[Any]:
    return Prefetch("person__names", queryset=PersonName.objects.filter(is_primary=True))


def _person_label(person: Person) -> str:
    names = [n for n in person.names.all() if n.is_primary]
    return names[0].value if names else _("Person %(number)s") % {"number": person.pk}


def _positive_int(value: Any) -> int | None:
    text = str(value or "")
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0
    return number or None


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
    # The first rows' ids first, then only those rows with their entries and persons:
    # joined before the LIMIT, every waiting problem of the commune was read with them.
    first = list(problems_waiting(user).values_list("pk", flat=True)[:HOME_ROWS])
    waiting = list(
        RegisterProblem.objects.filter(pk__in=first)
        .select_related("entry__person")
        .prefetch_related(
            Prefetch("entry__person__names", queryset=PersonName.objects.filter(is_primary=True))
        )
        .order_by("noted_on", "pk")
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


def _facilitator_choices(user: Any, group: Group | None = None) -> dict[int, User]:
    """Users who may be named facilitators; a group's own facilitators stay offered."""
    choosable = {u.pk: u for u in facilitators_choosable_by(user)}
    if group is not None:
        for facilitator in group.facilitators.all():
            choosable.setdefault(facilitator.pk, facilitator)
    return choosable


def _labelled(choosable: dict[int, User]) -> list[tuple[int, str]]:
    return [(pk, str(u.full_name or u)) for pk, u in choosable.items()]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    choosable = _facilitator_choices(request.user, group)
    if request.method != "POST":
        form = GroupEditForm(
            initial={
                "name": group.name,
                "villages": list(group.villages.all()),
                "facilitators": [u.pk for u in group.facilitators.all()],
                "founded_on": group.founded_on,
                "status": group.status,
                "version": group.version,
            },
            facilitators=_labelled(choosable),
        )
        return render(request, "community/group_form.html", {"form": form, "group": group})
    form = GroupEditForm(request.POST, facilitators=_labelled(choosable))
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["facilitators"] = [choosable[pk] for pk in data["facilitators"]]
        try:
            services.group_update(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                expected_version=version,
                request=request,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The group was saved."))
            return HttpResponseRedirect(reverse("community:group", args=[group.pk]))
    return render(request, "community/group_form.html", {"form": form, "group": group}, status=400)


def _members(group: Any) -> list[tuple[GroupMember, str]]:
    rows = (
        GroupMember.objects.filter(group=group).select_related("person").prefetch_related(_names())
    )
    return [(m, _person_label(m.person)) for m in rows]


def _present(group: Any, day: dt.date | None, ticked: Iterable[int] = ()) -> list[Any]:
    """Members to tick at a meeting on `day` (None: today's members): who had not left
    by then, and who is ticked already."""
    keep = set(ticked)
    return [
        (m.pk, f"{label} · {m.get_role_display()}")
        for m, label in _members(group)
        if m.left_on is None or (day is not None and m.left_on >= day) or m.pk in keep
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    meetings = list(
        meetings_visible_to(request.user)
        .filter(group=group)
        .prefetch_related("topics", "follow_ups__owner")[:HOME_ROWS]
    )
    members = _members(group)
    return render(
        request,
        "community/group.html",
        {
            "group": group,
            "members": [(m, label) for m, label in members if m.left_on is None],
            "left": [(m, label) for m, label in members if m.left_on is not None],
            "meetings": meetings,
            "search": MemberPickForm(),
            "facilitators": list(group.facilitators.all()),
        },
    )


# --------------------------------------------------------------------------- members


def _pick_label(person: Person) -> tuple[str, str]:
    """A person as the picker shows them: every name, then birth year and village (to
    tell two people of one name apart)."""
    names = " · ".join(n.value for n in person.names.all()) or _("Person %(number)s") % {
        "number": person.pk
    }
    meta = []
    if person.birth_year:
        meta.append(_("born about %(year)s") % {"year": person.birth_year})
    if person.home_village is not None:
        meta.append(person.home_village.name)
    return names, " · ".join(meta)


PICKER = "community member picker"
HOUSEHOLD = "community register household"


def _shown(request: HttpRequest, persons: Iterable[Person], via: str = PICKER) -> None:
    """Every person a page shows is a read of their record: logged."""
    for person in persons:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            target=person,
            changes={"via": via},
            request=request,
        )


def _member_persons(group: Group) -> set[int]:
    return set(GroupMember.objects.filter(group=group).values_list("person_id", flat=True))


def _picking(
    request: HttpRequest, *, taken: set[int], candidates: Iterable[int] = ()
) -> dict[str, Any]:
    """What a person picker shows: the search and the persons it found, the likely
    existing persons of a possible-duplicate warning, the person chosen (?person=).
    Each is a logged read. `taken`: persons already there (members, household)."""
    search = MemberPickForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    found = persons_to_pick(request.user, query) if query else []
    chosen_pk = _positive_int(request.GET.get("person"))
    if request.GET.get("person") and chosen_pk is None:
        messages.error(request, _("No person with this number that you may see."))
    visible = persons_visible_to(request.user).select_related("home_village")
    chosen = (
        visible.filter(pk=chosen_pk).prefetch_related("names").first()
        if chosen_pk is not None
        else None
    )
    if chosen_pk is not None and chosen is None:
        messages.error(request, _("No person with this number that you may see."))
    likely = list(visible.filter(pk__in=list(candidates)).prefetch_related("names"))
    shown = [*found, *likely, *([chosen] if chosen is not None else [])]
    _shown(request, shown)
    return {
        "search": search,
        "query": query,
        "found": [(p, *_pick_label(p), p.pk in taken) for p in found],
        "candidates": [(p, *_pick_label(p), p.pk in taken) for p in likely],
        "chosen": chosen,
        "chosen_label": _pick_label(chosen) if chosen is not None else None,
        "chosen_is_member": chosen is not None and chosen.pk in taken,
    }


def _picker_urls(kind: str, pk: int) -> dict[str, str]:
    """A picker's addresses: its page (`pick_url`), type-ahead and new-person form."""
    return {
        "pick_url": reverse(f"community:{kind}-pick", args=[pk]),
        "find_url": reverse(f"community:{kind}-find", args=[pk]),
        "new_url": reverse(f"community:{kind}-new", args=[pk]),
    }


def _register_and_add(
    request: HttpRequest, form: NewMemberForm | NewHouseholdMemberForm, add: Callable[..., Any]
) -> tuple[bool, list[int]]:
    """Run a service that registers the form's new person and adds them somewhere
    (`add`, given the rest of its arguments). Its errors go on the form; a
    possible-duplicate warning gives the likely existing persons to offer instead."""
    try:
        add(
            actor=request.user,
            new_person=form.new_member(),
            confirm_possible_duplicate=form.cleaned_data["confirm_possible_duplicate"],
            token=form.cleaned_data["token"],
            request=request,
        )
    except services.PossibleDuplicate as error:
        add_service_errors(form, error)
        return False, error.candidates
    except ValidationError as error:
        add_service_errors(form, error)
        return False, []
    return True, []


def _found_json(
    request: HttpRequest, *, taken: set[int], taken_label: str, pick_url: str
) -> JsonResponse:
    """A picker's type-ahead (search.js): persons the user may see, each a link to
    the picker's "choose" step; those already there say so."""
    query = request.GET.get("q", "")[:200].strip()
    persons = persons_to_pick(request.user, query)[:SUGGEST_ROWS] if query else []
    _shown(request, persons)
    results = []
    for person in persons:
        title, meta = _pick_label(person)
        if person.pk in taken:
            meta = " · ".join(filter(None, [meta, taken_label]))
        results.append(
            {"title": title, "type_label": meta, "url": f"{pick_url}?person={person.pk}"}
        )
    return JsonResponse({"results": results})


def _picker_page(
    request: HttpRequest,
    group: Group,
    *,
    new_form: NewMemberForm | None = None,
    candidates: Iterable[int] = (),
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "community/member_add.html",
        {
            **_picking(request, taken=_member_persons(group), candidates=candidates),
            **_picker_urls("member", group.pk),
            "taken_label": _("already a member"),
            "group": group,
            # Two forms on one page: the chosen person's keeps ids of its own.
            "member_form": MemberForm(initial={"token": uuid.uuid4()}, auto_id="chosen_%s"),
            "new_form": new_form or NewMemberForm(initial={"token": uuid.uuid4()}),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def member_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a member: find a registered person by name or phone and choose them (works
    without script: search, then choose), or register a new person."""
    return _picker_page(request, group_get_for_user(request, pk))


@login_required
@require_http_methods(["GET", "HEAD"])
def member_find_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The member picker's type-ahead."""
    group = group_get_for_user(request, pk)
    return _found_json(
        request,
        taken=_member_persons(group),
        taken_label=_("already a member"),
        pick_url=_picker_urls("member", group.pk)["pick_url"],
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
                    token=form.cleaned_data["token"],
                    request=request,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The member was added."))
    else:
        messages.error(request, _("Check the person number and the role."))
    return HttpResponseRedirect(reverse("community:group", args=[group.pk]))


@login_required
@require_POST
def member_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a new person through the registry's matching and add them at once."""
    group = group_get_for_user(request, pk)
    form = NewMemberForm(request.POST)
    candidates: list[int] = []
    if form.is_valid():
        added, candidates = _register_and_add(
            request,
            form,
            functools.partial(
                services.group_member_add, group=group, role=form.cleaned_data["role"]
            ),
        )
        if added:
            messages.success(request, _("The person was registered and added to the group."))
            return HttpResponseRedirect(reverse("community:group", args=[group.pk]))
    return _picker_page(request, group, new_form=form, candidates=candidates, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_get_for_user(request, pk)
    person = Person.objects.filter(pk=member.person_id).prefetch_related("names").get()
    context = {"member": member, "group": member.group, "person_label": _person_label(person)}
    if request.method != "POST":
        form = MemberEditForm(
            initial={"role": member.role, "left_on": member.left_on, "version": member.version}
        )
        return render(request, "community/member_form.html", {**context, "form": form})
    form = MemberEditForm(request.POST)
    if form.is_valid():
        try:
            services.group_member_update(
                actor=request.user,  # type: ignore[arg-type]
                member=member,
                expected_version=form.cleaned_data["version"],
                role=form.cleaned_data["role"],
                left_on=form.cleaned_data["left_on"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The membership was saved."))
            return HttpResponseRedirect(reverse("community:group", args=[member.group_id]))
    return render(request, "community/member_form.html", {**context, "form": form}, status=400)


# --------------------------------------------------------------------------- meetings


def _owners(group: Group, extra: Iterable[User] = ()) -> dict[int, User]:
    owners = {u.pk: u for u in group.facilitators.all()}
    for user in extra:
        owners.setdefault(user.pk, user)
    return owners


def _meeting_form(group: Any, data: Any = None) -> MeetingForm:
    return MeetingForm(
        data,
        initial={"token": uuid.uuid4()},
        topics=[(t.code, t.name) for t in topics_in_use()],
        members=_present(group, None),
        owners=_labelled(_owners(group)),
    )


def _follow_ups(data: dict[str, Any], owners: dict[int, User]) -> list[services.FollowUpInput]:
    """The one new follow-up a meeting form may carry."""
    if not data["follow_up"]:
        return []
    return [
        services.FollowUpInput(
            action=data["follow_up"],
            owner=owners[data["follow_up_owner"]],
            due_on=data["follow_up_due_on"],
        )
    ]


def _meeting_fields(form: MeetingForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "held_on": data["held_on"],
        "venue": data["venue"],
        "topics": data["topics"],
        "attendees": data["attendees"],
        "attendance_total": data["attendance_total"],
        "guests": form.guests(),
        "decisions": data["decisions"],
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    group = group_get_for_user(request, pk)
    form = _meeting_form(group, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(
                actor=request.user,  # type: ignore[arg-type]
                group=group,
                follow_ups=_follow_ups(form.cleaned_data, _owners(group)),
                token=form.cleaned_data["token"],
                request=request,
                **_meeting_fields(form),
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
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded meeting: date, place, topics, attendance, guests, decisions
    and the follow-ups still open."""
    meeting = meeting_get_for_user(request, pk)
    group = meeting.group
    rows = list(FollowUp.objects.filter(meeting=meeting).select_related("owner"))
    open_rows = [f for f in rows if f.done_at is None]
    owners = _owners(group, [f.owner for f in open_rows])
    topics = {t.code: t.name for t in topics_in_use()}
    topics.update({t.code: t.name for t in meeting.topics.all()})
    ticked = list(meeting.attendees.values_list("pk", flat=True))
    options = {
        "topics": [(t.code, topics[t.code]) for t in topics_all() if t.code in topics],
        "members": _present(group, meeting.held_on, ticked),
        "owners": _labelled(owners),
        "open_follow_ups": open_rows,
    }
    context = {
        "group": group,
        "meeting": meeting,
        "done": [f for f in rows if f.done_at is not None],
    }
    if request.method != "POST":
        initial: dict[str, Any] = {
            "held_on": meeting.held_on,
            "venue": meeting.venue,
            "topics": [t.code for t in meeting.topics.all()],
            "attendees": ticked,
            "decisions": meeting.decisions,
            "version": meeting.version,
        }
        for guests in meeting.guest_counts.all():
            initial[f"guests_{guests.sex}_{guests.age_band}"] = guests.count
        form = MeetingEditForm(initial=initial, **options)
        return render(request, "community/meeting_form.html", {**context, "form": form})
    form = MeetingEditForm(request.POST, **options)
    if form.is_valid():
        try:
            services.meeting_update(
                actor=request.user,  # type: ignore[arg-type]
                meeting=meeting,
                expected_version=form.cleaned_data["version"],
                open_follow_ups=form.follow_up_changes(owners),
                new_follow_ups=_follow_ups(form.cleaned_data, owners),
                request=request,
                **_meeting_fields(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was saved."))
            return HttpResponseRedirect(reverse("community:group", args=[group.pk]))
    return render(request, "community/meeting_form.html", {**context, "form": form}, status=400)


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


# --------------------------------------------------------------------------- topics


def _require_topic_reader(request: HttpRequest) -> None:
    if not may_read_topics(request.user):
        raise deny(request, request.user, reason="may not read the meeting topics")


def _require_topic_manager(request: HttpRequest) -> None:
    if not may_manage_topics(request.user):
        raise deny(request, request.user, reason="may not manage the meeting topics")


def _topics_url(anchor: str = "") -> str:
    return reverse("community:topics") + (f"#{anchor}" if anchor else "")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def topic_list(request: HttpRequest) -> HttpResponse:
    """The catalogue of meeting topics; programme admins of the lead NGO add topics
    here (POST), rename, reorder and take them out of use."""
    if request.method == "POST":
        _require_topic_manager(request)
    else:
        _require_topic_reader(request)
    may_manage = may_manage_topics(request.user)
    form = TopicForm(request.POST or None) if may_manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            topic = services.topic_add(
                actor=request.user,  # type: ignore[arg-type]
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The topic was added."))
            return HttpResponseRedirect(_topics_url(f"topic-{topic.pk}"))
    topics = list(topics_all())
    return render(
        request,
        "community/topics.html",
        {
            "topics": topics,
            "first": topics[0].pk if topics else None,
            "last": topics[-1].pk if topics else None,
            "form": form,
            "may_manage": may_manage,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_topic_manager(request)
    topic = topic_get(pk)
    if request.method != "POST":
        form = TopicRenameForm(
            initial={
                "name_km": topic.name_km,
                "name_en": topic.name_en,
                "name_th": topic.name_th,
                "stamp": topic_stamp(topic),
            }
        )
        return render(request, "community/topic_form.html", {"form": form, "topic": topic})
    form = TopicRenameForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.topic_rename(
                actor=request.user,  # type: ignore[arg-type]
                topic=topic,
                expected_stamp=data.pop("stamp"),
                request=request,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The topic was renamed."))
            return HttpResponseRedirect(_topics_url(f"topic-{topic.pk}"))
    return render(request, "community/topic_form.html", {"form": form, "topic": topic}, status=400)


@login_required
@require_POST
def topic_move(request: HttpRequest, pk: int) -> HttpResponse:
    _require_topic_manager(request)
    topic = topic_get(pk)
    form = TopicMoveForm(request.POST)
    if form.is_valid():
        services.topic_move(
            actor=request.user,  # type: ignore[arg-type]
            topic=topic,
            up=form.cleaned_data["direction"] == "up",
            request=request,
        )
    else:
        messages.error(request, _("Choose up or down."))
    return HttpResponseRedirect(_topics_url(f"topic-{topic.pk}"))


@login_required
@require_POST
def topic_use(request: HttpRequest, pk: int) -> HttpResponse:
    _require_topic_manager(request)
    topic = topic_get(pk)
    form = TopicUseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the topic is in use."))
        return HttpResponseRedirect(_topics_url(f"topic-{topic.pk}"))
    try:
        services.topic_set_in_use(
            actor=request.user,  # type: ignore[arg-type]
            topic=topic,
            in_use=form.cleaned_data["in_use"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if form.cleaned_data["in_use"]:
            messages.success(request, _("The topic is in use again."))
        else:
            messages.success(request, _("The topic is out of use: meetings that had it keep it."))
    return HttpResponseRedirect(_topics_url(f"topic-{topic.pk}"))


# --------------------------------------------------------------------------- register


@login_required
@require_http_methods(["GET", "HEAD"])
def register_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_GROUPS)
    visible = entries_visible_to(request.user).select_related("person").prefetch_related(_names())
    page = Paginator(visible.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    sizes = household_sizes(e.person_id for e in page)
    return render(
        request,
        "community/register.html",
        {
            "page": page,
            "entries": [(e, _person_label(e.person), sizes.get(e.person_id)) for e in page],
        },
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
            new_person = form.new_person()
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


def _migrant(request: HttpRequest, entry: RegisterEntry) -> Person:
    """The entry's migrant, for a page that shows their name: a logged read."""
    person = Person.objects.filter(pk=entry.person_id).prefetch_related("names").get()
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        target=person,
        changes={"via": "community register"},
        request=request,
    )
    return person


def _household_rows(request: HttpRequest, household: EntryHousehold) -> list[Any]:
    """(member, name, birth year) of each member shown; each shown is a logged read."""
    _shown(request, [m.person for m in household.members], via=HOUSEHOLD)
    return [
        (
            m,
            _person_label(m.person),
            _("born about %(year)s") % {"year": m.person.birth_year} if m.person.birth_year else "",
        )
        for m in household.members
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(request, pk)
    person = _migrant(request, entry)
    household = entry_household(request.user, entry)
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
            "household": household,
            "household_rows": _household_rows(request, household),
            "search": MemberPickForm(),
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


# --------------------------------------------------------------------------- households


def _household_url(entry: RegisterEntry) -> str:
    return reverse("community:entry", args=[entry.pk]) + "#household"


def _household_page(
    request: HttpRequest,
    entry: RegisterEntry,
    *,
    new_form: NewHouseholdMemberForm | None = None,
    candidates: Iterable[int] = (),
    status: int = 200,
) -> HttpResponse:
    asks_migrant = migrant_household(entry.person_id) is None
    return render(
        request,
        "community/household_add.html",
        {
            **_picking(request, taken=household_persons(entry.person_id), candidates=candidates),
            **_picker_urls("household", entry.pk),
            "taken_label": _("already in the household"),
            "entry": entry,
            "person_label": _person_label(_migrant(request, entry)),
            "asks_migrant": asks_migrant,
            # Two forms on one page: the chosen person's keeps ids of its own.
            "member_form": HouseholdMemberForm(
                initial={"token": uuid.uuid4()}, asks_migrant=asks_migrant, auto_id="chosen_%s"
            ),
            "new_form": new_form
            or NewHouseholdMemberForm(initial={"token": uuid.uuid4()}, asks_migrant=asks_migrant),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def household_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a family member to the migrant's household: find a registered person and
    choose them (works without script), or register a new person."""
    return _household_page(request, entry_get_for_user(request, pk))


@login_required
@require_http_methods(["GET", "HEAD"])
def household_find_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The household picker's type-ahead."""
    entry = entry_get_for_user(request, pk)
    return _found_json(
        request,
        taken=household_persons(entry.person_id),
        taken_label=_("already in the household"),
        pick_url=_picker_urls("household", entry.pk)["pick_url"],
    )


@login_required
@require_POST
def household_add(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(request, pk)
    form = HouseholdMemberForm(request.POST, asks_migrant=True)
    back = reverse("community:household-pick", args=[entry.pk])
    if not form.is_valid():
        messages.error(request, _("Choose the person and who they are in the household."))
        return HttpResponseRedirect(back)
    person = persons_visible_to(request.user).filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        messages.error(request, _("No person with this number that you may see."))
        return HttpResponseRedirect(back)
    try:
        services.register_household_member_add(
            actor=request.user,  # type: ignore[arg-type]
            entry=entry,
            person=person,
            relationship=form.cleaned_data["relationship"],
            migrant_relationship=form.chosen_migrant_relationship(),
            token=form.cleaned_data["token"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(f"{back}?person={person.pk}")
    messages.success(request, _("The family member was added to the household."))
    return HttpResponseRedirect(_household_url(entry))


@login_required
@require_POST
def household_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a new person through the registry's matching and add them at once."""
    entry = entry_get_for_user(request, pk)
    form = NewHouseholdMemberForm(
        request.POST, asks_migrant=migrant_household(entry.person_id) is None
    )
    candidates: list[int] = []
    if form.is_valid():
        added, candidates = _register_and_add(
            request,
            form,
            functools.partial(
                services.register_household_member_add,
                entry=entry,
                relationship=form.cleaned_data["relationship"],
                migrant_relationship=form.chosen_migrant_relationship(),
            ),
        )
        if added:
            messages.success(request, _("The person was registered and added to the household."))
            return HttpResponseRedirect(_household_url(entry))
    return _household_page(request, entry, new_form=form, candidates=candidates, status=400)
