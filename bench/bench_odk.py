"""The OpenRosa server under load, as ODK Collect uses it, against the production server.

gunicorn (2 workers × 4 threads, gthread: keep-alive connections, as phones keep them)
on loopback serves the demo installation (`migra demo`: the gazetteer, groups, people,
the built-in forms). The demo SHG facilitator's phone key is in the URL, as after
scanning the set-up QR code. Measured:

- formList: one keep-alive connection, one request after the other;
- a typical SHG meeting submission (no attachments: the group, the date, two topics, two
  members ticked, guests by sex and age, a decision), including its mapping into a
  meeting record, one after the other on one keep-alive connection;
- the same submission with 20 concurrent keep-alive clients (wrk, a Lua script that gives
  each request its own instanceID): submissions per second and latency;
- a peer educator's story with one 200 KB photo per submission, with 20 clients: the
  photo is re-encoded without its metadata in the request (the photo path of the web).

The meeting XML is the one ODK's own engine (JavaRosa, from the ODK Validate jar) makes
for the shipped form; each request changes only the instanceID. Needs Java and wrk
(scripts/ci-system-packages.sh installs both when run as root).
"""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import django
from servers import free_port, start_gunicorn

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
django.setup()

from django.utils import timezone  # noqa: E402 - after django.setup()

from migra.accounts.demo import demo_ensure  # noqa: E402
from migra.accounts.models import User  # noqa: E402
from migra.collect.models import Submission, SubmissionState, XForm  # noqa: E402
from migra.collect.services import app_token_issue  # noqa: E402
from migra.community.models import Group  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERIAL = int(os.environ.get("BENCH_ODK_SERIAL", "400"))
WRK_SECONDS = int(os.environ.get("BENCH_ODK_WRK_SECONDS", "20"))
CLIENTS = 20
BOUNDARY = "migraBenchBoundary7MA4YWxkTrZu0gW"
INSTANCE_ID = "uuid:00000000-0000-4000-8000-000000000000"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def quantiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=100)[94]


