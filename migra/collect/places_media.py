"""The choice lists phones read offline, made from the database as CSV form media.

ODK Collect keeps a form's media files on the phone, so a list a form reads with
`select_one_from_file <file>` works with no network; the server sends a new copy when
its md5 changes. Three lists are made here (UTF-8, comma-separated, first row the
column names, one row per choice):

`places.csv` — the gazetteer: Cambodia's provinces, districts, communes and villages,
every country, and the provinces or regions abroad (Thai provinces …), in tree order.
About 17,000 rows: four columns only, because a phone holds every row of it in memory
while the form is open.

    name      the place's code (province "01", district "0102", commune "010201",
              village "01020101"; countries ISO "TH", regions abroad "TH-27")
    label     what the phone shows: the Khmer name, then the English one ("អូរធំ · Ou Thum")
    kind      province, district, commune, village, country or region
    parent    the code of the place it lies in ("KH" for a Cambodian province, "" for a
              country)

  A form picks village within commune within district within province with choice
  filters on the one before: `kind='province' and parent='KH'`, then
  `kind='district' and parent=${province}`, and so on; a destination with
  `kind='country'`, then `parent=${destination_country}` (a Cambodian province, or a
  province or region abroad). The label holds both languages because JavaRosa reads
  a choice's label from one column whatever the form's language.

`groups.csv` — the programme's active self-help groups (not personal data: a group's
name and commune). Media belong to a form, not to a person, so every phone that has
the meeting form gets the whole list; the server checks on receipt that the sender
runs the group chosen.

    name      the group's number (its id)
    label     the group's name · its commune (Khmer)  label_km  label_en
    commune   the commune's code      province  the province's code

`topics.csv` — the meeting topics in use, in the catalogue's order.

    name      the topic's code (what the service takes)
    label     Khmer · English       label_km  label_en

`generated_media_for(builtin)` gives the files a built-in form reads, found in its
XLSForm (migra/collect/xlsforms/<builtin>.xlsx): whichever of these lists its survey
sheet names in a `select_one_from_file` or `select_multiple_from_file` type — so a
field form that reads places.csv gets it too. groups.csv and topics.csv change as
people work (a group made, a topic renamed): `REFRESH_OFTEN` names them, cheap to make
again (e.g. when a phone asks for a form's manifest: an unchanged md5 changes nothing);
places.csv changes only when the gazetteer is loaded again.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from migra.community.models import Group, GroupStatus, Topic
from migra.places.models import Place, PlaceKind

FORMS_DIR = Path(__file__).resolve().parent / "xlsforms"
PLACES_FILE = "places.csv"
GROUPS_FILE = "groups.csv"
TOPICS_FILE = "topics.csv"
CAMBODIA = "KH"
SEPARATOR = " · "
# Destinations people from the programme's communes go to most, first in the list.
COMMON_DESTINATIONS = ("TH", "MY", "KR", "JP", "KH", "SG", "TW", "CN", "VN", "LA")

PLACE_COLUMNS = ("name", "label", "kind", "parent")
GROUP_COLUMNS = ("name", "label", "label_km", "label_en", "commune", "province")
TOPIC_COLUMNS = ("name", "label", "label_km", "label_en")
_FILE_TYPE = re.compile(r"^\s*select_(?:one|multiple)_from_file\s+(\S+)\s*$")


def _clean(value: str) -> str:
    """One line of text: CSV quoting copes with commas and quotes, but a line break
    or a control character in a label has no business on a phone's list."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value or "").split())


def _label(km: str, en: str) -> str:
    km, en = _clean(km), _clean(en)
    if km and en and km != en:
        return f"{km}{SEPARATOR}{en}"
    return km or en


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for item in rows:
        writer.writerow(item)
    return out.getvalue().encode("utf-8")


def _ancestors(path: str) -> dict[str, str]:
    """The codes of the places a Cambodian place lies in, from its path
    ("KH/01/0102/010201/01020101")."""
    parts = path.split("/")
    return {
        kind: parts[depth] if len(parts) > depth + 1 else ""
        for depth, kind in ((1, "province"), (2, "district"), (3, "commune"))
    }


