"""Fill forms in tests with JavaRosa, the form engine inside ODK Collect.

`fill(xform_xml, answers)` returns the instance XML exactly as ODK Collect would submit
it (xml_submission_file), made by javarosa/FillForm.java running on the JavaRosa inside
the ODK Validate jar that pyxform ships. JavaRosa computes calculations, defaults and
preloads (meta/instanceID, start, end, deviceid) and checks every constraint and
required question; a refusal raises a FillError subclass naming the question:
ConstraintViolated, RequiredMissing, AnswerRefused (no such question, not relevant,
read-only, not one of the choices, not a valid number or date), FormRefused.

answers maps a question's path under the instance root to its answer::

    {"name": "ស្រី ពៅ", "age": "34", "grp/works": "yes",       # select_one: the value
     "fruits": ["apple", "mango"],                             # select_multiple
     "members[2]/name": "Sok",                                 # repeat instances from 1
     "members[3]": "",                                         # add an empty instance
     "photo": "1700000000.jpg"}                                # files: the file name

Java is needed. Where it is missing the calling test is skipped — except in CI
(CI=true), where that is a failure: CI must fill the forms.

FillForm.java is compiled once per test process into a private temporary folder.
`encrypt_like_collect` runs javarosa/EncryptLikeCollect.java (Java's own cryptography,
written as Collect's EncryptionUtils) to check the server's decryption against it.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from pyxform.validators import odk_validate

HERE = Path(__file__).resolve().parent / "javarosa"
FILL_FORM_SOURCE = HERE / "FillForm.java"
ENCRYPT_SOURCE = HERE / "EncryptLikeCollect.java"
JAR = Path(odk_validate.__file__).resolve().parent / "bin" / "ODK_Validate.jar"
TIMEOUT_SECONDS = 120
# Phones in the field are on Cambodian time: start/end/now() carry +07:00.
PHONE_TIMEZONE = "Asia/Phnom_Penh"
ERROR_PREFIX = "FILLFORM-ERROR\t"
# A media file name as a phone's form media folder holds it.
MEDIA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")

_lock = threading.Lock()
_compiled: Path | None = None


class FillError(Exception):
    """JavaRosa refused to fill the form as asked."""

    def __init__(self, kind: str, path: str, message: str, returncode: int) -> None:
        super().__init__(f"{kind} at {path or '(form)'}: {message}")
        self.kind = kind
        self.path = path
        self.message = message
        self.returncode = returncode


class ConstraintViolated(FillError):
    """An answer breaks its question's constraint (message: the form's constraint text)."""


class RequiredMissing(FillError):
    """A required question has no answer (message: the form's required text, if any)."""


class AnswerRefused(FillError):
    """An answer names no shown question, a read-only one, or is not a valid value."""


class FormRefused(FillError):
    """JavaRosa cannot load the form or its media."""


_ERRORS: dict[str, type[FillError]] = {
    "constraint": ConstraintViolated,
    "required": RequiredMissing,
    "answer": AnswerRefused,
    "form": FormRefused,
}


def java_or_skip(tool: str = "java") -> str:
    """The JDK tool's path; skips the test without it, fails in CI (CI=true)."""
    path = shutil.which(tool)
    if path and JAR.is_file():
        return path
    missing = tool if not path else f"the ODK Validate jar ({JAR})"
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{missing} is missing: CI must fill forms with JavaRosa")
    pytest.skip(f"{missing} is missing: cannot fill forms with JavaRosa here")


def _cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def compiled_classes() -> Path:
    """A folder holding FillForm's classes, compiled once per process."""
    global _compiled
    javac = java_or_skip("javac")
    with _lock:
        if _compiled is None:
            folder = Path(tempfile.mkdtemp(prefix="migra-fillform-"))
            atexit.register(_cleanup, folder)
            result = subprocess.run(  # noqa: S603  (fixed JDK command, our own source)
                [
                    javac,
                    "-encoding",
                    "UTF-8",
                    "-nowarn",
                    "-cp",
                    str(JAR),
                    "-d",
                    str(folder),
                    str(FILL_FORM_SOURCE),
                ],
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"FillForm.java does not compile:\n{result.stderr.decode()}")
            _compiled = folder
        return _compiled


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def answers_file(answers: Mapping[str, str | Sequence[str]]) -> str:
    """The answers as FillForm reads them: one "path=value" per line."""
    lines = []
    for path, value in answers.items():
        if not isinstance(path, str) or not path.strip() or any(c in path for c in "=\n\r"):
            raise ValueError(f"not a question path: {path!r}")
        if isinstance(value, str):
            text = value
        elif isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
            # select_multiple: XForms keeps the chosen values separated by spaces.
            if any(not item or item.split() != [item] for item in value):
                raise ValueError(f"a choice value cannot be empty or hold spaces: {value!r}")
            text = " ".join(value)
        else:
            raise TypeError(f"answer for {path} must be a str or a list of str, not {value!r}")
        lines.append(f"{path}={_escape(text)}\n")
    return "".join(lines)


def fill(
    xform_xml: str,
    answers: Mapping[str, str | Sequence[str]],
    *,
    media: Mapping[str, bytes] | None = None,
    language: str | None = None,
    properties: Mapping[str, str] | None = None,
) -> bytes:
    """The instance XML ODK Collect would submit for these answers (see module doc).

    media: the form's media files by name (places.csv …), for select_one_from_file,
    external instances and pulldata(). language: one of the form's languages as
    JavaRosa names them ("Khmer (km)"), for the messages of refusals; the form's default
    otherwise. properties: device properties (username, email, phonenumber, deviceid).
    """
    classes = compiled_classes()
    java = java_or_skip("java")
    with tempfile.TemporaryDirectory(prefix="migra-fill-") as work:
        folder = Path(work)
        form_path = folder / "form.xml"
        form_path.write_text(xform_xml, encoding="utf-8")
        answers_path = folder / "answers.txt"
        answers_path.write_text(answers_file(answers), encoding="utf-8")
        command = [
            java,
            f"-Duser.timezone={PHONE_TIMEZONE}",
            "-Dfile.encoding=UTF-8",
            "-cp",
            os.pathsep.join([str(JAR), str(classes)]),
            "FillForm",
            str(form_path),
            str(answers_path),
        ]
        if media:
            media_dir = folder / "media"
            media_dir.mkdir()
            for name, data in media.items():
                if not MEDIA_NAME.match(name) or ".." in name:
                    raise ValueError(f"not a form media file name: {name!r}")
                (media_dir / name).write_bytes(data)
            command += ["--media", str(media_dir)]
        if language is not None:
            command += ["--lang", language]
        for name, value in (properties or {}).items():
            command += ["--property", f"{name}={value}"]
        result = subprocess.run(  # noqa: S603  (fixed JDK command on files written here)
            command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    if result.returncode == 0:
        return result.stdout
    stderr = result.stderr.decode("utf-8", "replace")
    reports = [line for line in stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    if not reports:
        raise RuntimeError(f"FillForm failed ({result.returncode}):\n{stderr}")
    _, kind, path, message = (reports[-1].split("\t", 3) + ["", "", ""])[:4]
    error = _ERRORS.get(kind)
    if error is None:
        raise RuntimeError(f"FillForm failed ({kind}): {message}\n{stderr}")
    raise error(kind, path, message, result.returncode)


def encrypt_like_collect(
    xml: bytes,
    *,
    public_key: str,
    form_id: str,
    version: str | None,
    instance_id: str,
    media: Mapping[str, bytes] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """(manifest, {name.enc: bytes}) made by Java's JCE the way Collect encrypts."""
    java = java_or_skip("java")
    with tempfile.TemporaryDirectory(prefix="migra-encrypt-") as work:
        folder = Path(work)
        plain = folder / "plain"
        out = folder / "out"
        plain.mkdir()
        out.mkdir()
        paths = []
        for name, data in [*(media or {}).items(), ("submission.xml", xml)]:
            if not MEDIA_NAME.match(name):
                raise ValueError(f"not an attachment name: {name!r}")
            (plain / name).write_bytes(data)
            paths.append(str(plain / name))
        subprocess.run(  # noqa: S603  (fixed JDK command on files written here)
            [
                java,
                str(ENCRYPT_SOURCE),
                public_key,
                form_id,
                version or "-",
                instance_id,
                str(out),
                *paths,
            ],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=True,
        )
        manifest = (out / "manifest.xml").read_bytes()
        files = {path.name: path.read_bytes() for path in out.glob("*.enc")}
    return manifest, files
