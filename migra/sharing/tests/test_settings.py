"""The Facebook settings are read strictly (each case imports base.py in a fresh
process, like migra/config/tests/test_settings.py): both the page id and the token or
neither, digits for the page, an https Graph address; the token may come from a file
and never appears in a refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migra.lib.keys import new_encryption_key, new_secret_key

PROBE = """
import json
import migra.config.settings.base as s
print(json.dumps({
    "page": s.MIGRA_FACEBOOK_PAGE_ID,
    "token": s.MIGRA_FACEBOOK_PAGE_TOKEN,
    "url": s.MIGRA_FACEBOOK_GRAPH_URL,
}))
"""
TOKEN = "EAAGsecretFROMenv0123456789"


def _run(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MIGRA_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": new_secret_key(),
        "MIGRA_ENCRYPTION_KEY": new_encryption_key(),
        "ALLOWED_HOSTS": "migra.example.org",
        **environ,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_off_by_default_with_a_pinned_graph_version(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "page": "",
        "token": "",
        "url": "https://graph.facebook.com/v25.0",
    }


def test_page_and_token_from_the_environment_or_a_file(tmp_path):
    token_file = tmp_path / "fb_token"
    token_file.write_text(TOKEN + "\n", encoding="ascii")
    done = _run(
        tmp_path,
        MIGRA_FACEBOOK_PAGE_ID="1234567890",
        MIGRA_FACEBOOK_PAGE_TOKEN_FILE=str(token_file),
        MIGRA_FACEBOOK_GRAPH_URL="https://graph.example.org/v26.0/",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "page": "1234567890",
        "token": TOKEN,
        "url": "https://graph.example.org/v26.0",
    }


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"MIGRA_FACEBOOK_PAGE_ID": "1234"}, "go together"),
        ({"MIGRA_FACEBOOK_PAGE_TOKEN": TOKEN}, "go together"),
        ({"MIGRA_FACEBOOK_PAGE_ID": "my-page", "MIGRA_FACEBOOK_PAGE_TOKEN": TOKEN}, "digits"),
        ({"MIGRA_FACEBOOK_PAGE_ID": "១២៣៤", "MIGRA_FACEBOOK_PAGE_TOKEN": TOKEN}, "digits"),
        ({"MIGRA_FACEBOOK_GRAPH_URL": "http://graph.facebook.com/v25.0"}, "https://"),
        ({"MIGRA_FACEBOOK_GRAPH_URL": "ftp://graph.facebook.com"}, "https://"),
        ({"MIGRA_FACEBOOK_GRAPH_URL": "https://graph.facebook.com/v25.0?x=<script>"}, "https://"),
        ({"MIGRA_FACEBOOK_GRAPH_URL": "https://user:pw@evil.example/v25.0"}, "https://"),
        (
            {"MIGRA_FACEBOOK_PAGE_ID": "1", "MIGRA_FACEBOOK_PAGE_TOKEN": "EAA secret part"},
            "must not contain spaces",
        ),
    ],
)
def test_mistakes_stop_the_program_without_showing_the_token(tmp_path, environ, words):
    done = _run(tmp_path, **environ)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "Migra cannot start:" in last and words in last
    assert TOKEN not in done.stderr and "secret part" not in done.stderr


def test_token_and_token_file_together_are_refused(tmp_path):
    token_file = tmp_path / "fb_token"
    token_file.write_text(TOKEN, encoding="ascii")
    done = _run(
        tmp_path,
        MIGRA_FACEBOOK_PAGE_ID="1",
        MIGRA_FACEBOOK_PAGE_TOKEN=TOKEN,
        MIGRA_FACEBOOK_PAGE_TOKEN_FILE=str(token_file),
    )
    assert done.returncode != 0 and "not both" in done.stderr
    assert TOKEN not in done.stderr
