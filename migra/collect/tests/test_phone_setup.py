"""Setting up ODK Collect: the QR code a field user scans once, made by themselves or
by an admin; a new one stops the old; "stop this phone" stops it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from migra.accounts.tests.conftest import login_as
from migra.audit.models import AuditAction, AuditEvent
from migra.collect import phone_views, qrcode
from migra.collect.models import AppToken, XForm
from migra.collect.tests.conftest import Cast
from migra.collect.tests.qr_scan import scan

pytestmark = pytest.mark.django_db

SETUP = "/app/collect/phone/"


def keys_url(user: Any) -> str:
    return f"/app/collect/keys/{user.pk}/"


@pytest.fixture
def payloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each QR code made on a page carries (the page shows only the image)."""
    made: list[str] = []
    real = qrcode.qr_data_uri

    def spy(payload: str) -> str:
        made.append(payload)
        return real(payload)

    monkeypatch.setattr(qrcode, "qr_data_uri", spy)
    return made


def qr_src(response: Any) -> str:
    found = re.search(rb'<img id="collect-qr" src="([^"]+)"', response.content)
    assert found is not None
    return found.group(1).decode().replace("&amp;", "&").replace("&#x27;", "'")


def token_of(settings_json: dict[str, Any]) -> str:
    url = settings_json["general"]["server_url"]
    prefix = "https://testserver/odk/key/"
    assert url.startswith(prefix)
    return str(url.removeprefix(prefix))


def test_a_field_user_makes_a_qr_code_that_sets_up_odk_collect(
    open_form: Callable[..., XForm], crew: Cast, client: Client, payloads: list[str]
) -> None:
    open_form()
    gina = crew.users["gina"]
    login_as(client, gina)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert b'data-key="none"' in page.content
    assert b"Household visit" in page.content  # the forms her phone will get
    assert b"collect-qr" not in page.content

    shown = client.post(SETUP, {"action": "new"})
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    [payload] = payloads
    # The image on the page is exactly this payload's QR code: scanned, it reads back.
    assert qr_src(shown) == qrcode.qr_data_uri(payload)
    settings_json = scan(shown.content)
    assert settings_json == qrcode.decode_settings(payload)
    general = settings_json["general"]
    token = token_of(settings_json)
    assert general["app_language"] == "km"
    assert general["form_update_mode"] == "match_exactly"
    assert general["autosend"] == "wifi_and_cellular"
    assert general["username"] == "" and general["password"] == ""
    assert settings_json["admin"]["change_server"] is False
    assert settings_json["project"]["name"] == "Migra"
    assert token.encode() in shown.content  # typed by hand when scanning fails

    # The phone, set up with it, gets her forms.
    phone = Client()
    listing = phone.get(f"/odk/key/{token}/formList")
    assert listing.status_code == 200
    assert b"<formID>household_visit</formID>" in listing.content

    # The key is not shown again.
    again = client.get(SETUP)
    assert b'data-key="active"' in again.content
    assert token.encode() not in again.content
    assert AppToken.objects.filter(user=gina, revoked_at__isnull=True).count() == 1


def test_the_qr_code_carries_the_persons_language(
    open_form: Callable[..., XForm], crew: Cast, client: Client, payloads: list[str]
) -> None:
    gina = crew.users["gina"]
    gina.language = "th"
    gina.save(update_fields=["language"])
    login_as(client, gina)
    client.post(SETUP, {"action": "new"})
    assert qrcode.decode_settings(payloads[-1])["general"]["app_language"] == "th"


def test_a_new_qr_code_stops_the_old_one_and_stop_stops_the_phone(
    open_form: Callable[..., XForm], crew: Cast, client: Client, payloads: list[str]
) -> None:
    open_form()
    login_as(client, crew.users["gina"])
    client.post(SETUP, {"action": "new"})
    client.post(SETUP, {"action": "new"})
    old, new = (token_of(qrcode.decode_settings(payload)) for payload in payloads)
    phone = Client()
    assert phone.get(f"/odk/key/{old}/formList").status_code == 401
    assert phone.get(f"/odk/key/{new}/formList").status_code == 200

    stopped = client.post(SETUP, {"action": "stop"})
    assert stopped.status_code == 302
    assert phone.get(f"/odk/key/{new}/formList").status_code == 401
    assert b'data-key="none"' in client.get(SETUP).content
    assert AuditEvent.objects.filter(
        action=AuditAction.SECURITY, changes__odk_key="revoked"
    ).exists()


