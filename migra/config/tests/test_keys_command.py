"""`migra keys generate`: fresh key material, even before any key exists."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from migra.lib.keys import check_secret_key, parse_encryption_keys


def parse(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_generate_prints_usable_keys() -> None:
    out = io.StringIO()
    call_command("keys", "generate", stdout=out)
    values = parse(out.getvalue())
    assert set(values) == {"SECRET_KEY", "MIGRA_ENCRYPTION_KEY"}
    check_secret_key(values["SECRET_KEY"])
    assert len(parse_encryption_keys(values["MIGRA_ENCRYPTION_KEY"])) == 1

    again = io.StringIO()
    call_command("keys", "generate", stdout=again)
    assert parse(again.getvalue()) != values


def test_keys_without_an_action_explains_itself() -> None:
    with pytest.raises(CommandError, match="migra keys generate"):
        call_command("keys")


def test_generate_works_on_a_production_machine_with_no_keys_yet(tmp_path) -> None:
    """The refusal message tells the operator to run it: it must not need the keys."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
    }
    migra = Path(sys.executable).with_name("migra")
    result = subprocess.run(  # noqa: S603 - the project's own console script
        [str(migra), "keys", "generate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    values = parse(result.stdout)
    check_secret_key(values["SECRET_KEY"])
    parse_encryption_keys(values["MIGRA_ENCRYPTION_KEY"])
    assert not (tmp_path / "var").exists()  # generating keys writes nothing

    # And the keys it printed start a production configuration.
    probe = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import migra.config.settings.base"],
        env={**env, **values, "ALLOWED_HOSTS": "migra.example.org"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
