"""The dashboard's uploads (session and CSRF, through the library's own services), the media
library page, deleting a file, reusing it in the composer, and thumbnails where posts show."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, SocialAccount, Store
from publishing.library.storage import asset_url, thumbnail_url
from publishing.models import MediaAsset, MediaUpload, Post, PostTarget
from tests.factories import StoreFactory
from tests.publishing.library.conftest import jpeg, mp4

pytestmark = pytest.mark.django_db

CHUNK = 64 * 1024


@pytest.fixture(autouse=True)
def _uploads(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_UPLOAD_CHUNK_BYTES = CHUNK
    settings.MEDIA_PUBLIC_BASE_URL = "https://media.shop.test"


def _merchant(store: Store, role: str = "editor", name: str = "huda") -> Client:
    user = User.objects.create_user(name, password="pw")
    Membership.objects.create(store=store, user=user, role=role)
    client = Client(enforce_csrf_checks=True)
    client.login(username=name, password="pw")
    client.get(f"/stores/{store.pk}/media/")  # sets the CSRF cookie, as the page does
    return client


@pytest.fixture
def editor(store: Store) -> Client:
    return _merchant(store)


def _csrf(client: Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def start(client: Client, store: Store, kind: str, size: int, **extra: Any) -> Any:
    return client.post(
        f"/stores/{store.pk}/media/uploads",
        {"type": kind, "size": size, "filename": f"file.{kind}", **extra},
        headers=_csrf(client),
    )


def put(client: Client, store: Store, upload_id: str, data: bytes, start: int, total: int) -> Any:
    return client.generic(
        "PUT",
        f"/stores/{store.pk}/media/uploads/{upload_id}",
        data,  # the raw bytes, as the browser sends a Blob
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{start + len(data) - 1}/{total}",
        headers=_csrf(client),
    )


def complete(client: Client, store: Store, upload_id: str, **headers: Any) -> Any:
    return client.post(
        f"/stores/{store.pk}/media/uploads/{upload_id}/complete", headers=_csrf(client), **headers
    )


def upload(client: Client, store: Store, kind: str, data: bytes) -> Any:
    upload_id = start(client, store, kind, len(data)).json()["upload"]["id"]
    for offset in range(0, len(data), CHUNK):
        answer = put(client, store, upload_id, data[offset : offset + CHUNK], offset, len(data))
        assert answer.status_code == 200, answer.content
    return complete(client, store, upload_id)


def test_an_image_arrives_in_chunks_and_answers_the_url_to_attach(
    editor: Client, store: Store
) -> None:
    data = jpeg(800, 600)
    assert len(data) > 3 * CHUNK
    started = start(editor, store, "image", len(data), content_type="image/jpeg")
    assert started.status_code == 201
    state = started.json()["upload"]
    assert (state["received_bytes"], state["chunk_size"], state["status"]) == (0, CHUNK, "open")
    for offset in range(0, len(data), CHUNK):
        piece = data[offset : offset + CHUNK]
        answer = put(editor, store, state["id"], piece, offset, len(data))
        assert answer.json()["upload"]["received_bytes"] == offset + len(piece)
    done = complete(editor, store, state["id"])
    assert done.status_code == 200
    asset = MediaAsset.objects.get()
    media = done.json()["media"]
    assert (media["id"], media["type"], media["width"]) == (str(asset.id), "image", 800)
    assert media["url"] == asset_url(asset)
    assert media["url"].startswith("https://media.shop.test/media/library/")
    assert (asset.store, asset.filename, asset.created_by.username) == (store, "file.image", "huda")  # type: ignore[union-attr]
    with default_storage.open(asset.storage_name) as stored:
        assert stored.read() == data


def test_a_missing_chunk_is_refused_with_the_offset_and_the_upload_resumes_there(
    editor: Client, store: Store
) -> None:
    data = jpeg(500, 400)
    upload_id = start(editor, store, "image", len(data)).json()["upload"]["id"]
    assert put(editor, store, upload_id, data[:CHUNK], 0, len(data)).status_code == 200
    # The second chunk was lost on the way: the third is refused, saying where to go on.
    skipped = put(editor, store, upload_id, data[2 * CHUNK : 3 * CHUNK], 2 * CHUNK, len(data))
    assert skipped.status_code == 409
    assert skipped.json()["received_bytes"] == CHUNK
    assert skipped.json()["error"]["code"] == "offset_mismatch"
    # After a dropped connection the page asks where the upload stands.
    state = editor.get(f"/stores/{store.pk}/media/uploads/{upload_id}").json()["upload"]
    assert state["received_bytes"] == CHUNK
    for offset in range(state["received_bytes"], len(data), CHUNK):
        piece = data[offset : offset + CHUNK]
        assert put(editor, store, upload_id, piece, offset, len(data)).status_code == 200
    assert complete(editor, store, upload_id).status_code == 200
    with default_storage.open(MediaAsset.objects.get().storage_name) as stored:
        assert stored.read() == data


def test_a_file_that_is_not_a_video_is_refused_in_the_merchants_language(
    editor: Client, store: Store, settings: Any
) -> None:
    fake = b"%PDF-1.7 not a video at all " * 5000
    upload_id = start(editor, store, "video", len(fake)).json()["upload"]["id"]
    for offset in range(0, len(fake), CHUNK):
        put(editor, store, upload_id, fake[offset : offset + CHUNK], offset, len(fake))
    refused = complete(editor, store, upload_id, HTTP_ACCEPT_LANGUAGE="ar")
    assert refused.status_code == 422
    assert refused.json()["error"] == {
        "code": "invalid_media",
        "message": "هذا الملف ليس فيديو يمكن نشره. ارفع فيديو بصيغة MP4 أو MOV أو WebM "
        "يعمل على جهازك.",
    }
    assert not MediaAsset.objects.exists() and not MediaUpload.objects.exists()
    assert list(settings.MEDIA_UPLOAD_DIR.iterdir()) == []
    english = upload(editor, store, "image", b"GIF89a but not really" * 100).json()
    assert english["error"]["message"].startswith("This file is not a photo that can be published")


def test_a_file_over_the_limit_is_refused_before_any_byte_is_sent(
    editor: Client, store: Store, settings: Any
) -> None:
    settings.MEDIA_UPLOAD_MAX_VIDEO_BYTES = 10 * 1024 * 1024
    answer = start(editor, store, "video", 11 * 1024 * 1024)
    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "code": "too_large",
        "message": "This video is too large: a video can be at most 10 MB.",
    }
    assert start(editor, store, "document", 100).json()["error"]["code"] == "invalid_type"
    assert not MediaUpload.objects.exists()


def test_uploads_need_the_csrf_token(editor: Client, store: Store) -> None:
    data = jpeg(200, 100, noise=False)
    no_token = editor.post(f"/stores/{store.pk}/media/uploads", {"type": "image", "size": 10})
    assert no_token.status_code == 403
    upload_id = start(editor, store, "image", len(data)).json()["upload"]["id"]
    forged = editor.generic(
        "PUT",
        f"/stores/{store.pk}/media/uploads/{upload_id}",
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{len(data) - 1}/{len(data)}",
    )
    assert forged.status_code == 403
    assert MediaUpload.objects.get().received_bytes == 0


def test_viewers_see_the_library_but_cannot_upload_or_delete(store: Store) -> None:
    editor = _merchant(store)
    assert upload(editor, store, "image", jpeg(300, 200)).status_code == 200
    asset = MediaAsset.objects.get()
    viewer = _merchant(store, role="viewer", name="v")
    page = viewer.get(f"/stores/{store.pk}/media/")
    assert page.status_code == 200
    assert thumbnail_url(asset) in page.content.decode()
    assert "upload-zone" not in page.content.decode()
    assert "/delete" not in page.content.decode()
    assert start(viewer, store, "image", 100).status_code == 403
    delete = f"/stores/{store.pk}/media/{asset.pk}/delete"
    assert viewer.post(delete, headers=_csrf(viewer)).status_code == 403
    assert MediaAsset.objects.exists()
    assert Client().get(f"/stores/{store.pk}/media/").status_code == 302  # to the login page


def test_another_stores_uploads_and_files_are_not_found(editor: Client, store: Store) -> None:
    other = StoreFactory.create()
    theirs = _merchant(other, name="rival")
    data = jpeg(200, 100, noise=False)
    assert upload(theirs, other, "image", data).status_code == 200
    asset = MediaAsset.objects.get()
    pending = start(theirs, other, "image", len(data)).json()["upload"]["id"]
    # Not a member of the other store: its pages are a 404, never a 403.
    assert start(editor, other, "image", 100).status_code == 404
    assert editor.get(f"/stores/{other.pk}/media/").status_code == 404
    # The other store's upload and file through this store's own URLs: not found either.
    assert editor.get(f"/stores/{store.pk}/media/uploads/{pending}").status_code == 404
    assert put(editor, store, pending, data, 0, len(data)).status_code == 404
    assert complete(editor, store, pending).status_code == 404
    assert editor.get(f"/stores/{store.pk}/media/{asset.pk}/delete").status_code == 404
    refused = editor.post(f"/stores/{store.pk}/media/{asset.pk}/delete", headers=_csrf(editor))
    assert refused.status_code == 404
    assert MediaUpload.objects.get(pk=pending).received_bytes == 0
    assert MediaAsset.objects.filter(pk=asset.pk).exists()


def test_the_library_lists_photos_and_videos_with_thumbnails_size_and_date(
    editor: Client, store: Store
) -> None:
    assert upload(editor, store, "image", jpeg(300, 200)).status_code == 200
    assert upload(editor, store, "video", mp4(seconds=7.0)).status_code == 200
    image = MediaAsset.objects.get(kind="image")
    video = MediaAsset.objects.get(kind="video")
    page = editor.get(f"/stores/{store.pk}/media/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Media</a>" in page  # the navigation's entry
    assert f'<img src="{thumbnail_url(image)}" alt="Photo: file.image"' in page
    assert f'<img src="{thumbnail_url(video)}" alt="Video, 0:07: file.video"' in page
    assert "▶ 0:07" in page
    assert f"?media={video.pk}" in page  # reuse: the composer with it attached
    arabic = editor.get(f"/stores/{store.pk}/media/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert ">الوسائط</a>" in arabic and "استخدمه في منشور" in arabic


def test_use_in_a_post_opens_the_composer_with_the_file_attached(
    editor: Client, store: Store
) -> None:
    assert upload(editor, store, "image", jpeg(300, 200)).status_code == 200
    asset = MediaAsset.objects.get()
    page = editor.get(f"/stores/{store.pk}/compose/?media={asset.pk}").content.decode()
    assert f">\n{asset_url(asset)}</textarea>" in page
    assert 'type="file" accept="image/*,video/*" multiple' in page
    picker = editor.get(f"/stores/{store.pk}/media/?pick=1").content.decode()
    assert f'data-attach-url="{asset_url(asset)}"' in picker
    # Another store's file cannot be attached by its id.
    other = StoreFactory.create()
    assert upload(_merchant(other, name="rival"), other, "image", jpeg(10, 10)).status_code == 200
    theirs = MediaAsset.objects.get(store=other)
    page = editor.get(f"/stores/{store.pk}/compose/?media={theirs.pk}").content.decode()
    assert asset_url(theirs) not in page


def _post_with(store: Store, asset: MediaAsset, account: SocialAccount, status: str) -> Post:
    post = Post.objects.create(
        store=store,
        text="فستان صيفي",
        status=status,
        media=[{"type": asset.kind, "url": asset_url(asset)}],
        schedule_at=timezone.now() + timedelta(days=1) if status == "scheduled" else None,
    )
    PostTarget.objects.create(post=post, platform=account.platform, account=account, status=status)
    return post


def test_deleting_asks_first_then_removes_the_file(
    editor: Client, store: Store, x_account: SocialAccount, django_capture_on_commit_callbacks: Any
) -> None:
    assert upload(editor, store, "image", jpeg(300, 200)).status_code == 200
    asset = MediaAsset.objects.get()
    _post_with(store, asset, x_account, "published")
    delete = f"/stores/{store.pk}/media/{asset.pk}/delete"
    confirm = editor.get(delete, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Delete this file from the library?" in confirm
    assert "1 published post uses it." in confirm
    assert MediaAsset.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go once the row is gone
        gone = editor.post(delete, headers=_csrf(editor))
    assert gone.status_code == 302 and gone["Location"] == f"/stores/{store.pk}/media/"
    assert not MediaAsset.objects.exists()
    assert not default_storage.exists(asset.storage_name)
    assert not default_storage.exists(asset.thumbnail_name)
    assert Client().get(asset_url(asset).removeprefix("https://media.shop.test")).status_code == 404


def test_a_file_a_scheduled_post_still_needs_is_not_deleted(
    editor: Client, store: Store, x_account: SocialAccount
) -> None:
    assert upload(editor, store, "image", jpeg(300, 200)).status_code == 200
    asset = MediaAsset.objects.get()
    scheduled = _post_with(store, asset, x_account, "scheduled")
    delete = f"/stores/{store.pk}/media/{asset.pk}/delete"
    confirm = editor.get(delete, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This file cannot be deleted: these posts will still publish it." in confirm
    assert f"/posts/{scheduled.pk}/" in confirm
    assert "Delete the file" not in confirm
    refused = editor.post(delete, headers=_csrf(editor), HTTP_ACCEPT_LANGUAGE="ar")
    assert refused.status_code == 409
    assert "لا يمكن حذف هذا الملف" in refused.content.decode()
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert default_storage.exists(asset.storage_name)


def test_posts_show_their_media_as_small_thumbnails_with_alt_text(
    editor: Client, store: Store, x_account: SocialAccount
) -> None:
    assert upload(editor, store, "video", mp4(seconds=7.0)).status_code == 200
    asset = MediaAsset.objects.get()
    post = _post_with(store, asset, x_account, "scheduled")
    Post.objects.filter(pk=post.pk).update(
        media=[
            {"type": "video", "url": asset_url(asset)},
            {"type": "image", "url": "https://cdn.shop.example/dress.jpg"},
        ]
    )
    thumb = f'<img src="{thumbnail_url(asset)}" alt="Video, 0:07" width="40" height="40"'
    listed = editor.get(f"/stores/{store.pk}/posts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert thumb in listed
    assert '<img src="https://cdn.shop.example/dress.jpg" alt="Photo" width="40"' in listed
    detail = editor.get(f"/stores/{store.pk}/posts/{post.pk}/").content.decode()
    assert f'<img src="{thumbnail_url(asset)}" alt="Video, 0:07" width="96"' in detail
    when = timezone.localtime(post.schedule_at)
    month = editor.get(f"/stores/{store.pk}/calendar/?month={when:%Y-%m}").content.decode()
    assert f'<img src="{thumbnail_url(asset)}" alt="Video, 0:07" width="24"' in month
    assert "cdn.shop.example" not in month  # one thumbnail a post on the calendar
    overview = editor.get(f"/stores/{store.pk}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert f'<img src="{thumbnail_url(asset)}" alt="فيديو، 0:07"' in overview


def test_a_chunk_is_streamed_to_the_file_never_read_whole_into_memory(
    editor: Client, store: Store, settings: Any
) -> None:
    # Reading the body whole (request.body) is refused past this size: a chunk 64 times over
    # it still goes through, since the view hands the request stream to the upload as it is.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = jpeg(400, 300)
    answer = upload(editor, store, "image", data)
    assert answer.status_code == 200
    with default_storage.open(MediaAsset.objects.get().storage_name) as stored:
        assert stored.read() == data
