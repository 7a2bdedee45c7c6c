"""Which screening questions a problem reported in the register answers "yes".

Keys are `ProblemKind` codes; values are topics of the screening catalogue
(migra/screening/catalogue/*.json). The screening form pre-selects "yes" for the
topics it shows; the worker still sees and can change every answer.
"""

from __future__ import annotations

from collections.abc import Iterable

PROBLEM_SCREENING_TOPICS: dict[str, tuple[str, ...]] = {
    "unpaid_wages": ("dest_wages_withheld", "work_low_no_pay", "fl_wages_withheld"),
    "documents_taken": ("dest_documents", "fl_documents"),
    "confined": ("dest_confined", "fl_restriction_of_movement", "fl_isolation"),
    "threatened": ("dest_threats", "fl_threats"),
    "injured": ("dest_violence", "work_dangerous", "fl_violence"),
}

MAX_PREFILL = 200  # characters of the query value read at most


def prefill_answers(raw: str) -> dict[str, str]:
    """Screening answers ({topic: "yes"}) for comma-separated problem codes; unknown
    codes are ignored."""
    return answers_for(part.strip() for part in raw[:MAX_PREFILL].split(","))


def answers_for(codes: Iterable[str]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for code in codes:
        for topic in PROBLEM_SCREENING_TOPICS.get(code, ()):
            answers[topic] = "yes"
    return answers