def places_csv() -> bytes:
    """places.csv: Cambodia's tree, then the countries (common destinations first),
    then the provinces and regions abroad."""
    home: list[Sequence[str]] = []
    countries: list[tuple[tuple[int, str], Sequence[str]]] = []
    abroad: list[Sequence[str]] = []
    rows = Place.objects.order_by("path").values_list(
        "code", "kind", "path", "name_km", "name_en", "parent__code"
    )
    for code, kind, path, name_km, name_en, parent in rows.iterator(chunk_size=5000):
        line = [code, _label(name_km, name_en), kind, parent or ""]
        if kind == PlaceKind.COUNTRY:
            rank = (
                COMMON_DESTINATIONS.index(code)
                if code in COMMON_DESTINATIONS
                else len(COMMON_DESTINATIONS)
            )
            countries.append(((rank, _clean(name_en).casefold()), line))
        elif path.split("/", 1)[0] == CAMBODIA:
            home.append(line)
        else:
            abroad.append(line)
    countries.sort(key=lambda pair: pair[0])
    return _csv(PLACE_COLUMNS, [*home, *(line for _rank, line in countries), *abroad])


def groups_csv() -> bytes:
    """groups.csv: active self-help groups, by name."""
    groups = (
        Group.objects.filter(status=GroupStatus.ACTIVE)
        .order_by("name", "pk")
        .values_list(
            "pk", "name", "commune__code", "commune__path", "commune__name_km", "commune__name_en"
        )
    )
    rows = []
    for pk, name, commune, path, commune_km, commune_en in groups:
        km = f"{_clean(name)}{SEPARATOR}{_clean(commune_km) or _clean(commune_en)}"
        en = f"{_clean(name)}{SEPARATOR}{_clean(commune_en) or _clean(commune_km)}"
        rows.append([str(pk), km, km, en, commune, _ancestors(path)["province"]])
    return _csv(GROUP_COLUMNS, rows)


def topics_csv() -> bytes:
    """topics.csv: the meeting topics in use, in the catalogue's order."""
    topics = Topic.objects.filter(is_active=True).order_by("order", "pk")
    return _csv(
        TOPIC_COLUMNS,
        [
            [t.code, _label(t.name_km, t.name_en), _clean(t.name_km), _clean(t.name_en)]
            for t in topics
        ],
    )


# Small lists that change as people work (a group made, a topic renamed): cheap to make
# again whenever phones ask for a form's manifest. The gazetteer changes only when it
# is loaded again (then `migra collect install-forms`).
REFRESH_OFTEN = (GROUPS_FILE, TOPICS_FILE)

GENERATORS: dict[str, Callable[[], bytes]] = {
    PLACES_FILE: places_csv,
    GROUPS_FILE: groups_csv,
    TOPICS_FILE: topics_csv,
}


def files_read_by(xlsform: Path) -> list[str]:
    """The files a form's survey sheet reads with select_…_from_file."""
    return list(_files_read_by(xlsform, xlsform.stat().st_mtime_ns))


@functools.lru_cache(maxsize=32)
def _files_read_by(xlsform: Path, _changed: int) -> tuple[str, ...]:
    # Asked on every manifest a phone fetches: read each shipped form once (again
    # only when the file changes).
    from openpyxl import load_workbook

    book = load_workbook(xlsform, read_only=True, data_only=True)
    try:
        if "survey" not in book.sheetnames:
            return ()
        rows = book["survey"].iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        if "type" not in header:
            return ()
        column = header.index("type")
        names = set()
        for cells in rows:
            value = cells[column] if column < len(cells) else None
            found = _FILE_TYPE.match(str(value or ""))
            if found:
                names.add(found.group(1))
        return tuple(sorted(names))
    finally:
        book.close()


def generated_media_for(builtin: str, *, only: Iterable[str] | None = None) -> dict[str, bytes]:
    """{file name: content} of the generated lists the built-in form reads (of those
    named in `only`, when given: e.g. `REFRESH_OFTEN`)."""
    path = FORMS_DIR / f"{builtin}.xlsx"
    if not builtin or "/" in builtin or "\\" in builtin or not path.exists():
        return {}
    wanted = set(GENERATORS) if only is None else set(only) & set(GENERATORS)
    return {name: GENERATORS[name]() for name in files_read_by(path) if name in wanted}
