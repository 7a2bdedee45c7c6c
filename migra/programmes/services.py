"""Writes to programmes and their targets. Each validates, saves and audits in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from migra.audit.models import AuditAction
from migra.audit.services import audit_record
from migra.places.models import Place, PlaceKind
from migra.programmes.models import TARGET_KEY_PATTERN, Programme, ProgrammeTarget

MAX_COMMUNES = 2000
MAX_TARGET_VALUE = 2_000_000_000
FIRST_YEAR = 1990
LAST_YEAR = 2100


class ProgrammeConflict(Exception):
    """The programme changed since the caller read it: nothing was saved."""

    def __init__(self, *, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            _(
                "Someone else changed this programme while you were editing it, so nothing "
                "was saved. Reload the page to see their changes, then make yours again."
            )
        )


# --------------------------------------------------------------------------- checks


def _text(value: Any, *, field: str, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("This must be text.")}, code="invalid")
    value = value.strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Use at most %(limit)d characters.") % {"limit": max_length}},
            code="max_length",
        )
    return value


def _month(value: Any, *, field: str) -> dt.date:
    """A month, stored as its 1st day. Accepts a date (any day of the month)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a month, for example 2016-01.")}, code="invalid")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            {
                field: _("Give a month in the years %(first)d to %(last)d.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            },
            code="invalid",
        )
    return value.replace(day=1)


def _places(values: Iterable[Any], *, field: str, kind: str, limit: int) -> list[Place]:
    places: dict[int, Place] = {}
    for value in values:
        if not isinstance(value, Place) or value.pk is None:
            raise ValidationError({field: _("Choose places from the gazetteer.")}, code="invalid")
        if value.kind != kind:
            raise ValidationError(
                {
                    field: _("“%(place)s” is a %(kind)s, not a %(expected)s.")
                    % {
                        "place": value.name,
                        "kind": value.get_kind_display().lower(),
                        "expected": PlaceKind(kind).label.lower(),
                    }
                },
                code="wrong_kind",
            )
        places.setdefault(value.pk, value)
        if len(places) > limit:
            raise ValidationError(
                {field: _("Choose at most %(limit)d places.") % {"limit": limit}}, code="too_many"
            )
    return list(places.values())


def _checked_fields(
    *,
    name_km: Any,
    name_en: Any,
    donors: Any,
    start_month: Any,
    end_month: Any,
    target_provinces: Iterable[Any],
    target_communes: Iterable[Any],
) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    values: dict[str, Any] = {}
    checks = {
        "name_km": lambda: _text(name_km, field="name_km", max_length=200, required=True),
        "name_en": lambda: _text(name_en, field="name_en", max_length=200, required=True),
        "donors": lambda: _text(donors, field="donors", max_length=1000, required=False),
        "start_month": lambda: _month(start_month, field="start_month"),
        "end_month": lambda: _month(end_month, field="end_month"),
        "target_provinces": lambda: _places(
            target_provinces, field="target_provinces", kind=PlaceKind.PROVINCE, limit=100
        ),
        "target_communes": lambda: _places(
            target_communes, field="target_communes", kind=PlaceKind.COMMUNE, limit=MAX_COMMUNES
        ),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.message_dict.get(name, error.messages))
    start, end = values.get("start_month"), values.get("end_month")
    if start and end and end <= start:
        errors.setdefault("end_month", []).append(
            _("The last month must come after the first month.")
        )
    provinces = values.get("target_provinces")
    communes = values.get("target_communes")
    if provinces is not None and communes:
        outside = [c for c in communes if not any(p.contains(c) for p in provinces)]
        if outside:
            names = ", ".join(c.name for c in outside[:5]) + ("…" if len(outside) > 5 else "")
            errors.setdefault("target_communes", []).append(
                _("These communes are not in a target province: %(names)s.") % {"names": names}
            )
    if errors:
        raise ValidationError(errors)
    return values


def _codes(places: Sequence[Place]) -> list[str]:
    return sorted(p.code for p in places)


# --------------------------------------------------------------------------- programme


def programme_create(
    *,
    actor: Any | None,
    name_km: str,
    name_en: str,
    donors: str = "",
    start_month: dt.date,
    end_month: dt.date,
    target_provinces: Iterable[Place] = (),
    target_communes: Iterable[Place] = (),
    request: HttpRequest | None = None,
) -> Programme:
    values = _checked_fields(
        name_km=name_km,
        name_en=name_en,
        donors=donors,
        start_month=start_month,
        end_month=end_month,
        target_provinces=target_provinces,
        target_communes=target_communes,
    )
    provinces = values.pop("target_provinces")
    communes = values.pop("target_communes")
    with transaction.atomic():
        programme = Programme.objects.create(**values)
        programme.target_provinces.set(provinces)
        programme.target_communes.set(communes)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=programme,
            changes={
                **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()},
                "target_provinces": _codes(provinces),
                "target_communes": _codes(communes),
            },
            request=request,
        )
    return programme


