"""From a built-in form's submission to the platform's own records.

Each built-in form (migra.collect.models.BuiltinForm) has one mapper: a function that
reads the submitted instance and calls the same services as the web forms
(`meeting_record`, `register_entry_add`, `story_create` …) as the person who sent it.
A mapper raises `MappingProblem` with words for the person who will fix it when the
submission cannot become a record (an unknown group, a person who cannot be matched, a
value the service refuses); the submission is then kept in the "needs attention"
queue and nothing of the half-made record stays (the caller runs the mapper inside a
savepoint).

Mappers register themselves with `@mapper(BuiltinForm.X)`; the modules that hold them
are imported below so that the registry is full once this package is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from django.http import HttpRequest

if TYPE_CHECKING:
    from migra.accounts.models import User
    from migra.collect.models import Submission, SubmissionAttachment


class MappingProblem(Exception):
    """The submission cannot become a record; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MappingInput:
    """What a mapper gets: the submission, its parsed instance and its files."""

    submission: Submission
    root: Element  # the instance's root element (namespaces stripped from tags)
    actor: User  # the person who sent it: services run as them
    files: dict[str, SubmissionAttachment] = field(default_factory=dict)
    request: HttpRequest | None = None


@dataclass(frozen=True)
class MappedRecord:
    """What the submission became, e.g. ("community.meeting", "42")."""

    record_type: str
    record_id: str


Mapper = Callable[[MappingInput], MappedRecord]
MAPPERS: dict[str, Mapper] = {}


def mapper(builtin: str) -> Callable[[Mapper], Mapper]:
    def register(function: Mapper) -> Mapper:
        MAPPERS[builtin] = function
        return function

    return register


def map_submission(builtin: str, given: MappingInput) -> MappedRecord:
    found = MAPPERS.get(builtin)
    if found is None:
        from django.utils.translation import gettext as _

        raise MappingProblem(_("Migra does not know how to read this form yet."))
    return found(given)


def text_of(root: Element, path: str) -> str:
    """The stripped text at `path` ("group/field") under the instance root, or ""."""
    node = root.find(path)
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def _register_mappers() -> None:
    # Imported for their @mapper registrations (they import this module's names).
    import importlib

    for name in ("community", "outreach", "stories", "cases"):
        importlib.import_module(f"migra.collect.mapping.{name}")


_register_mappers()
__all__: list[Any] = ["MAPPERS", "MappedRecord", "MappingInput", "MappingProblem", "mapper"]
