"""Screenshots of pages at phone and desktop width, to look at before and after a UI change.

    DEBUG=true .venv/bin/migra runserver 127.0.0.1:8011 &
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8011 /km/ /en/ /th/ /app/login/
    .venv/bin/python scripts/screenshots.py --login me@demo.migra.local:Migra-demo-2026 /app/

With --login the user's own language preference wins over --languages.
Writes artifacts/screenshots/<language>-<page>-<width>.png (artifacts/ is not committed)
and prints, per page, whether it scrolls sideways and which links or buttons are smaller
than a 44 px touch target. Needs Chromium (/usr/bin/chromium) and the dev dependencies.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"360": (360, 740), "1280": (1280, 800)}
SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, summary, input, select')]
  .filter(e => e.offsetParent !== null && !e.closest('p, li:not(nav li), td, dd'))
  .map(e => [e.textContent.trim().slice(0, 30) || e.name, e.getBoundingClientRect().height])
  .filter(([, height]) => height < 44)"""


def _log_in(page: Any, base: str, credentials: str) -> None:
    login, password = credentials.split(":", 1)
    page.goto(f"{base}/app/login/")
    page.fill("input[name=username]", login)
    page.fill("input[type=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths to capture, e.g. /km/ /app/")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="artifacts/screenshots", type=Path)
    parser.add_argument("--languages", default="km,en,th", help="for pages without a prefix")
    parser.add_argument("--login", help="email:password to log in first")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=options.chromium, args=ARGS)
        for width_name, (width, height) in SIZES.items():
            for language in options.languages.split(","):
                context = browser.new_context(viewport={"width": width, "height": height})
                context.add_cookies(
                    [{"name": "migra_language", "value": language, "url": options.base}]
                )
                page = context.new_page()
                if options.login:
                    _log_in(page, options.base, options.login)
                for path in options.paths:
                    if path[1:3] in {"km", "en", "th"} and path[1:3] != language:
                        continue  # a prefixed page is shown once, in its own language
                    page.goto(options.base + path)
                    page.wait_for_load_state("networkidle")
                    name = path.strip("/").replace("/", "_") or "root"
                    target = options.out / f"{language}-{name}-{width_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    sideways = page.evaluate(
                        "document.documentElement.scrollWidth - "
                        "document.documentElement.clientWidth"
                    )
                    small = page.evaluate(SMALL_TARGETS)
                    print(f"{target}: scrolls sideways by {sideways}px; small targets: {small}")
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
