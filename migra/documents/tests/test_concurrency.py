"""At the same moment: downloads all counted, uploads all kept and numbered 1..n without
a gap or a double, two editors' saves — one wins, the other is told. On SQLite and
PostgreSQL alike (CI runs this file on both)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from migra.documents import services
from migra.documents.models import Document, DocumentVersion
from migra.documents.tests.conftest import fields
from migra.documents.tests.samples import pdf, upload


def _race(*jobs: Callable[[], object]) -> list[str]:
    """Run the jobs at the same moment in threads; each gives "ok" or an error code."""
    start = threading.Barrier(len(jobs))
    results: list[str] = []
    lock = threading.Lock()

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            outcome = job()
            result = outcome if isinstance(outcome, str) else "ok"
        except ValidationError as error:
            result = str(error.code)
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            result = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_are_all_counted(document):
    live = document(publish=True)
    url = f"/km/documents/{live.pk}/v1/download/"
    rounds = 3
    per_thread = 8

    def download_many() -> str:
        client = Client()
        for _ in range(rounds):
            response = client.get(url)
            if response.status_code != 200:
                return f"status {response.status_code}"
            b"".join(response.streaming_content)
        return "ok"

    results = _race(*[download_many for _ in range(per_thread)])
    assert results == ["ok"] * per_thread
    assert DocumentVersion.objects.get(pk=live.latest_id).downloads == rounds * per_thread


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_through_the_service(document):
    live = document(publish=True)
    count = lambda: services.document_download_count(version_id=live.latest_id)  # noqa: E731
    results = _race(*[count for _ in range(12)])
    assert results == ["ok"] * 12
    assert DocumentVersion.objects.get(pk=live.latest_id).downloads == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_are_numbered_without_gaps_or_doubles(crew, document, media_root):
    existing = document()
    editors = ["edna", "eric"] * 3

    def add(who: str, index: int) -> Callable[[], object]:
        return lambda: services.document_version_add(
            actor=crew.users[who],
            document_id=existing.pk,
            upload=upload(pdf(f"version from thread {index}")),
            note=f"thread {index}",
        )

    results = _race(*[add(who, index) for index, who in enumerate(editors)])
    assert results == ["ok"] * len(editors)
    numbers = sorted(
        DocumentVersion.objects.filter(document=existing).values_list("number", flat=True)
    )
    assert numbers == list(range(1, len(editors) + 2))
    fresh = Document.objects.get(pk=existing.pk)
    assert fresh.file_count == len(editors) + 1
    assert fresh.latest.number == len(editors) + 1
    # Every version kept its own file.
    names = set(DocumentVersion.objects.filter(document=existing).values_list("file", flat=True))
    assert len(names) == len(editors) + 1
    assert len(list((media_root / "documents").iterdir())) == len(editors) + 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_at_once_one_wins(crew, document):
    existing = document()

    def save(who: str, title: str) -> Callable[[], object]:
        return lambda: services.document_update(
            actor=crew.users[who],
            document_id=existing.pk,
            expected_version=existing.version,
            **fields(title_km=title),
        )

    results = _race(save("edna", "ទីមួយ"), save("eric", "ទីពីរ"))
    assert sorted(results) == ["conflict", "ok"]
    fresh = Document.objects.get(pk=existing.pk)
    assert fresh.title_km in {"ទីមួយ", "ទីពីរ"} and fresh.version == existing.version + 1


@pytest.mark.django_db(transaction=True)
def test_publish_racing_unpublish_leaves_one_consistent_state(crew, document):
    live = document(publish=True)
    results = _race(
        lambda: services.document_unpublish(
            actor=crew.users["edna"], document_id=live.pk, expected_version=live.version
        ),
        lambda: services.document_update(
            actor=crew.users["eric"],
            document_id=live.pk,
            expected_version=live.version,
            **fields(title_km="ថ្មី"),
        ),
    )
    assert sorted(results) == ["conflict", "ok"]
    fresh = Document.objects.get(pk=live.pk)
    assert fresh.version == live.version + 1
