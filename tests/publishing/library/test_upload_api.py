"""The media upload API: declare, send chunks in order, resume, complete into the library."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import Store
from publishing.library.uploads import (
    ChunkRange,
    UploadError,
    upload_append,
    upload_complete,
    upload_create,
)
from publishing.models import MediaAsset, MediaUpload
from tests.factories import ApiKeyFactory, StoreFactory
from tests.publishing.library.conftest import CHUNK, jpeg, mp4

pytestmark = pytest.mark.django_db

UPLOADS = "/functions/v1/media-uploads"


def create(api: APIClient, kind: str, size: int, **extra: Any) -> Any:
    return api.post(UPLOADS, {"type": kind, "size": size, **extra}, format="json")


def put_chunk(api: APIClient, upload_id: str, data: bytes, start: int, total: int) -> Any:
    return api.generic(
        "PUT",
        f"{UPLOADS}/{upload_id}",
        data,  # type: ignore[arg-type]  # bytes are sent as they are
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{start + len(data) - 1}/{total}",
    )


def send(api: APIClient, upload_id: str, data: bytes, start: int = 0, end: int = 0) -> None:
    for offset in range(start, end or len(data), CHUNK):
        answer = put_chunk(api, upload_id, data[offset : offset + CHUNK], offset, len(data))
        assert answer.status_code == 200, answer.json()


def upload(api: APIClient, kind: str, data: bytes) -> Any:
    upload_id = create(api, kind, len(data)).json()["upload"]["id"]
    send(api, upload_id, data)
    return api.post(f"{UPLOADS}/{upload_id}/complete")


def test_create_answers_where_to_start_and_the_chunk_size(api: APIClient) -> None:
    answer = create(api, "video", 5_000_000, filename="dress.mp4", content_type="video/mp4")
    assert answer.status_code == 201
    body = answer.json()
    upload = MediaUpload.objects.get()
    assert body == {
        "success": True,
        "upload": {
            "id": str(upload.id),
            "type": "video",
            "size": 5_000_000,
            "received_bytes": 0,
            "chunk_size": CHUNK,
            "status": "open",
            "expires_at": upload.expires_at.isoformat().replace("+00:00", "Z"),
        },
    }


def test_an_image_completes_into_the_library_with_a_public_url_and_thumbnail(
    api: APIClient, store: Store
) -> None:
    data = jpeg(800, 600)
    assert len(data) > 3 * CHUNK  # several chunks
    answer = upload(api, "image", data)
    assert answer.status_code == 200, answer.json()
    asset = MediaAsset.objects.get()
    token = asset.storage_name.removeprefix("library/").removesuffix(".jpg")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert answer.json() == {
        "success": True,
        "media": {
            "id": str(asset.id),
            "type": "image",
            "url": f"https://media.shop.test/media/library/{token}.jpg",
            "thumbnail_url": f"https://media.shop.test/media/library/{token}-thumb.jpg",
            "content_type": "image/jpeg",
            "size": len(data),
            "width": 800,
            "height": 600,
            "duration_seconds": None,
            "filename": "",
            "created_at": asset.created_at.isoformat().replace("+00:00", "Z"),
        },
    }
    assert asset.store == store
    with default_storage.open(asset.storage_name) as stored:
        assert stored.read() == data
    # Served where the URL says, to anyone (the platforms fetch without credentials).
    served = Client().get(f"/media/library/{token}.jpg")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == data  # type: ignore[attr-defined]
    thumb = Client().get(f"/media/library/{token}-thumb.jpg")
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).width == 320  # type: ignore[attr-defined]


def test_a_video_is_probed_and_answers_its_duration_and_size(api: APIClient) -> None:
    data = mp4(seconds=7.0, width=320, height=240)
    answer = upload(api, "video", data)
    assert answer.status_code == 200, answer.json()
    media = answer.json()["media"]
    assert (media["type"], media["content_type"]) == ("video", "video/mp4")
    assert (media["width"], media["height"]) == (320, 240)
    assert media["duration_seconds"] == pytest.approx(7.0, abs=0.1)
    assert media["url"].endswith(".mp4")
    asset = MediaAsset.objects.get()
    assert asset.info["video_codec"] == "h264"
    assert default_storage.exists(asset.thumbnail_name)


def test_a_library_video_answers_byte_ranges(api: APIClient) -> None:
    data = mp4()
    url = upload(api, "video", data).json()["media"]["url"]
    path = url.removeprefix("https://media.shop.test")
    part = Client().get(path, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert b"".join(part.streaming_content) == data[10:20]  # type: ignore[attr-defined]
    assert Client().get(path, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416


def test_a_chunk_out_of_order_is_refused_with_where_to_resume(api: APIClient) -> None:
    data = jpeg(400, 300)
    upload_id = create(api, "image", len(data)).json()["upload"]["id"]
    assert put_chunk(api, upload_id, data[:CHUNK], 0, len(data)).status_code == 200
    skipped = put_chunk(api, upload_id, data[2 * CHUNK : 3 * CHUNK], 2 * CHUNK, len(data))
    assert skipped.status_code == 409
    assert skipped.json() == {
        "success": False,
        "error": {
            "code": "offset_mismatch",
            "message": f"The next chunk starts at byte {CHUNK}, not {2 * CHUNK}.",
            "details": {"received_bytes": CHUNK},
        },
    }
    repeated = put_chunk(api, upload_id, data[:CHUNK], 0, len(data))
    assert repeated.json()["error"]["code"] == "offset_mismatch"


def test_an_interrupted_upload_resumes_from_where_it_stands(api: APIClient) -> None:
    data = jpeg(500, 400)
    upload_id = create(api, "image", len(data)).json()["upload"]["id"]
    send(api, upload_id, data, end=2 * CHUNK)
    # The connection dropped; the client does not know whether its last chunk arrived, so it
    # asks where to go on from, and sends the rest.
    state = api.get(f"{UPLOADS}/{upload_id}").json()["upload"]
    assert state["received_bytes"] == 2 * CHUNK
    for offset in range(state["received_bytes"], len(data), CHUNK):
        answer = put_chunk(api, upload_id, data[offset : offset + CHUNK], offset, len(data))
        assert answer.status_code == 200
    done = api.post(f"{UPLOADS}/{upload_id}/complete")
    assert done.status_code == 200
    with default_storage.open(MediaAsset.objects.get().storage_name) as stored:
        assert stored.read() == data


def test_a_chunk_cut_off_midway_leaves_the_upload_where_it_was(store: Store) -> None:
    data = jpeg(400, 300)
    upload = upload_create(store=store, kind="image", size=len(data))
    upload_append(
        store=store,
        upload_id=upload.id,
        chunk=ChunkRange(0, CHUNK - 1, len(data)),
        body=io.BytesIO(data[:CHUNK]),
    )
    with pytest.raises(UploadError) as cut:
        upload_append(
            store=store,
            upload_id=upload.id,
            chunk=ChunkRange(CHUNK, 2 * CHUNK - 1, len(data)),
            body=io.BytesIO(b"\xff" * 1000),  # the body ends after 1000 bytes
        )
    assert (cut.value.code, cut.value.details) == ("incomplete_chunk", {"received_bytes": CHUNK})
    for offset in range(CHUNK, len(data), CHUNK):
        piece = data[offset : offset + CHUNK]
        upload_append(
            store=store,
            upload_id=upload.id,
            chunk=ChunkRange(offset, offset + len(piece) - 1, len(data)),
            body=io.BytesIO(piece),
        )
    asset = upload_complete(store=store, upload_id=upload.id)
    with default_storage.open(asset.storage_name) as stored:
        assert stored.read() == data


def test_complete_before_every_byte_arrived_is_refused(api: APIClient) -> None:
    data = jpeg(400, 300)
    upload_id = create(api, "image", len(data)).json()["upload"]["id"]
    put_chunk(api, upload_id, data[:CHUNK], 0, len(data))
    answer = api.post(f"{UPLOADS}/{upload_id}/complete")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "upload_incomplete"
    assert not MediaAsset.objects.exists()


def test_a_file_that_is_not_media_is_refused_and_nothing_is_stored(
    api: APIClient, settings: Any
) -> None:
    answer = upload(api, "video", b"%PDF-1.7 not a video at all " * 5000)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_media"
    assert error["message"].startswith("The file is not a video that can be read")
    assert not MediaAsset.objects.exists()
    assert not MediaUpload.objects.exists()
    assert list(settings.MEDIA_UPLOAD_DIR.iterdir()) == []
    assert not default_storage.exists("library")


def test_an_image_sent_as_a_video_is_refused(api: APIClient) -> None:
    answer = upload(api, "video", jpeg(300, 200))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_media"


def test_a_decompression_bomb_is_refused_before_decoding(api: APIClient, settings: Any) -> None:
    settings.MEDIA_IMAGE_MAX_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("L", (4000, 4000)).save(out, "PNG")  # 16 Mpx in a few kB
    answer = upload(api, "image", out.getvalue())
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == (
        "The image has more than 1,000,000 pixels; use a smaller image."
    )
    assert not MediaAsset.objects.exists()


def test_sizes_over_the_limits_are_refused_before_any_byte_is_sent(
    api: APIClient, settings: Any
) -> None:
    settings.MEDIA_UPLOAD_MAX_IMAGE_BYTES = 8 * 1024 * 1024
    image = create(api, "image", 8 * 1024 * 1024 + 1)
    assert image.status_code == 413
    assert image.json()["error"] == {
        "code": "too_large",
        "message": "A image can be at most 8 MB; this one is 8.0 MB.",
        "details": {"max_bytes": 8 * 1024 * 1024},
    }
    assert create(api, "video", 2 * 1024**3).status_code == 413
    assert not MediaUpload.objects.exists()


def test_a_chunk_over_the_chunk_limit_is_refused(api: APIClient) -> None:
    upload_id = create(api, "video", 10 * CHUNK).json()["upload"]["id"]
    answer = put_chunk(api, upload_id, b"\0" * (CHUNK + 1), 0, 10 * CHUNK)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"
    assert api.get(f"{UPLOADS}/{upload_id}").json()["upload"]["received_bytes"] == 0


def test_a_chunk_past_the_declared_size_is_refused(api: APIClient) -> None:
    upload_id = create(api, "image", 100).json()["upload"]["id"]
    answer = put_chunk(api, upload_id, b"\0" * 200, 0, 200)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_range"


def test_another_stores_upload_is_not_found(api: APIClient) -> None:
    other = APIClient()
    _, raw = ApiKeyFactory.create_with_raw(store=StoreFactory.create())
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data = jpeg(200, 100, noise=False)
    upload_id = create(api, "image", len(data)).json()["upload"]["id"]
    assert other.get(f"{UPLOADS}/{upload_id}").status_code == 404
    assert put_chunk(other, upload_id, data, 0, len(data)).status_code == 404
    assert other.post(f"{UPLOADS}/{upload_id}/complete").status_code == 404
    assert api.get(f"{UPLOADS}/{upload_id}").json()["upload"]["received_bytes"] == 0


def test_unknown_library_names_are_not_served(api: APIClient) -> None:
    assert Client().get("/media/library/" + "a" * 32 + ".jpg").status_code == 404
    assert Client().get("/media/library/..%2Fsecret.jpg").status_code == 404
