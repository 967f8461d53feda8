"""A photo uploaded from the dashboard into the media library and published to Instagram, which
pulls images by URL: the real worker process fetches the library's public URL from the live
server, and the sandbox receives that URL (see test_worker_beat.py for the stack)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Membership, Store
from publishing.models import MediaAsset, Post, PostTarget, TargetStatus
from tests.e2e.conftest import Stack
from tests.factories import SocialAccountFactory
from tests.publishing.library.conftest import jpeg
from tests.support.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

CHUNK = 64 * 1024


def test_a_photo_uploaded_to_the_library_is_published_to_instagram_by_its_url(
    live_server: Any, store: Store, stack: Stack, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_UPLOAD_CHUNK_BYTES = CHUNK
    settings.MEDIA_PUBLIC_BASE_URL = live_server.url  # where the worker fetches the file
    SocialAccountFactory.create(store=store, platform="instagram")
    user = User.objects.create_user("huda", password="pw")
    Membership.objects.create(store=store, user=user, role="editor")
    client = Client()
    client.login(username="huda", password="pw")
    stack.worker()

    data = jpeg(1080, 1080)
    base = f"/stores/{store.pk}/media/uploads"
    upload_id = client.post(base, {"type": "image", "size": len(data)}).json()["upload"]["id"]
    for offset in range(0, len(data), CHUNK):
        piece = data[offset : offset + CHUNK]
        answer = client.generic(
            "PUT",
            f"{base}/{upload_id}",
            piece,
            content_type="application/octet-stream",
            HTTP_CONTENT_RANGE=f"bytes {offset}-{offset + len(piece) - 1}/{len(data)}",
        )
        assert answer.status_code == 200
    url = client.post(f"{base}/{upload_id}/complete").json()["media"]["url"]
    assert url.startswith(f"{live_server.url}/media/library/") and url.endswith(".jpg")

    # The composer, with the uploaded file's URL in its media field as the page puts it there.
    composed = client.post(
        f"/stores/{store.pk}/compose/",
        {
            "text": "وصل حديثاً: فستان صيفي",
            "media_urls": url,
            "link": "",
            "platforms": ["instagram"],
            "when": "now",
            "request_id": "5a0c2c39-7f1e-4d8e-9d55-3c4f9b1e0a11",
        },
    )
    assert composed.status_code == 302, composed.content.decode()[:2000]
    post = Post.objects.get()
    assert post.media == [{"type": "image", "url": url}]
    wait_for(
        lambda: PostTarget.objects.filter(status=TargetStatus.PUBLISHED).exists(),
        60,
        f"the post to be published\n{stack.logs()}",
    )
    [gram] = stack.sandbox.state.posts("instagram")
    # A JPEG that fits: handed over as the library's own URL, after the worker read its header
    # from that URL (an unreachable one fails the target instead).
    assert gram["media"][0]["url"] == url
    assert PostTarget.objects.get().notices == []
    assert MediaAsset.objects.get().store == store
