"""The editorial workflow: who may do each transition (others get a logged 403), what
each does, and that an illegal or stale transition changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from migra.audit.models import AuditAction, AuditEvent
from migra.stories import services
from migra.stories.models import CommentKind, Story, StoryComment, StoryState
from migra.stories.selectors import stories_visible_to
from migra.stories.tests.conftest import advance

# (transition, state it starts from, users allowed). Everyone else in the cast is refused
# with a logged 403. sara writes in the same commune but is not the author; nora edits
# in Siem Reap only; alice withdraws; gina registers people; charlie has no role.
MATRIX = [
    ("submit", StoryState.DRAFT, {"peter"}),
    ("review", StoryState.SUBMITTED, {"edna", "eric"}),
    ("send_back", StoryState.IN_REVIEW, {"edna", "eric"}),
    ("approve", StoryState.IN_REVIEW, {"edna", "eric"}),
    ("publish", StoryState.APPROVED, {"edna", "eric"}),
    ("withdraw", StoryState.PUBLISHED, {"alice"}),
]
EVERYONE = ["peter", "sara", "edna", "eric", "nora", "alice", "gina", "charlie", "carol"]


def _do(action: str, user, story: Story) -> Story:  # type: ignore[no-untyped-def]
    common = {"actor": user, "story_id": story.pk, "expected_version": story.version}
    if action == "submit":
        return services.story_submit(**common)
    if action == "review":
        return services.story_review_start(**common)
    if action == "send_back":
        return services.story_send_back(**common, comment="ប្តូរចំណងជើង")
    if action == "approve":
        return services.story_approve(**common)
    if action == "publish":
        return services.story_publish(**common, confirm_no_person=True)
    return services.story_withdraw(**common)


@pytest.mark.parametrize(("action", "start", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
@pytest.mark.parametrize("who", EVERYONE)
def test_role_matrix(crew, story, action, start, allowed, who):
    draft = advance(crew, story(), start) if start != StoryState.DRAFT else story()
    user = crew.users[who]
    before = Story.objects.get(pk=draft.pk)
    if who in allowed:
        after = _do(action, user, draft)
        assert after.version == before.version + 1
        assert after.state != before.state
        return
    denied = AuditEvent.objects.filter(action=AuditAction.DENIED).count()
    with pytest.raises(PermissionDenied):
        _do(action, user, draft)
    unchanged = Story.objects.get(pk=draft.pk)
    assert (unchanged.state, unchanged.version) == (before.state, before.version)
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == denied + 1


def test_the_whole_way_with_a_send_back(crew, story):
    draft = story()
    submitted = services.story_submit(
        actor=crew.users["peter"], story_id=draft.pk, expected_version=draft.version
    )
    assert submitted.state == StoryState.SUBMITTED and submitted.submitted_by == crew.users["peter"]
    reviewing = services.story_review_start(
        actor=crew.users["edna"], story_id=draft.pk, expected_version=submitted.version
    )
    back = services.story_send_back(
        actor=crew.users["edna"],
        story_id=draft.pk,
        expected_version=reviewing.version,
        comment="សូមកុំដាក់ឈ្មោះភូមិ",
    )
    assert back.state == StoryState.DRAFT and back.sent_back_by == crew.users["edna"]
    note = StoryComment.objects.get(story=draft)
    assert note.kind == CommentKind.SENT_BACK and note.text == "សូមកុំដាក់ឈ្មោះភូមិ"
    # The author changes it and sends it again.
    changed = services.story_update(
        actor=crew.users["peter"],
        story_id=draft.pk,
        expected_version=back.version,
        kind="testimony",
        title_km="ចំណងជើងថ្មី",
        text_km="អត្ថបទថ្មី",
        place_code="01020101",
    )
    final = advance(crew, changed, StoryState.PUBLISHED)
    assert final.state == StoryState.PUBLISHED
    assert final.published_by == crew.users["edna"] and final.published_at is not None
    assert final.no_person_confirmed_by == crew.users["edna"]
    withdrawn = services.story_withdraw(
        actor=crew.users["alice"], story_id=draft.pk, expected_version=final.version
    )
    assert withdrawn.state == StoryState.WITHDRAWN and withdrawn.withdrawn_reason == "decision"


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("submit", StoryState.SUBMITTED),
        ("review", StoryState.DRAFT),
        ("review", StoryState.IN_REVIEW),
        ("approve", StoryState.SUBMITTED),
        ("approve", StoryState.APPROVED),
        ("publish", StoryState.IN_REVIEW),
        ("publish", StoryState.PUBLISHED),
        ("send_back", StoryState.SUBMITTED),
        ("send_back", StoryState.PUBLISHED),
        ("withdraw", StoryState.APPROVED),
    ],
)
def test_illegal_transitions_change_nothing(crew, story, action, state):
    draft = advance(crew, story(), state) if state != StoryState.DRAFT else story()
    who = {"submit": "peter", "withdraw": "alice"}.get(action, "edna")
    if action == "review" and state == StoryState.DRAFT:
        # A first draft is the author's alone: editors cannot even see it.
        with pytest.raises(PermissionDenied):
            _do(action, crew.users[who], draft)
        return
    with pytest.raises(ValidationError) as caught:
        _do(action, crew.users[who], draft)
    assert caught.value.code == "state"
    fresh = Story.objects.get(pk=draft.pk)
    assert (fresh.state, fresh.version) == (draft.state, draft.version)


def test_withdrawn_is_final(crew, story):
    gone = advance(crew, story(), StoryState.PUBLISHED)
    gone = services.story_withdraw(
        actor=crew.users["alice"], story_id=gone.pk, expected_version=gone.version
    )
    for action, who in (("submit", "peter"), ("review", "edna"), ("publish", "edna")):
        with pytest.raises(ValidationError):
            _do(action, crew.users[who], gone)
    with pytest.raises(ValidationError) as caught:
        services.story_comment(actor=crew.users["edna"], story_id=gone.pk, text="x")
    assert caught.value.code == "state"


def test_only_drafts_change(crew, story):
    submitted = advance(crew, story(), StoryState.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        services.story_update(
            actor=crew.users["peter"],
            story_id=submitted.pk,
            expected_version=submitted.version,
            kind="testimony",
            title_km="x",
            text_km="y",
            place_code="01020101",
        )
    assert caught.value.code == "state"
    assert Story.objects.get(pk=submitted.pk).title_km == submitted.title_km


def test_an_editor_does_not_publish_their_own_story(crew, story):
    from migra.accounts.models import Membership
    from migra.accounts.roles import Role
    from migra.accounts.selectors import forget_memberships

    Membership.objects.create(
        user=crew.users["edna"],
        agency=crew.agencies["lead"],
        role=Role.PEER_EDUCATOR,
        all_places=True,
    )
    forget_memberships(crew.users["edna"])
    own = story(actor=crew.users["edna"], agency_id=crew.agencies["lead"].pk)
    own = services.story_submit(
        actor=crew.users["edna"], story_id=own.pk, expected_version=own.version
    )
    own = services.story_review_start(
        actor=crew.users["edna"], story_id=own.pk, expected_version=own.version
    )
    with pytest.raises(ValidationError) as caught:
        services.story_approve(
            actor=crew.users["edna"], story_id=own.pk, expected_version=own.version
        )
    assert caught.value.code == "own_story"
    approved = services.story_approve(
        actor=crew.users["eric"], story_id=own.pk, expected_version=own.version
    )
    assert approved.state == StoryState.APPROVED


def test_who_sees_which_story(crew, story):
    first_draft = story()
    submitted = advance(crew, story(), StoryState.SUBMITTED)
    live = advance(crew, story(), StoryState.PUBLISHED)

    def seen(who: str) -> set[int]:
        return set(stories_visible_to(crew.users[who]).values_list("pk", flat=True))

    assert seen("peter") == {first_draft.pk, submitted.pk, live.pk}
    assert seen("edna") == {submitted.pk, live.pk}  # not a first draft
    assert seen("alice") == {live.pk}  # published and withdrawn only
    assert seen("nora") == set()  # Siem Reap only
    for nobody in ("sara", "gina", "carol", "charlie"):
        assert seen(nobody) == set()


def test_transitions_are_audited_with_codes_only(crew, story):
    draft = story(name_shown="ស្រីពៅ")
    advance(crew, draft, StoryState.PUBLISHED)
    events = AuditEvent.objects.filter(
        object_type="stories.story", object_id=str(draft.pk)
    ).order_by("seq")
    moves = [(e.changes.get("from"), e.changes.get("to")) for e in events if "to" in e.changes]
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
        ("approved", "published"),
    ]
    dumped = " ".join(str(e.changes) + e.object_label for e in events)
    for secret in ("ការធ្វើដំណើរ", "ខ្ញុំបាន", "ស្រីពៅ"):
        assert secret not in dumped


def test_stale_version_is_a_conflict(crew, story):
    draft = story()
    opened = draft.version
    services.story_update(
        actor=crew.users["peter"],
        story_id=draft.pk,
        expected_version=opened,
        kind="testimony",
        title_km="ទីមួយ",
        text_km="អត្ថបទ",
        place_code="01020101",
    )
    with pytest.raises(services.StoryConflict):
        services.story_update(
            actor=crew.users["peter"],
            story_id=draft.pk,
            expected_version=opened,
            kind="testimony",
            title_km="ទីពីរ",
            text_km="អត្ថបទ",
            place_code="01020101",
        )
    with pytest.raises(services.StoryConflict):
        services.story_submit(actor=crew.users["peter"], story_id=draft.pk, expected_version=opened)
    fresh = Story.objects.get(pk=draft.pk)
    assert fresh.title_km == "ទីមួយ" and fresh.state == StoryState.DRAFT


def test_writers_write_only_in_their_places(crew):
    with pytest.raises(ValidationError) as caught:
        services.story_create(
            actor=crew.users["peter"],
            kind="testimony",
            title_km="x",
            text_km="y",
            place_code="170101",  # Siem Reap: peter works in Banteay Meanchey
        )
    assert caught.value.error_dict["place"][0].code == "outside_scope"
    for nobody in ("edna", "gina", "charlie"):
        with pytest.raises(PermissionDenied):
            services.story_create(
                actor=crew.users[nobody],
                kind="testimony",
                title_km="x",
                text_km="y",
                place_code="01020101",
            )
    assert not Story.objects.exists()


def test_story_keeps_the_province_for_the_public(crew, story):
    made = story()
    assert made.place.code == "01020101"
    assert made.public_province == crew.places["01"]


def test_linking_a_person_needs_seeing_them(crew, story, person):
    from migra.accounts.models import Membership
    from migra.accounts.roles import Role
    from migra.accounts.selectors import forget_memberships

    someone = person()
    draft = story()
    with pytest.raises(PermissionDenied):  # peter may not see the registry
        services.story_person_link(
            actor=crew.users["peter"],
            story_id=draft.pk,
            expected_version=draft.version,
            person_id=someone.pk,
        )
    membership = Membership.objects.create(
        user=crew.users["peter"],
        agency=crew.agencies["lead"],
        role=Role.SHG_FACILITATOR,
        all_places=False,
    )
    membership.places.set([crew.places["010201"]])
    forget_memberships(crew.users["peter"])
    linked = services.story_person_link(
        actor=crew.users["peter"],
        story_id=draft.pk,
        expected_version=draft.version,
        person_id=someone.pk,
    )
    assert linked.person == someone
    # Saving the form again with the same link is no change, whoever may see them.
    kept = services.story_update(
        actor=crew.users["peter"],
        story_id=draft.pk,
        expected_version=linked.version,
        kind="testimony",
        title_km="ក",
        text_km="ខ",
        place_code="01020101",
        person_id=someone.pk,
    )
    assert kept.person == someone
    with pytest.raises(ValidationError) as caught:
        services.story_person_link(
            actor=crew.users["peter"],
            story_id=draft.pk,
            expected_version=kept.version,
            person_id=987654,
        )
    assert caught.value.error_dict["person"][0].code == "person"
