"""migra.lib.env: settings are read strictly; a typo is an error, never a silent default."""

from __future__ import annotations

import pytest

from migra.lib.env import Env, SettingError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), ("TRUE", True), ("False", False), (" true ", True)],
)
def test_bool_accepts_only_true_and_false(raw: str, expected: bool) -> None:
    assert Env({"DEBUG": raw}).bool("DEBUG", default=not expected) is expected


@pytest.mark.parametrize("raw", ["yes", "no", "1", "0", "on", "off", "t", "y", "truee"])
def test_bool_refuses_anything_else_and_names_the_setting(raw: str) -> None:
    with pytest.raises(SettingError, match=r"DEBUG must be 'true' or 'false'") as caught:
        Env({"DEBUG": raw}).bool("DEBUG", default=False)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize("environ", [{}, {"DEBUG": ""}, {"DEBUG": "   "}])
def test_bool_missing_or_blank_is_the_default(environ: dict[str, str]) -> None:
    assert Env(environ).bool("DEBUG", default=True) is True
    assert Env(environ).bool("DEBUG", default=False) is False


def test_int_reads_whole_numbers_and_checks_the_minimum() -> None:
    env = Env({"N": "90", "SMALL": "5", "WORD": "ten", "FLOAT": "1.5"})
    assert env.int("N", default=1, minimum=60) == 90
    assert env.int("MISSING", default=7) == 7
    with pytest.raises(SettingError, match="SMALL must be at least 60, not 5"):
        env.int("SMALL", default=1, minimum=60)
    with pytest.raises(SettingError, match="WORD must be a whole number"):
        env.int("WORD", default=1)
    with pytest.raises(SettingError, match="FLOAT must be a whole number"):
        env.int("FLOAT", default=1)


def test_list_splits_on_commas_and_drops_blanks() -> None:
    env = Env({"HOSTS": " a.example, b.example ,,", "EMPTY": ""})
    assert env.list("HOSTS") == ["a.example", "b.example"]
    assert env.list("EMPTY", default=["x"]) == ["x"]
    assert env.list("MISSING") == []


def test_str_default_when_blank() -> None:
    assert Env({"LOG_LEVEL": ""}).str("LOG_LEVEL", default="INFO") == "INFO"
    assert Env({"LOG_LEVEL": "DEBUG"}).str("LOG_LEVEL", default="INFO") == "DEBUG"


def test_secret_from_the_variable_itself() -> None:
    assert Env({"SECRET_KEY": "abc"}).secret("SECRET_KEY") == "abc"
    assert Env({}).secret("SECRET_KEY") is None
    assert Env({"SECRET_KEY": ""}).secret("SECRET_KEY") is None


def test_secret_from_a_file_is_stripped(tmp_path) -> None:
    path = tmp_path / "secret"
    path.write_text("  s3cret-value\n", encoding="utf-8")
    assert Env({"SECRET_KEY_FILE": str(path)}).secret("SECRET_KEY") == "s3cret-value"


def test_secret_and_secret_file_together_are_refused(tmp_path) -> None:
    path = tmp_path / "secret"
    path.write_text("one", encoding="utf-8")
    env = Env({"SECRET_KEY": "two", "SECRET_KEY_FILE": str(path)})
    with pytest.raises(SettingError, match="Set SECRET_KEY or SECRET_KEY_FILE, not both"):
        env.secret("SECRET_KEY")


def test_secret_file_missing_unreadable_or_empty_is_an_error(tmp_path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SettingError, match="SECRET_KEY_FILE: cannot read .*nope"):
        Env({"SECRET_KEY_FILE": str(missing)}).secret("SECRET_KEY")
    # A directory cannot be read as a file, even by root.
    with pytest.raises(SettingError, match="SECRET_KEY_FILE: cannot read"):
        Env({"SECRET_KEY_FILE": str(tmp_path)}).secret("SECRET_KEY")
    empty = tmp_path / "empty"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(SettingError, match="SECRET_KEY_FILE: .*empty is empty"):
        Env({"SECRET_KEY_FILE": str(empty)}).secret("SECRET_KEY")