def multipart(xml: bytes, files: dict[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="xml_submission_file"; '
        f'filename="submission.xml"\r\nContent-Type: text/xml\r\n\r\n'.encode()
        + xml
        + b"\r\n"
    ]
    for name, data in files.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


HEADERS = {
    "X-OpenRosa-Version": "1.0",
    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
}


# --------------------------------------------------------------------------- data


def fill_with_javarosa(form_id: str, answers: dict[str, object]) -> bytes:
    from migra.collect.tests import javarosa

    form = XForm.objects.select_related("current").get(form_id=form_id)
    assert form.current is not None
    media = {item.filename: item.file.read() for item in form.media.all()}
    return javarosa.fill(form.current.xml, answers, media=media)  # type: ignore[arg-type]


def photo_200kb() -> bytes:
    """A real JPEG of about 200 KB (noise compresses badly, like a phone photo)."""
    from PIL import Image

    size = 420
    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def prepare() -> tuple[str, bytes, bytes, bytes]:
    """(phone key, meeting XML, story XML, photo) on the demo installation."""
    log("demo installation (gazetteer, programme, groups, people, built-in forms)")
    demo_ensure()
    facilitator = User.objects.get(phone="+85512345601")
    peer = User.objects.get(phone="+85512345602")
    group = Group.objects.filter(facilitators=facilitator).order_by("pk").first()
    assert group is not None
    members = list(group.members.filter(left_on__isnull=True).order_by("pk")[:1])
    day = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    log("filling the meeting and story forms with JavaRosa")
    meeting = fill_with_javarosa(
        "migra_meeting",
        {
            "group": str(group.pk),
            "held_on": day,
            "venue": "វត្តភូមិ",
            "topics": ["safe_migration", "documents"],
            "present[1]/person_number": str(members[0].person_id),
            "guests/guests_female_18_59": "3",
            "guests/guests_male_18_59": "2",
            "decisions": "ជួបគ្នាម្តងទៀតខែក្រោយ ដើម្បីនិយាយអំពីឯកសារធ្វើដំណើរ",
        },
    )
    story = fill_with_javarosa(
        "migra_story",
        {
            "kind": "testimony",
            "title_km": "ខ្ញុំត្រឡប់មកផ្ទះវិញ",
            "text_km": "ខ្ញុំបានទៅធ្វើការនៅថៃ ហើយគេមិនបើកប្រាក់ខែឱ្យខ្ញុំទេ។",
            "where/province": "17",
            "naming/name_kind": "pseudonym",
            "naming/name_shown": "ស្រីពៅ",
            "photos[1]/photo": "photo-1.jpg",
            "photos[1]/photo_face": "no",
            "consent/consent_story": "yes",
            "consent/consent_face": "no",
            "consent/consent_method": "thumbprint",
        },
    )
    tokens = (
        app_token_issue(actor=facilitator, user=facilitator),
        app_token_issue(actor=peer, user=peer),
    )
    return tokens[0] + " " + tokens[1], _templated(meeting), _templated(story), photo_200kb()


def _templated(xml: bytes) -> bytes:
    """The XML with its instanceID replaced by a fixed placeholder to substitute."""
    return re.sub(
        rb"<instanceID>[^<]+</instanceID>", f"<instanceID>{INSTANCE_ID}</instanceID>".encode(), xml
    )


# --------------------------------------------------------------------------- measuring


def serial_get(port: int, path: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        connection.request("GET", path, headers={"X-OpenRosa-Version": "1.0"})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            sys.exit(f"GET {path}: {response.status}")
    connection.close()
    return times


def serial_post(port: int, path: str, template: bytes, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(count):
        xml = template.replace(INSTANCE_ID.encode(), f"uuid:{uuid.uuid4()}".encode())
        body = multipart(xml, {})
        start = time.perf_counter()
        connection.request("POST", path, body=body, headers=HEADERS)
        response = connection.getresponse()
        answer = response.read()
        times.append((time.perf_counter() - start) * 1000)
        if response.status != 201:
            sys.exit(f"POST {path}: {response.status} {answer[:500]!r}")
    connection.close()
    return times


LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  body_before = io.open(args[1], "rb"):read("*a")
  body_after = io.open(args[2], "rb"):read("*a")
  run = args[3]
end
request = function()
  counter = counter + 1
  local id = string.format("uuid:%s-%04d-4000-8000-%012d", run, tid, counter)
  return wrk.format("POST", nil, {
    ["X-OpenRosa-Version"] = "1.0",
    ["Content-Type"] = "multipart/form-data; boundary=BOUNDARY",
  }, body_before .. id .. body_after)
end
""".replace("BOUNDARY", BOUNDARY)


def wrk_post(
    port: int, path: str, template: bytes, files: dict[str, bytes]
) -> tuple[float, str, str, int]:
    """(requests/s, p50, p99, failed) for POSTs with 20 clients for WRK_SECONDS; failed
    counts answers other than 2xx and requests not answered within 10 s."""
    binary = shutil.which("wrk")
    if binary is None:
        installer = ["bash", str(ROOT / "scripts" / "ci-system-packages.sh"), "wrk"]
        subprocess.run(  # noqa: S603 - bash runs the project's own installer
            installer,  # noqa: S607
            check=False,
            stdout=sys.stderr,
        )
        binary = shutil.which("wrk")
    if binary is None:
        sys.exit("wrk is not installed")
    body = multipart(template, files)
    before, after = body.split(INSTANCE_ID.encode())
    with tempfile.TemporaryDirectory(prefix="migra-wrk-") as work:
        folder = Path(work)
        (folder / "before").write_bytes(before)
        (folder / "after").write_bytes(after)
        (folder / "post.lua").write_text(LUA)
        result = subprocess.run(  # noqa: S603 - wrk on loopback
            [
                binary,
                "-t4",
                f"-c{CLIENTS}",
                f"-d{WRK_SECONDS}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                str(folder / "post.lua"),
                f"http://127.0.0.1:{port}{path}",
                "--",
                str(folder / "before"),
                str(folder / "after"),
                uuid.uuid4().hex[:8],
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
    errors = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return (
        rate,
        p50.group(1) if p50 else "?",
        p99.group(1) if p99 else "?",
        (int(errors.group(1)) if errors else 0) + (int(timeouts.group(1)) if timeouts else 0),
    )


def main() -> None:
    tokens, meeting, story, photo = prepare()
    facilitator_key, peer_key = tokens.split(" ")
    port = free_port()
    server = start_gunicorn(
        port, "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30"
    )
    try:
        base = f"/odk/key/{facilitator_key}"
        serial_get(port, f"{base}/formList", 30)  # warm both workers
        listed = serial_get(port, f"{base}/formList", SERIAL)
        serial_post(port, f"{base}/submission", meeting, 30)
        posted = serial_post(port, f"{base}/submission", meeting, SERIAL)
        before = Submission.objects.count()
        rate, p50, p99, errors = wrk_post(port, f"{base}/submission", meeting, {})
        made = Submission.objects.count() - before
        attention = Submission.objects.filter(state=SubmissionState.NEEDS_ATTENTION).count()
        peer_base = f"/odk/key/{peer_key}"
        photo_rate, photo_p50, photo_p99, photo_errors = wrk_post(
            port, f"{peer_base}/submission", story, {"photo-1.jpg": photo}
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors or photo_errors or attention:
        sys.exit(f"errors: {errors} meeting, {photo_errors} story, {attention} need attention")
    print("| measurement | size | median (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    median, p95 = quantiles(listed)
    print(
        f"| formList, one keep-alive connection, gunicorn 2×4 gthread | "
        f"{SERIAL} requests, 7 forms | {median:.2f} | {p95:.2f} |"
    )
    median, p95 = quantiles(posted)
    print(
        f"| SHG meeting submission (no attachment) mapped into a meeting, serial | "
        f"{SERIAL} submissions | {median:.2f} | {p95:.2f} |"
    )
    print(
        f"| SHG meeting submissions, {CLIENTS} concurrent keep-alive clients (wrk) | "
        f"{made:,} in {WRK_SECONDS} s: **{rate:.0f} submissions/s** | p50 {p50} | p99 {p99} |"
    )
    print(
        f"| story with one {len(photo) // 1024} KB photo, {CLIENTS} concurrent clients (wrk) | "
        f"{WRK_SECONDS} s: **{photo_rate:.0f} submissions/s** | p50 {photo_p50} | "
        f"p99 {photo_p99} |"
    )


if __name__ == "__main__":
    main()
