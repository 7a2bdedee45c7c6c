"""Every string a person sees is translated into Khmer and Thai.

The test extracts the strings from the source afresh (Django's makemessages, run on a
temporary copy of the package so the real catalogues are never touched) and fails,
listing each one, on:

- a string in the source code that is not in the committed .po file (someone added
  a string and did not run `sh scripts/messages.sh`);
- an empty translation;
- a fuzzy translation (gettext's guess, which nobody checked);
- a catalogue that msgfmt --check rejects (broken placeholders, bad header).

To fix: run `sh scripts/messages.sh`, translate what is empty or fuzzy in
migra/locale/km/LC_MESSAGES/django.po and migra/locale/th/LC_MESSAGES/django.po
(and djangojs.po), remove the `fuzzy` flags, and run the script again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2]
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ["km", "th"]
DOMAINS = ["django", "djangojs"]

Key = tuple[str | None, str]  # (msgctxt, msgid)


def _key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def _describe(key: Key) -> str:
    context, msgid = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


def _catalogue(root: Path, language: str, domain: str) -> Path:
    return root / language / "LC_MESSAGES" / f"{domain}.po"


def _live_entries(path: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def _is_untranslated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or any(not text for text in entry.msgstr_plural.values())
    return not entry.msgstr


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The locale directory of a temporary copy of the package after makemessages."""
    root = tmp_path_factory.mktemp("messages")
    copy = root / "migra"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "fonts", "media"),
    )
    (copy / "locale").mkdir(exist_ok=True)
    env = {
        **os.environ,
        # The copy, not the installed package, must be the one imported: its settings
        # point LOCALE_PATHS at the copy's locale directory.
        "PYTHONPATH": str(root),
        "DJANGO_SETTINGS_MODULE": "migra.config.settings.test",
    }
    for domain in DOMAINS:
        command = [sys.executable, "-m", "django", "makemessages", "--domain", domain]
        command += [f"--locale={language}" for language in LANGUAGES]
        command += ["--no-obsolete", "--verbosity=0"]
        result = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    return copy / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_exists(language: str) -> None:
    path = _catalogue(LOCALE_DIR, language, "django")
    assert path.is_file(), f"{path} is missing: run `sh scripts/messages.sh` and translate it"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_source_is_in_the_catalogue(
    extracted: Path, language: str, domain: str
) -> None:
    fresh = _catalogue(extracted, language, domain)
    if not fresh.is_file():
        assert domain == "djangojs", f"makemessages wrote no {fresh}"
        return  # no JavaScript string is marked for translation
    committed = _catalogue(LOCALE_DIR, language, domain)
    assert committed.is_file(), f"{committed} is missing: run `sh scripts/messages.sh`"
    known = {_key(entry) for entry in _live_entries(committed)}
    missing = [_key(entry) for entry in _live_entries(fresh) if _key(entry) not in known]
    where = committed.relative_to(PACKAGE_DIR.parent)
    assert not missing, (
        f"{len(missing)} string(s) in the source are not in {where}"
        " (run `sh scripts/messages.sh` and translate them):\n"
        + "\n".join(f"  {_describe(key)}" for key in missing)
    )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_empty_or_fuzzy(language: str, domain: str) -> None:
    path = _catalogue(LOCALE_DIR, language, domain)
    if not path.is_file():
        assert domain == "djangojs", f"{path} is missing: run `sh scripts/messages.sh`"
        return
    entries = _live_entries(path)
    empty = [_key(entry) for entry in entries if _is_untranslated(entry)]
    fuzzy = [_key(entry) for entry in entries if "fuzzy" in entry.flags]
    problems = [f"  empty: {_describe(key)}" for key in empty]
    problems += [f"  fuzzy: {_describe(key)}" for key in fuzzy]
    assert not problems, (
        f"{path.relative_to(PACKAGE_DIR.parent)}: {len(empty)} empty and {len(fuzzy)} fuzzy "
        "translation(s):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("language", [*LANGUAGES, "en"])
def test_the_catalogues_compile(language: str) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is needed to check the catalogues"
    paths = sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))
    if language in LANGUAGES:
        assert paths, f"no catalogue for {language}: run `sh scripts/messages.sh`"
    for path in paths:
        result = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
            [msgfmt, "--check", "--output-file", os.devnull, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"msgfmt --check {path}:\n{result.stderr}"


# ----------------------------------------------------------------- the checks themselves


def test_the_checks_catch_empty_fuzzy_and_plural_gaps(tmp_path: Path) -> None:
    po = polib.POFile()
    po.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    po.append(polib.POEntry(msgid="Save", msgstr="រក្សាទុក"))
    po.append(polib.POEntry(msgid="Cancel", msgstr=""))
    po.append(polib.POEntry(msgid="Delete", msgstr="លុប", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="%(n)s case", msgid_plural="%(n)s cases", msgstr_plural={0: ""}))
    po.append(polib.POEntry(msgid="May", msgctxt="month", msgstr="ឧសភា"))
    old = polib.POEntry(msgid="Gone", msgstr="")
    old.obsolete = True
    po.append(old)
    path = tmp_path / "django.po"
    po.save(str(path))

    entries = _live_entries(path)
    assert sorted(e.msgid for e in entries if _is_untranslated(e)) == ["%(n)s case", "Cancel"]
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == ["Delete"]
    assert ("month", "May") in {_key(e) for e in entries}
    assert "Gone" not in {e.msgid for e in entries}
