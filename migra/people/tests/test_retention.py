"""Records past the retention period, unless the person agreed to keep their data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from migra.people.models import ConsentMethod, ConsentPurpose
from migra.people.selectors import persons_past_retention
from migra.people.services import consent_give, consent_withdraw


def test_past_retention_unless_kept_by_consent(cast, register, settings):
    settings.MIGRA_PEOPLE_RETENTION_DAYS = 30
    a = register("សុខ ចាន់ធា", age=24)
    b = register("កែវ សុភា", age=30)
    later = timezone.now() + dt.timedelta(days=31)
    assert list(persons_past_retention()) == []
    assert set(persons_past_retention(now=later)) == {a, b}
    keep = consent_give(
        actor=cast.users["dan"],
        person=b,
        purpose=ConsentPurpose.RETENTION,
        method=ConsentMethod.SIGNATURE,
    )
    assert list(persons_past_retention(now=later)) == [a]
    consent_withdraw(actor=cast.users["dan"], consent=keep)
    assert set(persons_past_retention(now=later)) == {a, b}


def test_retention_command_counts_and_puts_forward_for_erasure(cast, register, settings):
    import io

    from django.core.management import call_command

    from migra.people.models import Person
    from migra.people.services import person_erase_approve

    settings.MIGRA_PEOPLE_RETENTION_DAYS = 30
    old = register("សុខ ចាន់ធា", age=24)
    new = register("កែវ សុភា", age=30)
    Person.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))

    out = io.StringIO()
    call_command("people", "retention", stdout=out)
    assert "1 records are older than 30 days" in out.getvalue()
    old.refresh_from_db()
    assert old.erasure_requested_at is None  # counting changes nothing

    out = io.StringIO()
    call_command("people", "retention", "--request", stdout=out)
    assert "1 put forward for erasure" in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.erasure_requested_at is not None and old.erasure_requested_by is None
    assert new.erasure_requested_at is None
    # A second run files nothing twice.
    out = io.StringIO()
    call_command("people", "retention", "--request", stdout=out)
    assert "0 put forward" in out.getvalue()
    # A supervisor still decides.
    supervisor = cast.users["dan"]
    from migra.accounts.models import Membership
    from migra.accounts.roles import Role

    Membership.objects.filter(user=supervisor).update(role=Role.CASE_SUPERVISOR)
    from migra.accounts.selectors import forget_memberships

    forget_memberships(supervisor)
    erased = person_erase_approve(actor=supervisor, person=old)
    assert erased.erased_at is not None


def test_workers_put_records_past_retention_forward_on_their_own(cast, register, settings):
    from migra.config.worker import discover_periodic_jobs
    from migra.people.models import Person
    from migra.people.tasks import request_erasure_past_retention

    assert "migra.people.tasks.request_erasure_past_retention" in {
        job.name for job in discover_periodic_jobs()
    }
    settings.MIGRA_PEOPLE_RETENTION_DAYS = 30
    old = register("សុខ ចាន់ធា", age=24)
    Person.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    assert request_erasure_past_retention.call() == 1
    assert request_erasure_past_retention.call() == 0
    old.refresh_from_db()
    assert old.erasure_requested_at is not None
