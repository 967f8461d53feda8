"""Serving relayed media to the platforms that pull it (:mod:`publishing.media.relay`).

Public, since Instagram and TikTok fetch without credentials; what protects a file is its
random name. Only names the relay makes are served, never a listing, and an expired file is
gone even before the cleaner deletes it.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from publishing.media.relay import CONTENT_TYPES, relay_path


@require_safe
def relayed_media(request: HttpRequest, name: str) -> FileResponse:
    path = relay_path(name)
    if path is None:
        raise Http404("No such media.")
    response = FileResponse(
        default_storage.open(path, "rb"), content_type=CONTENT_TYPES[name.rsplit(".", 1)[1]]
    )
    response["Content-Length"] = str(default_storage.size(path))
    response["Cache-Control"] = "public, max-age=3600"
    return response
