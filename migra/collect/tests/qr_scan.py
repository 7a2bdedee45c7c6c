"""Scan the set-up QR code on a page as a phone camera would: the PNG in the page is
decoded by zbarimg (Debian's zbar-tools, installed by scripts/ci-system-packages.sh), and
what it reads is ODK Collect's settings payload."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

import pytest

from migra.collect.qrcode import decode_settings


def scan(page: bytes) -> dict[str, Any]:
    """ODK Collect's settings from the QR code image on a page."""
    found = re.search(rb'<img id="collect-qr" src="data:image/png;base64,([^"]+)"', page)
    assert found is not None, "the page shows the QR code as a PNG image"
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("zbarimg is missing: scripts/ci-system-packages.sh installs it")
        pytest.skip("zbarimg (zbar-tools) is not installed")
    with tempfile.NamedTemporaryFile(suffix=".png") as image:
        image.write(base64.b64decode(found.group(1)))
        image.flush()
        result = subprocess.run(  # noqa: S603 - zbarimg on a file written here
            [zbarimg, "--quiet", "--raw", image.name],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return decode_settings(result.stdout.decode("ascii").strip())
