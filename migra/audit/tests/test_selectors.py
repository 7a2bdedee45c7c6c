"""audit_events_visible_to: who reads which events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from migra.accounts.models import Membership, User
from migra.audit.models import AuditAction
from migra.audit.selectors import audit_events_visible_to
from migra.audit.services import audit_record


def _labels(user: Any) -> set[str]:
    return {e.object_id for e in audit_events_visible_to(user)}


def test_the_role_matrix(lena: User, piseth: User, chantha: User, dara: User) -> None:
    for actor, name in ((lena, "lena"), (piseth, "piseth"), (chantha, "chantha"), (dara, "dara")):
        audit_record(actor=actor, action=AuditAction.VIEW, object_type="t.x", object_id=name)
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, object_type="t.x", object_id="anon")

    assert _labels(lena) == {"lena", "piseth", "chantha", "dara", "anon"}
    assert _labels(piseth) == {"piseth", "chantha"}
    assert _labels(chantha) == set()
    assert _labels(dara) == set()
    assert _labels(AnonymousUser()) == set()


def test_a_superuser_reads_everything(db: Any, dara: User) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x" * 12)
    audit_record(actor=dara, action=AuditAction.VIEW, object_id="d")
    audit_record(actor=None, action=AuditAction.VIEW, object_id="s")
    assert {e.object_id for e in audit_events_visible_to(root)} == {"d", "s"}


def test_events_of_former_members_stay_visible_to_their_agency(
    piseth: User, chantha: User
) -> None:
    audit_record(actor=chantha, action=AuditAction.UPDATE, object_id="before-leaving")
    Membership.objects.filter(user=chantha).update(is_active=False)
    assert _labels(piseth) == {"before-leaving"}


def test_a_deactivated_admin_reads_nothing(lena: User, chantha: User) -> None:
    audit_record(actor=chantha, action=AuditAction.VIEW, object_id="c")
    lena.is_active = False
    lena.save(update_fields=["is_active"])
    assert _labels(User.objects.get(pk=lena.pk)) == set()


def test_newest_first(lena: User) -> None:
    for n in range(3):
        audit_record(actor=lena, action=AuditAction.VIEW, object_id=str(n))
    assert [e.seq for e in audit_events_visible_to(lena)] == [3, 2, 1]