def _locked(programme: Programme, expected_version: int | None) -> Programme:
    """The programme's row, locked for this transaction; ProgrammeConflict if stale."""
    current = Programme.objects.select_for_update().get(pk=programme.pk)
    if expected_version is not None and current.version != expected_version:
        raise ProgrammeConflict(current_version=current.version)
    return current


def programme_update(
    *,
    actor: Any | None,
    programme: Programme,
    expected_version: int,
    name_km: str,
    name_en: str,
    donors: str,
    start_month: dt.date,
    end_month: dt.date,
    target_provinces: Iterable[Place],
    target_communes: Iterable[Place],
    request: HttpRequest | None = None,
) -> Programme:
    """Replace the programme's fields and places.

    `expected_version` is the version the caller read; if someone saved since,
    ProgrammeConflict is raised and nothing changes. No change at all: nothing is
    written and the version stays.
    """
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValidationError({"version": _("The form is out of date. Reload the page.")})
    values = _checked_fields(
        name_km=name_km,
        name_en=name_en,
        donors=donors,
        start_month=start_month,
        end_month=end_month,
        target_provinces=target_provinces,
        target_communes=target_communes,
    )
    provinces = values.pop("target_provinces")
    communes = values.pop("target_communes")
    with transaction.atomic():
        current = _locked(programme, expected_version)
        changes: dict[str, Any] = {}
        for name, new in values.items():
            old = getattr(current, name)
            if old != new:
                show = (lambda v: v.isoformat()) if isinstance(new, dt.date) else (lambda v: v)
                changes[name] = [show(old), show(new)]
                setattr(current, name, new)
        for name, new_places in (("target_provinces", provinces), ("target_communes", communes)):
            old_codes = set(getattr(current, name).values_list("code", flat=True))
            new_codes = {p.code for p in new_places}
            if old_codes != new_codes:
                changes[name] = {
                    "added": sorted(new_codes - old_codes),
                    "removed": sorted(old_codes - new_codes),
                }
                getattr(current, name).set(new_places)
        if changes:
            current.version += 1
            current.save(update_fields=[*values.keys(), "version", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=current,
                changes=changes,
                request=request,
            )
    return current


# --------------------------------------------------------------------------- targets


def _target_values(
    *, key: Any, label_km: Any, label_en: Any, label_th: Any, value: Any
) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    values: dict[str, Any] = {}
    if not isinstance(key, str) or not re.fullmatch(TARGET_KEY_PATTERN, key):
        errors["key"] = [
            _(
                "Use lower-case English letters, digits and underscores, starting with a letter "
                "(for example beneficiaries_reached)."
            )
        ]
    else:
        values["key"] = key
    for name, raw, required in (
        ("label_km", label_km, True),
        ("label_en", label_en, True),
        ("label_th", label_th, False),
    ):
        try:
            values[name] = _text(raw, field=name, max_length=200, required=required)
        except ValidationError as error:
            errors[name] = error.message_dict[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TARGET_VALUE:
        errors["value"] = [
            _("Give a whole number from 1 to %(max)s.") % {"max": f"{MAX_TARGET_VALUE:,}"}
        ]
    else:
        values["value"] = value
    if errors:
        raise ValidationError(errors)
    return values


def programme_target_set(
    *,
    actor: Any | None,
    programme: Programme,
    key: str,
    label_km: str,
    label_en: str,
    label_th: str = "",
    value: int,
    position: int | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> ProgrammeTarget:
    """Create or change the target `key`. A change counts as a change of the programme:
    its version goes up, and `expected_version` (when given) guards against stale edits."""
    values = _target_values(
        key=key, label_km=label_km, label_en=label_en, label_th=label_th, value=value
    )
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 1000
    ):
        raise ValidationError({"position": _("Give a position from 0 to 1000.")})
    with transaction.atomic():
        current = _locked(programme, expected_version)
        target = ProgrammeTarget.objects.filter(programme=current, key=values["key"]).first()
        if target is None:
            if position is None:
                position = current.targets.count()
            target = ProgrammeTarget.objects.create(programme=current, position=position, **values)
            action, changes = AuditAction.CREATE, {**values, "position": position}
        else:
            if position is not None:
                values["position"] = position
            changes = {}
            for name, new in values.items():
                if getattr(target, name) != new:
                    changes[name] = [getattr(target, name), new]
                    setattr(target, name, new)
            if not changes:
                return target
            target.save(update_fields=list(changes))
            action = AuditAction.UPDATE
        current.version += 1
        current.save(update_fields=["version", "updated_at"])
        programme.version = current.version
        audit_record(actor=actor, action=action, target=target, changes=changes, request=request)
    return target


# --------------------------------------------------------------------------- demo

DEMO_NAME_EN = "MIGRA ACTION"
DEMO_NAME_KM = "គម្រោង មីហ្គ្រា អាក់សិន"
DEMO_DONORS = "European Union"
DEMO_START = dt.date(2016, 1, 1)
DEMO_END = dt.date(2019, 1, 1)
# Banteay Meanchey, Kampong Cham, Kampong Thom, Siem Reap, Oddar Meanchey.
DEMO_PROVINCES = ("01", "03", "06", "17", "22")
DEMO_COMMUNES_PER_PROVINCE = 5
DEMO_TARGETS: tuple[tuple[str, str, str, str, int], ...] = (
    (
        "beneficiaries_reached",
        "អ្នកទទួលផលដែលគម្រោងបានឈានដល់",
        "Beneficiaries reached",
        "ผู้รับประโยชน์ที่เข้าถึง",
        80_000,
    ),
    (
        "shgs_active",
        "ក្រុមជួយខ្លួនឯងដែលកំពុងដំណើរការ",
        "Self-help groups active",
        "กลุ่มช่วยเหลือตนเองที่ดำเนินการอยู่",
        25,
    ),
    ("communes_covered", "ឃុំដែលគម្រោងគ្របដណ្ដប់", "Communes covered", "ตำบลที่ครอบคลุม", 25),
    (
        "social_ambassadors_active",
        "ទូតសង្គមដែលកំពុងសកម្ម",
        "Social ambassadors active",
        "ทูตสังคมที่ทำงานอยู่",
        10,
    ),
    (
        "peer_educators_trained",
        "អ្នកអប់រំមិត្តភក្តិដែលបានបណ្ដុះបណ្ដាល",
        "Peer educators trained",
        "ผู้ให้ความรู้เพื่อนที่ผ่านการอบรม",
        50,
    ),
    (
        "testimonies_collected",
        "សក្ខីកម្មដែលបានប្រមូល",
        "Testimonies collected",
        "คำบอกเล่าที่รวบรวมได้",
        100,
    ),
    (
        "caseworkers_trained",
        "បុគ្គលិកសង្គមកិច្ចដែលបានបណ្ដុះបណ្ដាល",
        "Caseworkers trained",
        "นักสังคมสงเคราะห์ที่ผ่านการอบรม",
        30,
    ),
)


class GazetteerMissing(Exception):
    """The demo needs places that are not loaded: run `migra gazetteer` first."""


def _demo_communes(province: Place) -> list[Place]:
    """Five real communes of the province, spread over its districts, always the same:
    the first commune (by code) of each district in turn, then the second, and so on."""
    communes = list(
        Place.objects.filter(kind=PlaceKind.COMMUNE, parent__parent=province).order_by("code")
    )
    by_district: dict[int | None, list[Place]] = {}
    for commune in communes:
        by_district.setdefault(commune.parent_id, []).append(commune)
    chosen: list[Place] = []
    round_ = 0
    while len(chosen) < DEMO_COMMUNES_PER_PROVINCE and round_ < len(communes):
        for district_communes in by_district.values():
            if round_ < len(district_communes) and len(chosen) < DEMO_COMMUNES_PER_PROVINCE:
                chosen.append(district_communes[round_])
        round_ += 1
    return chosen


def demo_programme_ensure() -> tuple[Programme, bool]:
    """The demo programme MIGRA ACTION, created once with its places and targets.

    Running it again changes nothing, except adding demo targets that are missing;
    it never overwrites what an admin changed. Returns (programme, created).
    """
    with transaction.atomic():
        # One at a time: the country row serves as the lock (SQLite's write
        # transactions are serialised anyway).
        country = Place.objects.select_for_update().filter(code="KH").first()
        provinces = list(
            Place.objects.filter(kind=PlaceKind.PROVINCE, code__in=DEMO_PROVINCES).order_by("code")
        )
        if country is None or len(provinces) != len(DEMO_PROVINCES):
            raise GazetteerMissing("The gazetteer is not loaded: run `migra gazetteer` first.")
        programme = Programme.objects.filter(name_en=DEMO_NAME_EN).order_by("pk").first()
        created = programme is None
        if programme is None:
            communes = [c for p in provinces for c in _demo_communes(p)]
            programme = programme_create(
                actor=None,
                name_km=DEMO_NAME_KM,
                name_en=DEMO_NAME_EN,
                donors=DEMO_DONORS,
                start_month=DEMO_START,
                end_month=DEMO_END,
                target_provinces=provinces,
                target_communes=communes,
            )
        existing = set(programme.targets.values_list("key", flat=True))
        for position, (key, label_km, label_en, label_th, value) in enumerate(DEMO_TARGETS):
            if key not in existing:
                programme_target_set(
                    actor=None,
                    programme=programme,
                    key=key,
                    label_km=label_km,
                    label_en=label_en,
                    label_th=label_th,
                    value=value,
                    position=position,
                )
        programme.refresh_from_db()
    return programme, created
