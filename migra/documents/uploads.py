"""Stopping an oversized document upload while it arrives.

Django writes an uploaded file to a temporary file as it reads the request; a 2 GB
file would fill the disk before the service could refuse it. `limit_uploads(request)`
(called by the upload views before anything reads the body — hence those views are
csrf_exempt outside and csrf_protect inside, as Django's documentation shows) puts a
handler first that skips any file past the size limit: the rest of it is read and
thrown away, never written, and `upload_too_large(request)` tells the view.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from migra.documents.files import max_bytes

_FLAG = "_documents_upload_too_large"


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, _FLAG, True)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handlers make the file


def limit_uploads(request: HttpRequest) -> None:
    request.upload_handlers = [SizeLimitHandler(request, max_bytes()), *request.upload_handlers]


def upload_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, _FLAG, False))