def test_an_admin_makes_the_key_for_someone_they_manage(
    open_form: Callable[..., XForm], crew: Cast, client: Client, payloads: list[str]
) -> None:
    open_form()
    gina = crew.users["gina"]
    gina.language = "en"
    gina.save(update_fields=["language"])
    login_as(client, crew.users["alice"])
    page = client.get(keys_url(gina))
    assert page.status_code == 200
    assert gina.full_name.encode() in page.content
    shown = client.post(keys_url(gina), {"action": "new"})
    assert shown.status_code == 200
    settings_json = qrcode.decode_settings(payloads[-1])
    assert settings_json["general"]["app_language"] == "en"  # hers, not the admin's
    token = token_of(settings_json)
    sent = Client().get(f"/odk/key/{token}/formList")
    assert sent.status_code == 200
    assert b"household_visit" in sent.content

    client.post(keys_url(gina), {"action": "stop"})
    assert Client().get(f"/odk/key/{token}/formList").status_code == 401


@pytest.mark.parametrize(
    ("admin", "status"),
    [("bob", 403), ("carol", 403), ("gina", 403), ("charlie", 403)],
)
def test_only_admins_who_manage_the_person_make_their_key(
    crew: Cast, client: Client, admin: str, status: int
) -> None:
    # bob runs another agency; carol and gina do not manage users; charlie has no role.
    login_as(client, crew.users[admin])
    target = crew.users["gina"] if admin != "gina" else crew.users["peter"]
    assert client.get(keys_url(target)).status_code == status
    assert client.post(keys_url(target), {"action": "new"}).status_code == status
    assert not AppToken.objects.exists()


def test_an_unknown_person_is_404(crew: Cast, client: Client) -> None:
    login_as(client, crew.users["alice"])
    assert client.get("/app/collect/keys/999999/").status_code == 404


def test_a_deactivated_account_gets_no_key(crew: Cast, client: Client) -> None:
    gina = crew.users["gina"]
    gina.is_active = False
    gina.save(update_fields=["is_active"])
    login_as(client, crew.users["alice"])
    response = client.post(keys_url(gina), {"action": "new"})
    assert response.status_code == 302
    assert not AppToken.objects.exists()


def test_people_whose_role_gets_no_field_forms_cannot_set_up_a_phone(
    crew: Cast, client: Client
) -> None:
    for name in ("charlie", "erin", "frank"):
        login_as(client, crew.users[name])
        assert client.get(SETUP).status_code == 403
        assert client.post(SETUP, {"action": "new"}).status_code == 403
    assert not AppToken.objects.exists()
    for name in ("gina", "peter", "carol", "alice"):
        assert phone_views.may_use_collect(crew.users[name]), name


def test_the_setup_page_needs_a_login_and_a_csrf_token(crew: Cast, client: Client) -> None:
    response = client.get(SETUP)
    assert response.status_code == 302
    assert "/app/login/" in response["Location"]
    strict = login_as(Client(enforce_csrf_checks=True), crew.users["gina"])
    assert strict.post(SETUP, {"action": "new"}).status_code == 403
    assert not AppToken.objects.exists()


def test_an_unknown_action_changes_nothing(crew: Cast, client: Client) -> None:
    login_as(client, crew.users["gina"])
    assert client.post(SETUP, {"action": "explode"}).status_code == 302
    assert not AppToken.objects.exists()


def test_settings_payload_round_trip_and_hostile_payloads() -> None:
    made = qrcode.collect_settings(server_url="https://example.org/odk/key/abc", language="km")
    assert qrcode.decode_settings(qrcode.encode_settings(made)) == made
    import base64
    import zlib

    bomb = base64.b64encode(zlib.compress(b"[" * 10_000_000)).decode()
    for bad in ("not base64!", base64.b64encode(b"plain").decode(), bomb):
        with pytest.raises(ValueError):
            qrcode.decode_settings(bad)
    not_object = base64.b64encode(zlib.compress(b"[1, 2]")).decode()
    with pytest.raises(ValueError):
        qrcode.decode_settings(not_object)
