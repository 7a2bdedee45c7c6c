"""Strict reading of settings from the environment.

Pure Python, no Django import. A typo in a setting must stop the program with a
clear message, never be read as a silent default: `DEBUG=yes` is an error.
Secrets may come from `NAME` or from a file named by `NAME_FILE`.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from pathlib import Path


class SettingError(Exception):
    """A setting in the environment is missing or malformed."""


_TRUE = "true"
_FALSE = "false"


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None:
            return None
        return value.strip()

    def bool(self, name: str, *, default: bool) -> bool:
        value = self._raw(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered == _TRUE:
            return True
        if lowered == _FALSE:
            return False
        raise SettingError(f"{name} must be 'true' or 'false', not {value!r}.")

    def int(self, name: str, *, default: int, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value, 10)
        except ValueError:
            raise SettingError(f"{name} must be a whole number, not {value!r}.") from None
        if minimum is not None and number < minimum:
            raise SettingError(f"{name} must be at least {minimum}, not {number}.")
        return number

    def str(self, name: str, *, default: str = "") -> str:
        value = self._raw(name)
        return default if value is None or value == "" else value

    # Inside the class `str` and `list` name the methods above, hence `builtins.`.
    def list(
        self, name: builtins.str, *, default: builtins.list[builtins.str] | None = None
    ) -> builtins.list[builtins.str]:
        value = self._raw(name)
        if value is None or value == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def secret(self, name: builtins.str) -> builtins.str | None:
        """A secret from NAME, or from the file named by NAME_FILE; never both."""
        direct = self._raw(name)
        file_name = self._raw(f"{name}_FILE")
        if direct and file_name:
            raise SettingError(f"Set {name} or {name}_FILE, not both.")
        if file_name:
            path = Path(file_name)
            try:
                content = path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise SettingError(f"{name}_FILE: cannot read {path}: {error.strerror}.") from None
            if not content:
                raise SettingError(f"{name}_FILE: {path} is empty.")
            return content
        return direct or None
