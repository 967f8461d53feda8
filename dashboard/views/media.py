"""The media library's pages and the composer's uploads from the merchant's device.

Uploads go through the same services as the API's /media-uploads (publishing.library.uploads),
with the session and its CSRF token instead of an API key, so no key ever reaches the browser.
A chunk is read from the request as it arrives and appended to the upload's file: the web
process never holds a whole video.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Membership, Store
from dashboard.access import StoreAccess, store_page
from dashboard.upload_wording import upload_error_sentence
from publishing.api.media_uploads import STATUSES, parse_content_range
from publishing.library.selectors import asset_get, library_assets, posts_using
from publishing.library.storage import asset_url
from publishing.library.uploads import (
    UploadError,
    asset_delete,
    asset_state,
    upload_append,
    upload_complete,
    upload_create,
    upload_state,
)
from publishing.models import MediaAsset, MediaUpload, PostStatus

PAGE_SIZE = 48


def attached_initial(store: Store, asset_ids: list[str]) -> dict[str, str]:
    """The composer's initial media field for library files named by id ("Use in a post")."""
    urls = [
        asset_url(asset)
        for asset_id in asset_ids
        if (asset := asset_get(store=store, asset_id=asset_id)) is not None
    ]
    return {"media_urls": "\n".join(urls)} if urls else {}


def _refusal(exc: UploadError, kind: str) -> JsonResponse:
    body: dict[str, Any] = {
        "error": {"code": exc.code, "message": upload_error_sentence(exc.code, kind, exc.details)}
    }
    if "received_bytes" in exc.details:
        body["received_bytes"] = exc.details["received_bytes"]
    return JsonResponse(body, status=STATUSES[exc.code])


def _upload_kind(access: StoreAccess, upload_id: UUID) -> str:
    """The upload's kind, for the refusal's wording (a refused upload is deleted with it)."""
    kind = (
        MediaUpload.objects.filter(store=access.store, pk=upload_id)
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:
        raise Http404("No such upload.")
    return kind


@store_page()
def library(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    """The store's photos and videos, newest first; ``?pick=1`` answers the composer's picker."""
    page = Paginator(library_assets(store=access.store), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = (
        "dashboard/media/_picker.html"
        if request.GET.get("pick")
        else "dashboard/media/library.html"
    )
    return render(request, template, {"page": page})


@require_POST
@store_page(Membership.Role.EDITOR)
def upload_start(request: HttpRequest, access: StoreAccess) -> HttpResponse:
    kind = request.POST.get("type", "")
    try:
        upload = upload_create(
            store=access.store,
            kind=kind,
            size=int(request.POST.get("size") or 0),
            filename=request.POST.get("filename", ""),
            content_type=request.POST.get("content_type", ""),
            user=request.user,
        )
    except UploadError as exc:
        return _refusal(exc, kind)
    except ValueError:
        return _refusal(UploadError("invalid_size", "size must be a number."), kind)
    return JsonResponse({"upload": upload_state(upload)}, status=201)


@require_http_methods(["GET", "PUT"])
@store_page(Membership.Role.EDITOR)
def upload_chunk(request: HttpRequest, access: StoreAccess, upload_id: UUID) -> HttpResponse:
    """GET: how far the upload got (where to resume). PUT: append one chunk."""
    kind = _upload_kind(access, upload_id)
    if request.method == "GET":
        upload = MediaUpload.objects.get(store=access.store, pk=upload_id)
        return JsonResponse({"upload": upload_state(upload)})
    try:
        chunk = parse_content_range(
            request.headers.get("Content-Range", ""), request.META.get("CONTENT_LENGTH")
        )
        # The request itself is the body: read from the socket a piece at a time.
        upload = upload_append(
            store=access.store,
            upload_id=upload_id,
            chunk=chunk,
            body=request,  # type: ignore[arg-type]
        )
    except UploadError as exc:
        return _refusal(exc, kind)
    return JsonResponse({"upload": upload_state(upload)})


@require_POST
@store_page(Membership.Role.EDITOR)
def upload_finish(request: HttpRequest, access: StoreAccess, upload_id: UUID) -> HttpResponse:
    """Check the whole file and add it to the library; answers the media to attach."""
    kind = _upload_kind(access, upload_id)
    try:
        asset = upload_complete(store=access.store, upload_id=upload_id)
    except UploadError as exc:
        return _refusal(exc, kind)
    return JsonResponse({"media": asset_state(asset)})


def _asset(access: StoreAccess, asset_id: UUID) -> MediaAsset:
    asset = asset_get(store=access.store, asset_id=asset_id)
    if asset is None:
        raise Http404("No such media.")
    return asset


@require_http_methods(["GET", "POST"])
@store_page(Membership.Role.EDITOR)
def media_delete(request: HttpRequest, access: StoreAccess, asset_id: UUID) -> HttpResponse:
    """GET asks to confirm; POST deletes, unless a post still to be published names the file
    (the platform would fetch a file that is gone)."""
    asset = _asset(access, asset_id)
    pending = posts_using(store=access.store, asset=asset)
    if request.method == "GET" or pending:
        if request.method == "POST":
            messages.error(request, _("A post still to be published uses this file."))
        published = posts_using(
            store=access.store,
            asset=asset,
            statuses=[PostStatus.PUBLISHED, PostStatus.PARTIALLY_PUBLISHED],
        )
        context = {"asset": asset, "pending": pending, "published": published}
        return render(
            request,
            "dashboard/media/delete.html",
            context,
            status=409 if request.method == "POST" else 200,
        )
    asset_delete(store=access.store, asset_id=asset.pk)
    messages.success(request, _("The file was deleted from the library."))
    return redirect("dashboard:media", store_id=access.store.pk)
