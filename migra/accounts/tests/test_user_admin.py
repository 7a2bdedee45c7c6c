"""Inviting, editing, deactivating users and giving them roles, through the pages."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from migra.accounts import services
from migra.accounts.models import Invitation, Membership, User
from migra.accounts.roles import Role
from migra.audit.models import AuditAction, AuditEvent


def _invite(client, cast, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "full_name": "ស្រី ពៅ",
        "email": "",
        "phone": "097 123 4567",
        "language": "km",
        "agency": cast.agencies["crisis"].pk,
        "role": Role.CASEWORKER,
        "places": [cast.places["01"].pk],
    }
    data.update(overrides)
    return client.post(reverse("accounts:user-invite"), data)


def test_invite_then_accept_then_log_in(client, cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    response = _invite(admin, cast)
    assert response.status_code == 200, response.content[:500]
    link = response.context["link"]
    user = User.objects.get(full_name="ស្រី ពៅ")
    assert user.phone == "+855971234567"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert [p.code for p in membership.places.all()] == ["01"]
    admin.post(reverse("accounts:logout"))

    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    weak = client.post(path, {"password": "12345678", "password_again": "12345678"})
    assert weak.status_code == 200 and weak.context["form"].errors
    ok = client.post(
        path,
        {"password": "a long Khmer passphrase ភ្នំ", "password_again": "a long Khmer passphrase ភ្នំ"},
    )
    assert ok.status_code == 302
    # The link works only once.
    assert client.get(path).status_code == 404
    login = client.post(
        reverse("accounts:login"),
        {"username": "0971234567", "password": "a long Khmer passphrase ភ្នំ"},
    )
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "", "email": ""}, None),
        ({"email": "not-an-email", "phone": ""}, "email"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "ក" * 201}, "full_name"),
        ({"role": "pope"}, "role"),
        ({"places": []}, "places"),
        ({"places": ["999999999"]}, "places"),
        ({"role": Role.DONOR_VIEWER}, "role"),
    ],
)
def test_bad_invitations_change_nothing(cast, as_user, overrides, field):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    users_before = User.objects.count()
    response = _invite(admin, cast, **overrides)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors, form.errors
    assert User.objects.count() == users_before
    assert not Invitation.objects.exists()


def test_duplicate_login_is_refused(cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    response = _invite(admin, cast, email="CAROL@example.org", phone="")
    assert "email" in response.context["form"].errors


def test_hostile_name_is_stored_as_text_and_escaped(cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    _invite(admin, cast, full_name="<script>alert('x')</script>")
    user = User.objects.get(full_name="<script>alert('x')</script>")
    page = admin.get(reverse("accounts:user-detail", args=[user.pk]))
    assert b"<script>alert" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_partner_admin_cannot_staff_another_agency(cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    response = _invite(admin, cast, agency=cast.agencies["lead"].pk)
    assert response.status_code == 200
    assert "agency" in response.context["form"].errors
    carol = cast.users["carol"]
    forged = admin.post(
        reverse("accounts:membership-add", args=[carol.pk]),
        {"agency": cast.agencies["lead"].pk, "role": Role.CASEWORKER, "all_places": "on"},
    )
    assert forged.status_code == 400
    assert not Membership.objects.filter(user=carol, agency=cast.agencies["lead"]).exists()


def test_deactivate_logs_the_user_out_everywhere(client, cast, as_user):  # type: ignore[no-untyped-def]
    from django.test import Client

    carol_client = Client()
    from migra.accounts.tests.conftest import login_as

    login_as(carol_client, cast.users["carol"])
    assert carol_client.get(reverse("accounts:home")).status_code == 200
    admin = as_user(cast.users["bob"])
    response = admin.post(reverse("accounts:user-deactivate", args=[cast.users["carol"].pk]))
    assert response.status_code == 302
    assert carol_client.get(reverse("accounts:home")).status_code == 302
    carol = User.objects.get(pk=cast.users["carol"].pk)
    assert not carol.is_active and carol.deactivated_at
    admin.post(reverse("accounts:user-reactivate", args=[carol.pk]))
    carol.refresh_from_db()
    assert carol.is_active


def test_cannot_deactivate_oneself(cast, as_user):  # type: ignore[no-untyped-def]
    bob = cast.users["bob"]
    admin = as_user(bob)
    admin.post(reverse("accounts:user-deactivate", args=[bob.pk]))
    bob.refresh_from_db()
    assert bob.is_active


def test_stale_edit_is_refused_and_changes_nothing(cast, as_user):  # type: ignore[no-untyped-def]
    carol = cast.users["carol"]
    admin = as_user(cast.users["bob"])
    form = {"full_name": "Carol A", "email": "carol@example.org", "phone": "", "language": "km"}
    first = admin.post(
        reverse("accounts:user-detail", args=[carol.pk]), {**form, "version": carol.version}
    )
    assert first.status_code == 302
    second = admin.post(
        reverse("accounts:user-detail", args=[carol.pk]),
        {**form, "full_name": "Carol B", "version": carol.version},
    )
    assert second.status_code == 200
    [error] = second.context["form"].non_field_errors().as_data()
    assert error.code == "conflict"
    carol.refresh_from_db()
    assert carol.full_name == "Carol A"


def test_every_admin_write_is_audited(cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["bob"])
    before = AuditEvent.objects.count()
    _invite(admin, cast)
    user = User.objects.get(full_name="ស្រី ពៅ")
    admin.post(reverse("accounts:user-deactivate", args=[user.pk]))
    actions = list(AuditEvent.objects.filter(seq__gt=before).values_list("action", "object_type"))
    assert (AuditAction.CREATE, "accounts.user") in actions
    assert (AuditAction.UPDATE, "accounts.user") in actions


@pytest.mark.django_db(transaction=True)
def test_concurrent_invitations_of_one_person_make_one_user(cast):  # type: ignore[no-untyped-def]
    bob = User.objects.get(email="bob@example.org")
    errors: list[Exception] = []

    def invite() -> None:
        try:
            services.user_invite(
                actor=User.objects.get(pk=bob.pk),
                full_name="Same Person",
                email="same@example.org",
                agency=cast.agencies["crisis"],
                role=Role.CASEWORKER,
                all_places=True,
            )
        except Exception as error:  # noqa: BLE001 (collected and checked below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=invite) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert User.objects.filter(email="same@example.org").count() == 1
    assert len(errors) == 3
    assert all(type(e).__name__ == "ValidationError" for e in errors)


def test_agency_pages(cast, as_user):  # type: ignore[no-untyped-def]
    admin = as_user(cast.users["alice"])
    response = admin.post(
        reverse("accounts:agency-create"),
        {
            "name_km": "មន្ទីរការងារ",
            "name_en": "Labour dept",
            "kind": "labour_department",
            "is_active": "on",
        },
    )
    # A provincial body needs its province.
    assert response.status_code == 200
    assert "home_place" in response.context["form"].errors
    response = admin.post(
        reverse("accounts:agency-create"),
        {
            "name_km": "មន្ទីរការងារ",
            "name_en": "Labour dept",
            "kind": "labour_department",
            "home_place": cast.places["01"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    # Bob (a partner's admin) may not create agencies.
    bob = as_user(cast.users["bob"])
    assert (
        bob.post(reverse("accounts:agency-create"), {"name_km": "x", "kind": "police"}).status_code
        == 403
    )
