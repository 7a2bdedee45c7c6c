"""Two writers of one document at once leave one row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from migra.search.models import SearchDocument
from migra.search.services import search_index_upsert
from migra.search.tests.searchable_app.models import Story


@pytest.mark.django_db(transaction=True)
def test_two_upserts_of_one_document_leave_one_row():
    from migra.accounts.models import Agency
    from migra.accounts.roles import AgencyKind

    agency = Agency.objects.create(name_km="ក", kind=AgencyKind.LEAD_NGO)
    story = Story.objects.create(title="t", body="ការជួញដូរមនុស្ស", agency=agency)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                search_index_upsert(doc_type="test_story", obj=story)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (
        SearchDocument.objects.filter(doc_type="test_story", object_id=str(story.pk)).count() == 1
    )
