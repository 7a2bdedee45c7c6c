"""With the real database queue: publishing and withdrawing only enqueue; `migra worker`
posts and removes; the retry job is registered with every long-running worker."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from migra.config.worker import discover_periodic_jobs
from migra.sharing.models import FacebookPost, FacebookState
from migra.sharing.tests.conftest import publish, withdraw

DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
)


def test_the_retry_job_runs_every_minute_in_long_running_workers():
    jobs = {job.name: job.every for job in discover_periodic_jobs()}
    assert jobs["migra.sharing.tasks.facebook_retry_due"] == 60


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_the_worker_posts_then_removes(
    crew, story, facebook_on, django_capture_on_commit_callbacks
):
    shown = publish(crew, story(), django_capture_on_commit_callbacks)
    post = FacebookPost.objects.get(story=shown)
    assert post.state == FacebookState.QUEUED and facebook_on.requests == []
    assert DBTaskResult.objects.filter(task_path="migra.sharing.tasks.facebook_send").count() == 1
    call_command("worker", "--batch", "--worker-id", "batch-sharing", verbosity=0)
    post.refresh_from_db()
    assert post.state == FacebookState.POSTED and len(facebook_on.posts) == 1

    withdraw(crew, shown, django_capture_on_commit_callbacks)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETING and facebook_on.deletes == []
    call_command("worker", "--batch", "--worker-id", "batch-sharing", verbosity=0)
    post.refresh_from_db()
    assert post.state == FacebookState.DELETED and len(facebook_on.deletes) == 1
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL}
