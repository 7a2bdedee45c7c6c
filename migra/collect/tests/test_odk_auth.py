"""Who may talk to the OpenRosa server: the key in the path, or HTTP Basic with the
person's password (HTTPS only, lockout as on the login page, not for roles that need
two-step login)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from migra.accounts.models import Membership, User
from migra.accounts.roles import Role
from migra.accounts.tests.conftest import PASSWORD
from migra.audit.models import AuditAction, AuditEvent
from migra.collect import odk_auth, services
from migra.collect.models import Submission, XForm
from migra.collect.tests.conftest import Cast, instance_xml
from migra.collect.tests.test_openrosa import message_of, multipart, post_body, submission_parts

pytestmark = pytest.mark.django_db

KHMER_PASSWORD = "ពាក្យសម្ងាត់ របស់ខ្ញុំ ១២៣"


def basic(login: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def secure_get(client: Client, url: str, **extra: Any) -> Any:
    return client.get(url, secure=True, **extra)


@pytest.fixture
def visit(open_form: Callable[..., XForm]) -> XForm:
    return open_form()


# --------------------------------------------------------------------------- HTTP Basic


def test_without_credentials_the_server_asks_for_a_password(visit: XForm, client: Client) -> None:
    for url in ("/odk/formList", "/odk/submission", "/odk/forms/household_visit/form.xml"):
        response = secure_get(client, url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="Migra", charset="UTF-8"'
        assert response["X-OpenRosa-Version"] == "1.0"
        assert message_of(response)[0] == "error"


def test_a_field_user_logs_in_with_basic_over_https(
    visit: XForm, crew: Cast, client: Client
) -> None:
    response = secure_get(client, "/odk/formList", **basic("gina@example.org", PASSWORD))
    assert response.status_code == 200
    assert b"<formID>household_visit</formID>" in response.content
    # URLs in the list lead back through Basic, over https.
    assert b"https://testserver/odk/forms/household_visit/form.xml" in response.content

    body = multipart(submission_parts(instance_xml()))
    sent = post_body(
        client, "/odk/submission", body, secure=True, **basic("gina@example.org", PASSWORD)
    )
    assert sent.status_code == 201
    assert Submission.objects.get().submitted_by == crew.users["gina"]


def test_a_phone_number_and_a_khmer_password_work(visit: XForm, crew: Cast, client: Client) -> None:
    user = User.objects.create_user(phone="+85512345678", password=KHMER_PASSWORD, full_name="ស្រី")
    Membership.objects.create(
        user=user, agency=crew.agencies["lead"], role=Role.SHG_FACILITATOR, all_places=True
    )
    response = secure_get(client, "/odk/formList", **basic("០១២ ៣៤៥ ៦៧៨", KHMER_PASSWORD))
    assert response.status_code == 200
    assert b"household_visit" in response.content


def test_a_wrong_password_is_401_and_written_down(visit: XForm, client: Client) -> None:
    response = secure_get(client, "/odk/formList", **basic("gina@example.org", "wrong password"))
    assert response.status_code == 401
    assert "Basic" in response["WWW-Authenticate"]
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN_FAILED, object_label="gina@example.org"
    ).exists()
    assert AccessAttempt.objects.filter(username="gina@example.org").exists()


def test_too_many_wrong_passwords_lock_the_account_as_the_login_page_does(
    visit: XForm, client: Client, settings: Any
) -> None:
    wrong = basic("gina@example.org", "wrong password")
    statuses = [
        secure_get(client, "/odk/formList", **wrong).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [401] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    # Locked: even the right password is refused, in OpenRosa's envelope, not a page.
    response = secure_get(client, "/odk/formList", **basic("gina@example.org", PASSWORD))
    assert response.status_code == 429
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert int(response["Retry-After"]) == settings.LOGIN_LOCKOUT_MINUTES * 60
    with translation.override("km"):
        expected = gettext("Too many wrong passwords. Wait %(minutes)d minutes, then try again.")
    assert message_of(response)[1] == expected % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
    # The same lock holds on the login page.
    login = client.post(
        "/app/login/", {"username": "gina@example.org", "password": PASSWORD}, secure=True
    )
    assert login.status_code == 429


def test_the_right_password_clears_earlier_wrong_ones(visit: XForm, client: Client) -> None:
    for _ in range(2):
        secure_get(client, "/odk/formList", **basic("gina@example.org", "wrong password"))
    assert AccessAttempt.objects.exists()
    assert (
        secure_get(client, "/odk/formList", **basic("GINA@example.org", PASSWORD)).status_code
        == 200
    )
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("name", ["carol", "alice"])
def test_roles_that_need_two_step_login_must_use_a_key(
    visit: XForm, crew: Cast, client: Client, name: str
) -> None:
    user = crew.users[name]
    user.language = "th"
    user.save(update_fields=["language"])
    response = secure_get(client, "/odk/formList", **basic(f"{name}@example.org", PASSWORD))
    assert response.status_code == 403
    assert response["Content-Language"] == "th"
    with translation.override("th"):
        expected = gettext(
            "Your role needs two-step login, so your password alone cannot be used "
            "here. In Migra, open “Set up ODK Collect” and scan the QR code."
        )
    assert message_of(response)[1] == expected
    assert b"household_visit" not in response.content
    # With a key made in the staff app (after their second step) they are let in.
    token = services.app_token_issue(actor=user, user=user)
    assert client.get(f"/odk/key/{token}/formList").status_code == 200


def test_a_superuser_must_use_a_key(visit: XForm, client: Client) -> None:
    User.objects.create_superuser("root@example.org", PASSWORD)
    response = secure_get(client, "/odk/formList", **basic("root@example.org", PASSWORD))
    assert response.status_code == 403


def test_a_password_over_plain_http_is_refused_unread(
    visit: XForm, client: Client, settings: Any
) -> None:
    assert settings.DEBUG is False
    response = client.get("/odk/formList", **basic("gina@example.org", "wrong password"))
    assert response.status_code == 403
    assert not AccessAttempt.objects.exists()  # not checked, so not counted
    right = client.get("/odk/formList", **basic("gina@example.org", PASSWORD))
    assert right.status_code == 403
    # Nor is a password asked for over plain HTTP.
    asked = client.get("/odk/formList")
    assert asked.status_code == 401
    assert "WWW-Authenticate" not in asked


def test_plain_http_is_fine_while_developing(visit: XForm, client: Client, settings: Any) -> None:
    settings.DEBUG = True
    response = client.get("/odk/formList", **basic("gina@example.org", PASSWORD))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":only-a-password").decode(),
        "Basic " + base64.b64encode(b"gina@example.org:").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\x00\x01").decode(),
        "Basic " + base64.b64encode(b"a" * 5000 + b":b").decode(),
        "Bearer something",
        "Digest username=gina",
    ],
)
def test_malformed_credentials_are_401(visit: XForm, client: Client, header: str) -> None:
    response = secure_get(client, "/odk/formList", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "Basic" in response["WWW-Authenticate"]


def test_a_failed_password_on_a_post_keeps_the_body_out_of_the_lockout_record(
    visit: XForm, client: Client
) -> None:
    xml = instance_xml(body="<village_name>ឈ្មោះសម្ងាត់</village_name><households>1</households>")
    body = multipart([("xml_submission_file", None, "", xml)])
    response = post_body(
        client, "/odk/submission", body, secure=True, **basic("gina@example.org", "wrong")
    )
    assert response.status_code == 401
    attempt = AccessAttempt.objects.get()
    assert "ឈ្មោះសម្ងាត់" not in attempt.post_data
    assert "instanceID" not in attempt.post_data
    assert not Submission.objects.exists()


def test_credentials_parsing() -> None:
    assert odk_auth.basic_credentials(basic("a@b.org", "p:w")["HTTP_AUTHORIZATION"]) == (
        "a@b.org",
        "p:w",
    )
    latin = "Basic " + base64.b64encode("a@b.org:pässword".encode("latin-1")).decode()
    assert odk_auth.basic_credentials(latin) == ("a@b.org", "pässword")
    assert odk_auth.basic_credentials("basic   " + base64.b64encode(b"x:y").decode()) == (
        "x",
        "y",
    )


# --------------------------------------------------------------------------- keys


def test_a_stopped_replaced_or_unknown_key_is_401_without_a_password_prompt(
    visit: XForm, crew: Cast, client: Client
) -> None:
    gina = crew.users["gina"]
    first = services.app_token_issue(actor=gina, user=gina)
    assert client.get(f"/odk/key/{first}/formList").status_code == 200
    second = services.app_token_issue(actor=gina, user=gina)
    replaced = client.get(f"/odk/key/{first}/formList")
    assert replaced.status_code == 401
    assert "WWW-Authenticate" not in replaced
    with translation.override("km"):
        assert message_of(replaced)[1] == gettext(
            "This phone's key does not work any more: it was stopped or replaced. "
            "Ask for a new QR code and scan it in ODK Collect."
        )
    assert client.get(f"/odk/key/{second}/formList").status_code == 200
    services.app_token_revoke(actor=gina, user=gina)
    for url in ("formList", "submission", "forms/household_visit/form.xml"):
        assert client.get(f"/odk/key/{second}/{url}").status_code == 401
    body = multipart(submission_parts(instance_xml()))
    assert post_body(client, f"/odk/key/{second}/submission", body).status_code == 401
    assert client.get(f"/odk/key/{'x' * 300}/formList").status_code == 401
    assert not Submission.objects.exists()


def test_a_deactivated_persons_key_is_401(visit: XForm, crew: Cast, client: Client) -> None:
    gina = crew.users["gina"]
    token = services.app_token_issue(actor=gina, user=gina)
    gina.is_active = False
    gina.save(update_fields=["is_active"])
    assert client.get(f"/odk/key/{token}/formList").status_code == 401


def test_a_key_path_ignores_a_password(visit: XForm, crew: Cast, client: Client) -> None:
    # The key decides who is sending: another person's password changes nothing.
    gina = crew.users["gina"]
    token = services.app_token_issue(actor=gina, user=gina)
    body = multipart(submission_parts(instance_xml()))
    sent = post_body(
        client,
        f"/odk/key/{token}/submission",
        body,
        secure=True,
        **basic("peter@example.org", PASSWORD),
    )
    assert sent.status_code == 201
    assert Submission.objects.get().submitted_by == gina
