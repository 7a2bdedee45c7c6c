"""The Page token is a secret: it goes to Facebook and nowhere else — not in a log line,
the audit trail, a stored error, a page, nor a URL — even when Facebook's own error
message repeats it."""

from __future__ import annotations

import logging

from django.core import serializers

from migra.audit.models import AuditEvent
from migra.sharing import graph, services
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import TOKEN, publish, withdraw
from migra.stories.tests.conftest import login_as


def test_the_token_never_leaves_for_anywhere_but_facebook(
    crew, story, client, facebook_on, clock, caplog, capsys, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    # Facebook's messages repeat the token (and one that looks like another token).
    facebook_on.error(400, 190, f"Invalid OAuth access token: {TOKEN}")
    facebook_on.error(500, 1, f"Failed for access_token={TOKEN}&x=1 or EAAB{'z' * 30}")
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert "[token]" in post.last_error and TOKEN not in post.last_error
    login_as(client, crew.users["edna"])
    first_page = client.get(f"/app/stories/{shown.pk}/").content.decode()
    clock.now = post.next_attempt_at
    services.facebook_process_due()
    post.refresh_from_db()
    assert post.last_error.count("[token]") == 2 and "EAAB" not in post.last_error
    clock.now = post.next_attempt_at
    services.facebook_process_due()  # posted
    facebook_on.error(400, 190, f"Bad token {TOKEN}")
    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    clock.now = post.next_attempt_at
    services.facebook_process_due()  # removed
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED
    last_page = client.get(f"/app/stories/{shown.pk}/").content.decode()

    # Facebook did receive it (in the body, then in the header) …
    assert all(r.form.get("access_token") == TOKEN for r in facebook_on.posts)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in facebook_on.deletes)
    assert all(TOKEN not in r.path for r in facebook_on.requests)
    # … and nothing else did.
    out, err = capsys.readouterr()
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for place, text in {
        "log": logged,
        "stdout": out,
        "stderr": err,
        "audit": serializers.serialize("json", AuditEvent.objects.all()),
        "rows": serializers.serialize("json", FacebookPost.objects.all()),
        "first page": first_page,
        "last page": last_page,
    }.items():
        assert TOKEN not in text, place
        assert TOKEN[:20] not in text, place
    assert len(facebook_on.requests) == 5


def test_config_and_errors_do_not_print_the_token(settings):
    settings.MIGRA_FACEBOOK_PAGE_ID = "42"
    settings.MIGRA_FACEBOOK_PAGE_TOKEN = TOKEN
    config = graph.config_from_settings()
    assert config is not None
    assert TOKEN not in repr(config) and TOKEN not in str(config)
    error = graph.GraphError(graph.ErrorKind.TOKEN, graph.scrub(f"no {TOKEN}", TOKEN))
    assert TOKEN not in str(error) and TOKEN not in repr(error)


def test_scrub_keeps_details_short_and_printable():
    text = graph.scrub("line\none\x00\x1b[31m" + "x" * 1000, "")
    assert "\n" not in text and "\x00" not in text and "\x1b" not in text
    assert len(text) == graph.MAX_DETAIL
