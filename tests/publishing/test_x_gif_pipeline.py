"""An animated GIF to X through the public API and the pipeline, against the sandbox over real
HTTP: the API's media type is ``image``; served as an animated ``image/gif`` it becomes X's
``tweet_gif``, uploaded in chunks and processed before the post; with other images it fails
with X's rule, before anything is posted."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import PostTarget, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.support.api import PUBLISH_URL
from tests.support.api import publish as publish_request

MB = 1024 * 1024


def publish_images(api: APIClient, store: Store, *urls: str) -> dict[str, Any]:
    content = {
        "text": "صورة متحركة للمنتج",
        "media": [{"type": "image", "url": url} for url in urls],
        "link": None,
    }
    return publish_request(api, store, wait=False, content=content)


def x_calls(sandbox: SandboxServer) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        + (f" {r['form']['segment_index']}" if "segment_index" in r["form"] else "")
        for r in sandbox.state.requests("x")
    ]


def result(api: APIClient, answer: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"{PUBLISH_URL}/{answer['post_id']}").json()
    return body


def test_a_6_mb_animated_gif_is_uploaded_as_a_gif_processed_then_posted(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    url = f"{sandbox.base_url}/_sandbox/media/dance.gif?frames=4&bytes={6 * MB}"
    answer = publish_images(api, store, url)
    target_publish(target_id=PostTarget.objects.get().pk)

    [tweet] = sandbox.state.posts("x")
    media_id = tweet["request_body"]["media"]["media_ids"][0]
    assert x_calls(sandbox) == [
        "POST /2/media/upload/initialize",
        f"POST /2/media/upload/{media_id}/append 0",
        f"POST /2/media/upload/{media_id}/append 1",
        f"POST /2/media/upload/{media_id}/finalize",
        "GET /2/media/upload",  # in_progress
        "GET /2/media/upload",  # succeeded
        "POST /2/tweets",
    ]
    assert sandbox.state.requests("x")[0]["json"] == {
        "media_type": "image/gif", "total_bytes": 6 * MB, "media_category": "tweet_gif",
    }  # fmt: skip
    assert [m["category"] for m in tweet["media"]] == ["tweet_gif"]
    assert tweet["media"][0]["media_key"].startswith("16_")
    answered = result(api, answer)
    assert answered["status"] == "published"
    assert answered["results"][0]["post_id"] == tweet["id"]


def test_a_still_gif_goes_up_as_an_image_beside_others(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    still = f"{sandbox.base_url}/_sandbox/media/still.gif?frames=1"
    photo = f"{sandbox.base_url}/_sandbox/media/photo.png"
    publish_images(api, store, still, photo)
    target_publish(target_id=PostTarget.objects.get().pk)

    [tweet] = sandbox.state.posts("x")
    assert [m["category"] for m in tweet["media"]] == ["tweet_image", "tweet_image"]
    assert x_calls(sandbox) == ["POST /2/media/upload", "POST /2/media/upload", "POST /2/tweets"]


def test_an_animated_gif_among_images_fails_with_xs_rule_and_no_post(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    photo = f"{sandbox.base_url}/_sandbox/media/photo.png"
    gif = f"{sandbox.base_url}/_sandbox/media/dance.gif"
    answer = publish_images(api, store, photo, gif)
    target_publish(target_id=PostTarget.objects.get().pk)

    assert sandbox.state.posts("x") == []
    assert "POST /2/media/upload/initialize" not in x_calls(sandbox)
    assert PostTarget.objects.get().status == TargetStatus.FAILED
    error = result(api, answer)["results"][0]["error"]
    assert error["code"] == "gif_alone"
    assert "animated GIF" in error["message"]


def test_a_gif_over_15_mb_fails_before_any_upload(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    url = f"{sandbox.base_url}/_sandbox/media/dance.gif?bytes={15 * MB + 1}"
    answer = publish_images(api, store, url)
    target_publish(target_id=PostTarget.objects.get().pk)

    assert x_calls(sandbox) == []
    error = result(api, answer)["results"][0]["error"]
    assert error["code"] == "media_unavailable"
    assert "larger than 15 MB" in error["message"]


def test_a_gif_x_fails_to_process_fails_the_target_with_xs_reason(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    answer = publish_images(api, store, f"{sandbox.base_url}/_sandbox/media/processing-fails.gif")
    target_publish(target_id=PostTarget.objects.get().pk)

    assert sandbox.state.posts("x") == []
    error = result(api, answer)["results"][0]["error"]
    assert error["code"] == "media_processing_failed"
    assert error["message"].startswith("X could not process the GIF")
