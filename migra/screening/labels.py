"""Words a person reads about the rules: dimensions, patterns, rule clauses. Translated
here (the rules module itself imports no Django)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from migra.screening import rules

DIMENSION_LABELS: dict[str, Promise] = {
    "deceptive_recruitment": _("Deceptive recruitment (including transfer and transport)"),
    "coercive_recruitment": _("Coercive recruitment"),
    "recruitment_abuse_of_vulnerability": _("Recruitment by abuse of vulnerability"),
    "exploitative_conditions": _("Exploitative conditions of work"),
    "coercion_at_destination": _("Coercion at destination"),
    "abuse_of_vulnerability_at_destination": _("Abuse of vulnerability at destination"),
    rules.FORCED_LABOUR: _("ILO indicators of forced labour"),
}

# Short headings for the questions of the guided screening.
DIMENSION_SHORT: dict[str, Promise] = {
    "deceptive_recruitment": _("Before leaving"),
    "coercive_recruitment": _("Before leaving"),
    "recruitment_abuse_of_vulnerability": _("Before leaving"),
    "exploitative_conditions": _("The work"),
    "coercion_at_destination": _("Being kept there"),
    "abuse_of_vulnerability_at_destination": _("Being kept there"),
    rules.FORCED_LABOUR: _("The work"),
}

PATTERN_LABELS: dict[str, Promise] = {
    "a": _("two strong indicators"),
    "b": _("one strong indicator and one medium or weak"),
    "c": _("three medium indicators"),
    "d": _("two medium indicators and one weak"),
}

FORCED_LABOUR_CLAUSES: dict[str, Promise] = {
    "alone": _(
        "one indicator that on its own keeps a person from leaving (restriction of "
        "movement, physical and sexual violence, or debt bondage)"
    ),
    "menace_plus": _(
        "at least two indicators, one of them a menace of penalty (restriction of "
        "movement, isolation, violence, threats, documents kept, wages held back, debt "
        "bondage)"
    ),
}

# With a context: the answer to a question about what happened (in Khmer "បាទ/ចាស",
# "ទេ"), not the "agree / do not agree" of a consent.
ANSWER_LABELS: dict[str, Promise] = {
    rules.YES: pgettext_lazy("screening answer", "Yes"),
    rules.NO: pgettext_lazy("screening answer", "No"),
    rules.UNKNOWN: pgettext_lazy("screening answer", "Don't know"),
}

GROUP_LABELS: dict[str, Promise] = {
    rules.ADULT: _("adult lists (18 and over)"),
    rules.CHILD: _("child lists (under 18)"),
}

EXPLOITATION_LABELS: dict[str, Promise] = {
    rules.LABOUR: _("Trafficking for labour exploitation"),
    rules.SEXUAL: _("Trafficking for sexual exploitation"),
}

# The names of the eleven ILO indicators of forced labour (SAP-FL, 2012) [P], by topic,
# so that they read in the page's language (the catalogue keeps the English name).
FORCED_LABOUR_NAMES: dict[str, Promise] = {
    "fl_abuse_of_vulnerability": _("Abuse of vulnerability"),
    "fl_deception": _("Deception"),
    "fl_restriction_of_movement": _("Restriction of movement"),
    "fl_isolation": _("Isolation"),
    "fl_violence": _("Physical and sexual violence"),
    "fl_threats": _("Intimidation and threats"),
    "fl_documents": _("Retention of identity documents"),
    "fl_wages_withheld": _("Withholding of wages"),
    "fl_debt_bondage": _("Debt bondage"),
    "fl_abusive_conditions": _("Abusive working and living conditions"),
    "fl_excessive_overtime": _("Excessive overtime"),
}
