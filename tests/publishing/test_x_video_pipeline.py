"""An X video through the public API and the pipeline, against the sandbox over real HTTP:
the video streams from the sandbox's media route into X's chunked upload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

MB = 1024 * 1024


def publish_video(api: APIClient, store: Store, url: str) -> dict[str, Any]:
    content = {
        "text": "فيديو المنتج الجديد",
        "media": [{"type": "video", "url": url}],
        "link": None,
    }
    return publish_request(api, store, wait=False, content=content)


def x_calls(sandbox: SandboxServer) -> list[str]:
    return [
        f"{r['method']} {r['path']}" + (f" {r['form']['segment_index']}" if r["form"] else "")
        for r in sandbox.state.requests("x")
    ]


def test_a_12_mb_video_is_uploaded_in_3_segments_processed_then_posted(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    answer = publish_video(
        api, store, f"{sandbox.base_url}/_sandbox/media/clip.mp4?bytes={12 * MB}"
    )
    target_publish(target_id=PostTarget.objects.get().pk)

    [tweet] = sandbox.state.posts("x")
    media_id = tweet["request_body"]["media"]["media_ids"][0]
    assert x_calls(sandbox) == [
        "POST /2/media/upload/initialize",
        f"POST /2/media/upload/{media_id}/append 0",
        f"POST /2/media/upload/{media_id}/append 1",
        f"POST /2/media/upload/{media_id}/append 2",
        f"POST /2/media/upload/{media_id}/finalize",
        "GET /2/media/upload",  # in_progress
        "GET /2/media/upload",  # succeeded
        "POST /2/tweets",
    ]
    initialize = sandbox.state.requests("x")[0]["json"]
    assert initialize == {
        "media_type": "video/mp4", "total_bytes": 12 * MB, "media_category": "tweet_video",
    }  # fmt: skip
    sizes = [r["files"]["media"]["size"] for r in sandbox.state.requests("x")[1:4]]
    assert sizes == [5 * MB, 5 * MB, 2 * MB]
    assert [m["category"] for m in tweet["media"]] == ["tweet_video"]
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["status"] == "published"
    assert result["results"][0]["post_id"] == tweet["id"]


def test_a_video_still_processing_after_the_wait_is_polled_again_on_the_next_attempt(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    settings: Any,
) -> None:
    settings.X_MEDIA_PROCESSING_WAIT_SECONDS = 0  # X asks to check back after 1 s
    publish_video(api, store, f"{sandbox.base_url}/_sandbox/media/clip.mp4")
    target_publish(target_id=PostTarget.objects.get().pk)
    target = PostTarget.objects.get()
    assert (target.status, target.error_code) == (TargetStatus.QUEUED, "media_processing")
    assert sandbox.state.posts("x") == []
    assert target.due_at is not None
    with time_machine.travel(target.due_at + timedelta(seconds=1)):
        settings.X_MEDIA_PROCESSING_WAIT_SECONDS = 5
        dispatch_due()
        target_publish(target_id=target.pk)

    assert PostTarget.objects.get().status == TargetStatus.PUBLISHED
    calls = x_calls(sandbox)
    assert calls.count("POST /2/media/upload/initialize") == 1  # uploaded once, polled again
    assert calls.count("GET /2/media/upload") == 2
    assert len(sandbox.state.posts("x")) == 1


def test_a_video_x_fails_to_process_fails_the_target_with_xs_reason_and_no_post(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    answer = publish_video(api, store, f"{sandbox.base_url}/_sandbox/media/processing-fails.mp4")
    target_publish(target_id=PostTarget.objects.get().pk)

    assert sandbox.state.posts("x") == []
    assert "POST /2/tweets" not in x_calls(sandbox)
    target = PostTarget.objects.get()
    assert target.status == TargetStatus.FAILED
    result = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    assert result["results"][0]["error"]["code"] == "media_processing_failed"
    assert result["results"][0]["error"]["message"] == (
        "X could not process the video: Unsupported video."
    )


def test_a_video_with_images_is_refused_before_anything_is_written(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    media = [
        {"type": "video", "url": f"{sandbox.base_url}/_sandbox/media/a.mp4"},
        {"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/b.png"},
    ]
    response = api.post(
        PUBLISH_URL,
        {"store_id": str(store.pk), "platforms": ["x"],
         "content": {"text": "x", "media": media, "link": None}, "schedule_at": None},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "one video per post" in response.content.decode()
    assert PostTarget.objects.count() == 0
