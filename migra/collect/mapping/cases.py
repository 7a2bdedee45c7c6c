"""The field form "report a concern" (forms/tip.xlsx) → a tip in the triage queue.

The same service as the public "report a concern" page and the hotline form,
`cases.tip_services.tip_submit`, as the field worker who sent it: what happened, where
(a place in Cambodia picked from places.csv, a destination country, or unknown), the
place in words, how to reach the person who told them, and how they heard of it (at a
self-help group → source "shg", otherwise "other"). The tip is encrypted, lands in the
queue of the caseworkers who work at that place, and they are told of it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from migra.cases.models import TipSource
from migra.cases.tip_services import tip_submit
from migra.collect.mapping import MappedRecord, MappingInput, MappingProblem, mapper
from migra.collect.mapping.outreach import already_done, chosen_place, refused, text_value, value
from migra.collect.models import BuiltinForm
from migra.places.models import Place, PlaceKind
from migra.places.selectors import place_by_code

SOURCES = {"shg": TipSource.SHG, "other": TipSource.OTHER}


def _place(given: MappingInput) -> Place | None:
    where = value(given.root, "where")
    if where == "kh":
        return chosen_place(given.root)
    if where == "abroad":
        code = value(given.root, "country")
        if not code:
            return None
        country = place_by_code(code)
        if country is None or country.kind != PlaceKind.COUNTRY or country.code == "KH":
            raise MappingProblem(
                _("The country %(code)s chosen on the phone is not in the list of places.")
                % {"code": code[:20]}
            )
        return country
    if where in ("", "unknown"):
        return None
    raise MappingProblem(_("Say where this is happening: in Cambodia, abroad, or not known."))


@mapper(BuiltinForm.TIP)
def map_tip(given: MappingInput) -> MappedRecord:
    already_done(given)
    source = SOURCES.get(value(given.root, "heard_from"))
    if source is None:
        raise MappingProblem(_("Say how you heard about it."))
    what = _("The concern was not recorded")
    try:
        tip = tip_submit(
            source=source,
            text=text_value(given.root, "text"),
            contact=text_value(given.root, "contact"),
            place=_place(given),
            place_note=text_value(given.root, "place_note"),
            actor=given.actor,
            request=given.request,
        )
    except PermissionDenied:
        raise MappingProblem(
            _(
                "%(what)s: the person who sent the form may not record concerns. Ask a "
                "caseworker to record it as a hotline tip."
            )
            % {"what": what}
        ) from None
    except ValidationError as error:
        raise refused(error, what=what) from None
    return MappedRecord(record_type="cases.tip", record_id=str(tip.pk))
