"""The public website's speed: a story page and the home page, cached and not; requests
per second for a published story under gunicorn (2 workers, loopback, wrk); and what a
story page makes a browser download (HTML + CSS + JS, without its photos).

Data: 20,000 stories (15,000 published, the rest drafts and withdrawn), two photo rows
each, in 25 provinces. Server times are direct WSGI calls to Django (the whole
middleware stack, no network); "uncached" means the content generation was bumped
before each call (as a publication does), so the page is rendered and kept again.

Needs `wrk` (Debian package; installed here through scripts/ci-system-packages.sh when
running as root) and gunicorn (a project dependency). Without wrk the requests/s row
says so and the rest is still measured.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import django
from servers import free_port, start_gunicorn

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from migra.accounts.models import Agency, User  # noqa: E402
from migra.accounts.roles import AgencyKind  # noqa: E402
from migra.places.models import Place, PlaceKind  # noqa: E402
from migra.site.public_cache import public_content_changed  # noqa: E402
from migra.stories.models import Story, StoryPhoto, StoryState  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STORIES = int(os.environ.get("BENCH_PUBLIC_STORIES", "20000"))
PUBLISHED_SHARE = 0.75
PROVINCES = 25
REQUESTS = int(os.environ.get("BENCH_PUBLIC_REQUESTS", "300"))
WRK_SECONDS = int(os.environ.get("BENCH_PUBLIC_WRK_SECONDS", "15"))
WRK_CONNECTIONS = 16
PARAGRAPH = (
    "ខ្ញុំបានទៅធ្វើការនៅប្រទេសថៃតាមរយៈមេខ្យល់ម្នាក់ ដែលបានសន្យាថានឹងមានប្រាក់ខែល្អ។ "
    "ពេលទៅដល់ គេបានយកលិខិតឆ្លងដែនរបស់ខ្ញុំ ហើយខ្ញុំត្រូវធ្វើការយប់ថ្ងៃដោយមិនបានប្រាក់ឈ្នួល។ "
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


def build_data() -> int:
    """The stories; returns the pk of the published story measured."""
    country = Place.objects.create(
        code="KH", kind=PlaceKind.COUNTRY, path="KH", depth=0, name_km="កម្ពុជា", name_en="Cambodia"
    )
    thailand = Place.objects.create(
        code="TH", kind=PlaceKind.COUNTRY, path="TH", depth=0, name_km="ថៃ", name_en="Thailand"
    )
    provinces = [
        Place.objects.create(
            code=f"{n:02d}",
            kind=PlaceKind.PROVINCE,
            parent=country,
            path=f"KH/{n:02d}",
            depth=1,
            name_km=f"ខេត្ត{n}",
            name_en=f"Province {n}",
        )
        for n in range(1, PROVINCES + 1)
    ]
    agency = Agency.objects.create(
        name_km="ប្រព័ន្ធផ្សព្វផ្សាយ", name_en="Media partner", kind=AgencyKind.MEDIA_PARTNER
    )
    author = User.objects.create_user(email="peer@bench.local", password=None)
    now = timezone.now()
    published = int(STORIES * PUBLISHED_SHARE)
    log(f"creating {STORIES:,} stories ({published:,} published)")
    batch: list[Story] = []
    for n in range(STORIES):
        province = provinces[n % PROVINCES]
        if n < published:
            state = StoryState.PUBLISHED
        elif n % 2:
            state = StoryState.WITHDRAWN
        else:
            state = StoryState.DRAFT
        when = now - timedelta(minutes=STORIES - n)
        batch.append(
            Story(
                kind="testimony",
                title_km=f"ការធ្វើដំណើរទៅប្រទេសថៃ លេខ {n}",
                text_km="".join(f"<p>{PARAGRAPH * 3}</p>" for _ in range(6)),
                title_en=f"The road to Thailand, number {n}" if n % 3 == 0 else "",
                text_en="<p>I went to work in Thailand.</p>" if n % 3 == 0 else "",
                destination=thailand,
                sector="fishing",
                themes=["recruitment", "wages"],
                place=province,
                province=province,
                author=author,
                agency=agency,
                name_shown="ស្រីពៅ",
                state=state,
                submitted_at=when,
                published_at=when if state != StoryState.DRAFT else None,
                withdrawn_at=now if state == StoryState.WITHDRAWN else None,
            )
        )
        if len(batch) == 2000:
            Story.objects.bulk_create(batch)
            batch = []
    Story.objects.bulk_create(batch)
    log("creating photo rows")
    photos = []
    for story_id in list(Story.objects.values_list("pk", flat=True)):
        for position in range(2):
            photos.append(
                StoryPhoto(
                    story_id=story_id,
                    web_file=f"stories/photos/bench-{story_id}-{position}-web.jpg",
                    thumb_file=f"stories/photos/bench-{story_id}-{position}-thumb.jpg",
                    width=1600,
                    height=1200,
                    position=position,
                    uploaded_at=now,
                )
            )
        if len(photos) >= 4000:
            StoryPhoto.objects.bulk_create(photos)
            photos = []
    StoryPhoto.objects.bulk_create(photos)
    return int(
        Story.objects.filter(state=StoryState.PUBLISHED).order_by("-published_at").first().pk
    )


# --------------------------------------------------------------------------- server time


class Caller:
    """Direct WSGI calls to Django: the whole middleware stack, no network."""

    def __init__(self) -> None:
        self.app = get_wsgi_application()

    def get(self, path: str) -> tuple[str, bytes, dict[str, str]]:
        path, _mark, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        answer: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):  # type: ignore[no-untyped-def]
            answer["status"] = status
            answer["headers"] = dict(headers)

        body = self.app(environ, start_response)
        data = b"".join(body)
        getattr(body, "close", lambda: None)()
        return str(answer["status"]), data, answer["headers"]  # type: ignore[return-value]


def timed(caller: Caller, path: str, *, fresh: bool, expect: str) -> list[float]:
    for _ in range(10):  # warm up: imports, templates, connection
        caller.get(path)
    samples = []
    for _ in range(REQUESTS):
        if fresh:
            public_content_changed()
        started = time.perf_counter()
        status, _data, headers = caller.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if not status.startswith("200"):
            sys.exit(f"{path} answered {status}")
        state = headers.get("X-Public-Cache", "none")
        if state != expect:
            sys.exit(f"{path}: expected a cache {expect}, got {state}")
    return samples


def row(name: str, size: str, samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=100)[94]
    return f"| {name} | {size} | {statistics.median(samples):.2f} | {p95:.2f} |"


# --------------------------------------------------------------------------- gunicorn + wrk


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    script = ROOT / "scripts" / "ci-system-packages.sh"
    log("wrk is missing: asking scripts/ci-system-packages.sh for it")
    subprocess.run(["bash", str(script), "wrk"], check=False, stdout=sys.stderr)  # noqa: S603,S607
    return shutil.which("wrk")


def fetch(url: str, *, gzip_ok: bool = False) -> tuple[bytes, bytes]:
    """(bytes as served, bytes after decompression)."""
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        raw = response.read()
        encoding = response.headers.get("Content-Encoding", "")
    return raw, gzip.decompress(raw) if encoding == "gzip" else raw


def page_weight(base: str, path: str) -> tuple[int, int, int, list[str]]:
    """HTML + the stylesheets and scripts it links: bytes uncompressed, bytes as sent
    with gzip (static files come pre-compressed from WhiteNoise; HTML is not
    compressed by Migra, a proxy in front may do it), and the fonts the CSS names."""
    _raw, html = fetch(base + path)
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(rb'<script src="([^"]+)"', html)
    plain, sent = len(html), len(html)
    fonts: list[str] = []
    for asset in assets:
        raw, body = fetch(base + asset.decode(), gzip_ok=True)
        plain += len(body)
        sent += len(raw)
        if asset.endswith(b".css"):
            fonts += [f.decode() for f in re.findall(rb'url\("?([^")]+\.woff2)"?\)', body)]
    return plain, sent, len(assets), fonts


def wrk(binary: str, url: str) -> tuple[float, str, str]:
    result = subprocess.run(  # noqa: S603 - wrk on loopback
        [
            binary,
            "-t2",
            f"-c{WRK_CONNECTIONS}",
            f"-d{WRK_SECONDS}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    log(out)
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    if re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out):
        sys.exit("wrk saw error responses")
    return rate, p50.group(1) if p50 else "?", p99.group(1) if p99 else "?"


# --------------------------------------------------------------------------- main


def collect_static() -> None:
    """Collect the static files the pages link to, with the production storage (a
    failure here is a failure of the deployment too: it stops the benchmark)."""
    call_command("collectstatic", interactive=False, verbosity=0)


def main() -> None:
    log("collecting static files (the pages link through their manifest)")
    collect_static()
    story_pk = build_data()
    story_path = f"/km/stories/{story_pk}/"
    caller = Caller()
    size = f"{STORIES:,} stories, {REQUESTS} requests"
    rows = [
        row("story page, cached", size, timed(caller, story_path, fresh=False, expect="hit")),
        row("story page, not cached", size, timed(caller, story_path, fresh=True, expect="miss")),
        row("home page, cached", size, timed(caller, "/km/", fresh=False, expect="hit")),
        row("home page, not cached", size, timed(caller, "/km/", fresh=True, expect="miss")),
        row(
            "stories list, not cached",
            size,
            timed(caller, "/km/stories/", fresh=True, expect="miss"),
        ),
    ]
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    print(f"| ({connection.vendor}; direct WSGI calls, whole middleware stack) | | | |")
    for line in rows:
        print(line)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port)
    try:
        plain, sent, assets, fonts = page_weight(base, story_path)
        binary = ensure_wrk()
        print()
        print("| measurement | result |")
        print("|---|---|")
        print(
            f"| story page weight: HTML + {assets} CSS/JS files, without photos | "
            f"{plain / 1024:.1f} KB uncompressed, {sent / 1024:.1f} KB as sent "
            f"(CSS/JS gzipped by WhiteNoise, HTML not) |"
        )
        print(f"| fonts its CSS may load (Khmer/Thai, only if used) | {len(fonts)} woff2 files |")
        if binary is None:
            print("| requests/s, gunicorn 2 workers | not measured: wrk is not installed |")
        else:
            urllib.request.urlopen(base + story_path, timeout=10).read()  # noqa: S310 - warm
            rate, p50, p99 = wrk(binary, base + story_path)
            print(
                f"| requests/s for a published story, gunicorn 2 sync workers, wrk "
                f"{WRK_CONNECTIONS} connections {WRK_SECONDS} s on loopback | "
                f"{rate:,.0f} req/s (latency p50 {p50}, p99 {p99}) |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    _ = settings  # the settings the harness gave (DATABASE_URL, DEBUG=false)


if __name__ == "__main__":
    main()
