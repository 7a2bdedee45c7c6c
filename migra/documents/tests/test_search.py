"""Documents in search: the public finds published documents by a word inside a Khmer
title (no spaces between words) or the description; drafts only staff with EDIT_SITE
find; a document taken down leaves public search at once."""

from __future__ import annotations

from migra.documents import services
from migra.search.selectors import search_for_user, search_public


def _ids(results) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.object_id for r in results]


def test_public_search_finds_a_khmer_title(crew, document):
    live = document(publish=True, title_km="សៀវភៅណែនាំសុវត្ថិភាពការងារនៅបរទេស")
    assert _ids(search_public("សុវត្ថិភាព", doc_types=["document"])) == [str(live.pk)]
    assert _ids(search_public("ការងារ", doc_types=["document"])) == [str(live.pk)]
    result = search_public("សុវត្ថិភាព", doc_types=["document"])[0]
    assert result.url == f"/en/documents/{live.pk}/"  # the public page (tests run in English)


def test_description_and_english_title_are_searched(crew, document):
    live = document(
        publish=True,
        title_en="Guide for returnees",
        description_km="ព័ត៌មានសម្រាប់អ្នកវិលត្រឡប់មកផ្ទះវិញ",
    )
    assert _ids(search_public("returnees", doc_types=["document"])) == [str(live.pk)]
    assert _ids(search_public("វិលត្រឡប់", doc_types=["document"])) == [str(live.pk)]


def test_drafts_and_unpublished_documents_are_not_public(crew, document):
    draft = document(title_km="សេចក្តីព្រាងរបាយការណ៍ពិសេស")
    assert search_public("ពិសេស", doc_types=["document"]) == []
    assert _ids(search_for_user(crew.users["edna"], "ពិសេស", doc_types=["document"])) == [
        str(draft.pk)
    ]
    assert search_for_user(crew.users["charlie"], "ពិសេស") == []
    assert search_for_user(crew.users["peter"], "ពិសេស") == []
    live = services.document_publish(
        actor=crew.users["edna"], document_id=draft.pk, expected_version=draft.version
    )
    assert _ids(search_public("ពិសេស", doc_types=["document"])) == [str(draft.pk)]
    services.document_unpublish(
        actor=crew.users["edna"], document_id=draft.pk, expected_version=live.version
    )
    assert search_public("ពិសេស", doc_types=["document"]) == []


def test_changed_title_is_found_by_its_new_words(crew, document):
    live = document(publish=True, title_km="ចាស់")
    services.document_update(
        actor=crew.users["edna"],
        document_id=live.pk,
        expected_version=live.version,
        title_km="គោលការណ៍ណែនាំថ្មី",
        category="policy",
        languages=["km"],
        published_on=live.published_on,
    )
    assert _ids(search_public("គោលការណ៍", doc_types=["document"])) == [str(live.pk)]
    assert search_public("ចាស់", doc_types=["document"]) == []
