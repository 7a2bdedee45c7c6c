"""The search index: one row per indexed record, whatever app it belongs to.

The row holds what search needs and nothing more: where the record lies (agency,
place path) so that permissions can be checked in SQL, its words as search keys
(`body_tokens`: segmented, case-folded, space-joined) and keyed hashes of its name
keys (`name_keys`, a blind index: no plaintext names). Full-text indexes over these
columns are created by migration 0002, differently per database (see docs/search.md).

Recency is the row's id: every write of a document gives it a new, larger id, so
"newest first" is the primary key read backwards on both databases.
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    doc_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    place_path = models.CharField(max_length=80, blank=True, default="", db_index=True)
    is_public = models.BooleanField(default=False)
    # Shown in results; empty for types whose titles are personal data (persons).
    title = models.CharField(max_length=300, blank=True, default="")
    body_tokens = models.TextField(blank=True, default="")
    name_keys = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_doc_unique")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.object_id}"
