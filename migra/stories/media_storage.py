"""Where story media bytes live, by how private they are (docs/stories.md, "Media"):

- **uploads in progress** — `upload_dir()`: a local directory (`MIGRA_UPLOAD_DIR`,
  default `var/uploads`), never inside MEDIA_ROOT, so nothing half-received (a photo
  with its GPS) is ever reachable by a URL. One file per upload (`<token>.part`), plus
  short-lived staging files while a chunk arrives. Several app servers need it on a
  shared disk (or sticky sessions for `/app/stories/<id>/uploads/`).
- **kept privately** — `private_storage()`: the clean master of a photo until the
  worker made its renditions, and the untouched original of audio and video (it may
  carry GPS, the phone's make, the date). The `private` entry of STORAGES when there
  is one (a private bucket in production), otherwise `MIGRA_PRIVATE_MEDIA_DIR` (default
  `var/private`) on disk. Never served to anyone.
- **renditions** — Django's default storage, like story photos: served only by views
  that check who may see them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

UPLOAD_SUFFIX = ".part"
STAGING_MARK = ".stage-"
COPY_BLOCK = 1024 * 1024


def _var_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path.cwd() / "var"))


def upload_dir() -> Path:
    """The directory of uploads in progress (made on first use, owner-only)."""
    configured = getattr(settings, "MIGRA_UPLOAD_DIR", None)
    directory = Path(configured) if configured else _var_dir() / "uploads"
    directory = directory.resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if directory == media_root or media_root in directory.parents:
        raise ImproperlyConfigured(
            "MIGRA_UPLOAD_DIR must not be inside MEDIA_ROOT: uploads in progress are private."
        )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def upload_path(name: str) -> Path:
    """The temporary file of an upload (`name` is its `upload_file`, a bare name)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError("not an upload file name")
    return upload_dir() / name


def new_upload_file(token: str) -> str:
    """Create the empty temporary file of a new upload; return its name."""
    name = f"{token}{UPLOAD_SUFFIX}"
    fd = os.open(upload_path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    return name


def staging_path(token: str) -> Path:
    """A fresh file name for one chunk while it arrives."""
    return upload_dir() / f"{token}{STAGING_MARK}{secrets.token_hex(8)}"


def remove_upload_file(name: str) -> None:
    if not name:
        return
    try:
        upload_path(name).unlink(missing_ok=True)
    except (OSError, ValueError):  # pragma: no cover - the sweeper tries again
        pass


def private_storage() -> Storage:
    if "private" in getattr(settings, "STORAGES", {}):
        return storages["private"]
    configured = getattr(settings, "MIGRA_PRIVATE_MEDIA_DIR", None)
    location = Path(configured) if configured else _var_dir() / "private"
    return FileSystemStorage(
        location=location, file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


class _LocalFile(File):
    """A local file handed to a storage: FileSystemStorage moves it (a rename on the
    same disk) instead of copying a gigabyte."""

    def temporary_file_path(self) -> str:
        return str(self.name)


def store_private(path: Path, *, folder: str, extension: str) -> str:
    """Move a local file into the private storage under a random name; return the name."""
    name = f"{folder}/{secrets.token_hex(16)}.{extension}"
    with open(path, "rb") as handle:
        stored = private_storage().save(name, _LocalFile(handle, name=str(path)))
    path.unlink(missing_ok=True)  # moved already on disk; copied elsewhere
    return str(stored)


def delete_private(*names: str) -> None:
    storage = private_storage()
    for name in names:
        if name:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - nothing more to do: the row is gone
                pass


@contextmanager
def local_copy(storage: Storage, name: str, directory: Path) -> Iterator[Path]:
    """A local path to a stored file: the file itself on a disk storage, otherwise a
    copy in `directory` (ffmpeg reads local files only)."""
    try:
        local = storage.path(name)
    except NotImplementedError:  # object storage: no local path
        local = None
    if local is not None:
        yield Path(local)
        return
    copy = directory / f"source-{secrets.token_hex(8)}"
    with storage.open(name, "rb") as source, open(copy, "wb") as target:
        while block := source.read(COPY_BLOCK):
            target.write(block)
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)
