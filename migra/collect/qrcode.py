"""The QR code that sets up ODK Collect for one person, scanned once.

ODK Collect reads a configuration QR code as its settings in JSON, compressed with zlib
and encoded in base64 ("Configure with QR code" in Collect). Any setting the code
leaves out goes back to Collect's default when scanned, so the code says all that
matters here:

- `general.server_url`: https://<host>/odk/key/<token> — the key is the login, so no
  username or password is stored on the phone;
- `general.app_language`: the person's language in Migra (km, en or th);
- forms follow the server exactly (`form_update_mode` match_exactly, checked every hour
  and downloaded on their own), filled forms are sent as soon as there is any network,
  and photos are made small before sending (villages have slow, costly data);
- `admin.change_server` off, so that the server cannot be changed by mistake;
- `project`: the name, letter and colour Collect shows for the project.

The payload holds the key: it is only ever shown once, as a QR code, on a page that is
not kept in any cache.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import segno

MAX_PAYLOAD = 64 * 1024
PROJECT_NAME = "Migra"
PROJECT_COLOUR = "#0b6e4f"


def collect_settings(*, server_url: str, language: str) -> dict[str, Any]:
    """ODK Collect's settings for one person's phone."""
    return {
        "general": {
            "server_url": server_url,
            "username": "",
            "password": "",
            "app_language": language,
            "form_update_mode": "match_exactly",
            "periodic_form_updates_check": "every_one_hour",
            "automatic_update": True,
            "autosend": "wifi_and_cellular",
            "delete_send": False,
            "image_size": "small",
            "constraint_behavior": "on_swipe",
        },
        "admin": {"change_server": False},
        "project": {"name": PROJECT_NAME, "icon": "M", "color": PROJECT_COLOUR},
    }


def encode_settings(settings: dict[str, Any]) -> str:
    """The text a configuration QR code carries: base64(zlib(JSON))."""
    text = json.dumps(settings, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def decode_settings(payload: str) -> dict[str, Any]:
    """Read a configuration payload back (tests, and checking a code someone has).

    ValueError when it is not one; the inflated size is bounded (a "zip bomb" in a QR
    code would otherwise fill memory)."""
    try:
        packed = base64.b64decode(payload.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        text = inflater.decompress(packed, MAX_PAYLOAD)
        if inflater.unconsumed_tail:
            raise ValueError("the settings are too long")
        settings = json.loads(text.decode("utf-8"))
    except (UnicodeError, zlib.error, json.JSONDecodeError) as error:
        raise ValueError(f"not ODK Collect settings: {error}") from None
    if not isinstance(settings, dict):
        raise ValueError("not ODK Collect settings: not a JSON object")
    return settings


def qr_data_uri(payload: str) -> str:
    """The QR code as a PNG data: URI (allowed by the pages' content security policy):
    sharp black and white squares, as a phone camera reads best from a screen."""
    return str(segno.make(payload, error="m", micro=False).png_data_uri(scale=5, border=4))
