"""Serving library files to the platforms (and the dashboard's thumbnails).

Public, as the platforms fetch without credentials; only names of assets that exist are
served, never a listing. A single byte range is answered (206), since video probes and some
platforms read a large file in parts rather than whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from publishing.library.storage import CONTENT_TYPES, served_name

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
BLOCK = 256 * 1024
UNSATISFIABLE = (-1, -1)


@require_safe
def library_media(request: HttpRequest, name: str) -> HttpResponse:
    path = served_name(name)
    if path is None:
        raise Http404("No such media.")
    size = default_storage.size(path)
    content_type = CONTENT_TYPES[name.rsplit(".", 1)[1]]
    wanted = _range(request.headers.get("Range", ""), size)
    if wanted == UNSATISFIABLE:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    file = default_storage.open(path, "rb")
    if wanted is None:
        full = FileResponse(file, content_type=content_type)
        full["Content-Length"] = str(size)
        return _headers(full)
    start, end = wanted
    file.seek(start)
    partial = StreamingHttpResponse(
        _read(file, end - start + 1), status=206, content_type=content_type
    )
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Content-Length"] = str(end - start + 1)
    return _headers(partial)


def _headers(response: HttpResponse | StreamingHttpResponse | FileResponse) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    # Names never change content: a file is replaced by a new name, never rewritten.
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response  # type: ignore[return-value]


def _range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end) of a single range; None for the whole file; UNSATISFIABLE past its end."""
    found = _RANGE.fullmatch(header.strip())
    if not found or not (found[1] or found[2]):
        return None  # no Range, or one we do not read (several ranges): the whole file
    if not found[1]:  # the last N bytes
        start, end = max(0, size - int(found[2])), size - 1
    else:
        start = int(found[1])
        end = min(int(found[2]), size - 1) if found[2] else size - 1
    if start >= size or start > end:
        return UNSATISFIABLE
    return start, end


def _read(file: IO[bytes], remaining: int) -> Iterator[bytes]:
    try:
        while remaining > 0:
            data = file.read(min(BLOCK, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data
    finally:
        file.close()
