"""A post over its whole life through the API: list, edit and reschedule, retry, unpublish."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import Post, PostTarget, PublishAttempt, TargetStatus
from publishing.sandbox.core import SandboxServer
from publishing.services.dispatcher import dispatch_due
from publishing.services.pipeline import target_publish
from tests.factories import ApiKeyFactory, SocialAccountFactory, StoreFactory
from tests.support.api import PUBLISH_URL, publish

URL = PUBLISH_URL


def later(minutes: int = 30) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def scheduled(api: APIClient, store: Store, text: str = "Eid sale", **extra: Any) -> str:
    answer = publish(
        api, store, schedule_at=later(), content={"text": text, "media": [], "link": None}, **extra
    )
    post_id: str = answer["post_id"]
    return post_id


def published(api: APIClient, store: Store, text: str = "Live now") -> str:
    answer = publish(api, store, wait=False, content={"text": text, "media": [], "link": None})
    target_publish(target_id=PostTarget.objects.get(post_id=answer["post_id"]).pk)
    post_id: str = answer["post_id"]
    return post_id


def other_store_client() -> tuple[Store, APIClient]:
    other = StoreFactory.create()
    SocialAccountFactory.create(store=other)
    _, key = ApiKeyFactory.create_with_raw(store=other)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return other, client


# --- List -------------------------------------------------------------------------------


def test_list_pages_through_the_stores_posts_newest_first(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    ids = [scheduled(api, store, f"post {i}") for i in range(5)]
    _, other_api = other_store_client()
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?store_id={store.pk}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(URL + query).json()
        assert body["success"] is True
        seen += [p["post_id"] for p in body["posts"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert other_api.get(URL).json()["posts"] == []  # another store sees none of them


def test_list_items_have_the_single_post_shape(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    [item] = api.get(URL).json()["posts"]
    single = api.get(f"{URL}/{post_id}").json()
    assert {"success": True, **item} == single


def test_list_filters(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    soon = scheduled(api, store, "summer dresses")
    live = published(api, store, "winter coats")
    assert [p["post_id"] for p in api.get(f"{URL}?status=published").json()["posts"]] == [live]
    both = api.get(f"{URL}?status=published,scheduled").json()["posts"]
    assert {p["post_id"] for p in both} == {soon, live}
    assert [p["post_id"] for p in api.get(f"{URL}?q=SUMMER").json()["posts"]] == [soon]
    assert api.get(f"{URL}?platform=instagram").json()["posts"] == []
    start = (timezone.now() - timedelta(minutes=1)).isoformat()
    # An unencoded "+00:00" arrives as " 00:00" and is still understood.
    query = f"?published_from={start.replace('+', '%20')}"
    assert [p["post_id"] for p in api.get(URL + query).json()["posts"]] == [live]
    window = f"?scheduled_from={timezone.now().isoformat().replace('+', '%2B')}"
    assert [p["post_id"] for p in api.get(URL + window).json()["posts"]] == [soon]


@pytest.mark.parametrize(
    "query",
    [
        "?status=sent",
        "?platform=myspace",
        "?limit=0",
        "?limit=1000",
        "?limit=ten",
        "?scheduled_from=yesterday",
        "?scheduled_from=2026-01-01T00:00:00",
        "?published_from=2026-02-01T00:00:00Z&published_to=2026-01-01T00:00:00Z",
        "?cursor=not-a-cursor",
        "?colour=red",
    ],
)
def test_bad_list_filters_are_400(api: APIClient, x_account: SocialAccount, query: str) -> None:
    response = api.get(URL + query)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "validation_error"


def test_list_for_another_store_id_is_403(api: APIClient, x_account: SocialAccount) -> None:
    other, _ = other_store_client()
    assert api.get(f"{URL}?store_id={other.pk}").status_code == 403


# --- Edit and reschedule ------------------------------------------------------------------


def test_edit_changes_content_and_time_of_a_scheduled_post(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    new_time = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    response = api.patch(
        f"{URL}/{post_id}",
        {"schedule_at": new_time.isoformat(), "content": {"text": "تخفيضات العيد"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["schedule_at"] == new_time.isoformat()
    post = Post.objects.get(pk=post_id)
    assert (post.text, post.schedule_at) == ("تخفيضات العيد", new_time)
    assert PostTarget.objects.get(post=post).due_at == new_time


def test_edit_is_checked_against_every_platforms_rules(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    response = api.patch(f"{URL}/{post_id}", {"content": {"text": "a" * 300}}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "platform_rules"
    assert Post.objects.get(pk=post_id).text == "Eid sale"  # nothing written


def test_edit_with_schedule_at_null_publishes_now(
    api: APIClient, store: Store, x_account: SocialAccount, django_capture_on_commit_callbacks: Any
) -> None:
    post_id = scheduled(api, store)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = api.patch(f"{URL}/{post_id}", {"schedule_at": None}, format="json")
    assert response.json()["results"][0]["status"] == "queued"
    assert len(sent) == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, "validation_error"),
        ({"schedule_at": "2020-01-01T00:00:00Z"}, "validation_error"),
        ({"platforms": ["x", "x"]}, "validation_error"),
        ({"platforms": ["instagram"]}, "platform_rules"),
        ({"content": {"text": 3}}, "validation_error"),
        ({"colour": "red"}, "validation_error"),
    ],
)
def test_bad_edits_are_400(
    api: APIClient, store: Store, x_account: SocialAccount, payload: dict[str, Any], code: str
) -> None:
    post_id = scheduled(api, store)
    response = api.patch(f"{URL}/{post_id}", payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_edit_after_dispatch_is_409_with_each_platforms_status(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        dispatch_due()
        response = api.patch(f"{URL}/{post_id}", {"content": {"text": "late"}}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"platforms": {"x": "queued"}}
    assert Post.objects.get(pk=post_id).text == "Eid sale"


def test_edit_of_another_stores_post_is_404(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    _, other_api = other_store_client()
    response = other_api.patch(f"{URL}/{post_id}", {"content": {"text": "x"}}, format="json")
    assert response.status_code == 404


# --- Retry ----------------------------------------------------------------------------------


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    requests.post(f"{sandbox.base_url}/_sandbox/faults", json={"platform": "x", **spec}, timeout=5)


def test_retry_resends_a_failed_target_reusing_its_checkpoint(
    api: APIClient,
    store: Store,
    x_account: SocialAccount,
    sandbox: SandboxServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fault(sandbox, method="POST", path="/2/tweets", kind="no_credits")
    media = [{"type": "image", "url": f"{sandbox.base_url}/_sandbox/media/bag.png"}]
    answer = publish(api, store, wait=False, content={"text": "bags", "media": media})
    target = PostTarget.objects.get()
    target_publish(target_id=target.pk)
    target.refresh_from_db()
    assert (target.status, target.error_code) == ("failed", "no_api_credits")
    uploaded = target.checkpoint["media_ids"]

    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = api.post(f"{URL}/{answer['post_id']}/retry", {}, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0] == {
        "platform": "x",
        "status": "queued",
        "post_id": None,
        "url": None,
        "notices": [],
    }
    assert len(sent) == 1
    target_publish(target_id=target.pk)
    target.refresh_from_db()
    assert target.status == TargetStatus.PUBLISHED
    uploads = [r for r in sandbox.state.requests("x") if r["path"] == "/2/media/upload"]
    assert len(uploads) == 1  # the image uploaded before the failure was reused
    [tweet] = sandbox.state.posts("x")
    assert tweet["request_body"]["media"]["media_ids"] == uploaded


def test_retry_gives_a_fresh_set_of_automatic_attempts(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer, settings: Any
) -> None:
    settings.PUBLISH_MAX_ATTEMPTS = 1
    fault(sandbox, method="POST", path="/2/tweets", kind="rate_limit", retry_after=1)
    answer = publish(api, store, wait=False)
    target = PostTarget.objects.get()
    target_publish(target_id=target.pk)
    assert PostTarget.objects.get().status == "failed"  # gave up after 1 try
    api.post(f"{URL}/{answer['post_id']}/retry", format="json")
    target_publish(target_id=target.pk)
    assert PostTarget.objects.get().status == "published"


@pytest.mark.parametrize("status", ["published", "unconfirmed", "scheduled", "processing"])
def test_retry_refuses_targets_that_did_not_fail(
    api: APIClient, store: Store, x_account: SocialAccount, status: str
) -> None:
    post_id = scheduled(api, store)
    PostTarget.objects.update(status=status)
    response = api.post(f"{URL}/{post_id}/retry", {"platforms": ["x"]}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"platforms": {"x": status}}
    assert PostTarget.objects.get().status == status


def test_retry_of_a_platform_not_in_the_post_is_400(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    response = api.post(f"{URL}/{post_id}/retry", {"platforms": ["tiktok"]}, format="json")
    assert response.status_code == 400


def test_retry_needs_a_connected_account(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    PostTarget.objects.update(status="failed")
    SocialAccount.objects.update(status=SocialAccount.Status.NEEDS_RECONNECT)
    response = api.post(f"{URL}/{post_id}/retry", format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "account_needs_reconnect"


# --- Unpublish ---------------------------------------------------------------------------------


def test_unpublish_deletes_from_the_platform_and_keeps_the_history(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post_id = published(api, store)
    response = api.post(f"{URL}/{post_id}/unpublish", format="json")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "post_id": post_id,
        "status": "deleted",
        "results": [{"platform": "x", "status": "deleted"}],
    }
    assert sandbox.state.posts("x") == []
    target = PostTarget.objects.get()
    assert target.status == TargetStatus.DELETED and target.platform_post_id
    assert PublishAttempt.objects.filter(target=target, method="DELETE").count() == 1
    single = api.get(f"{URL}/{post_id}").json()
    assert single["results"][0]["status"] == "deleted"
    again = api.post(f"{URL}/{post_id}/unpublish", format="json")
    assert again.status_code == 409  # nothing live any more


def test_unpublish_of_a_post_already_deleted_on_the_platform_counts_as_deleted(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post_id = published(api, store)
    sandbox.state.reset()  # gone on X already
    response = api.post(f"{URL}/{post_id}/unpublish", format="json")
    assert response.json()["results"] == [{"platform": "x", "status": "deleted"}]


def test_unpublish_reports_the_platforms_error(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    post_id = published(api, store)
    fault(sandbox, method="DELETE", path=r"/2/tweets/\d+", kind="server_error")
    response = api.post(f"{URL}/{post_id}/unpublish", format="json")
    [result] = response.json()["results"]
    assert result["status"] == "failed"
    assert result["error"]["code"] == "platform_down"
    assert PostTarget.objects.get().status == TargetStatus.PUBLISHED


def test_unpublish_of_a_scheduled_post_is_409(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    response = api.post(f"{URL}/{post_id}/unpublish", format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"platforms": {"x": "scheduled"}}


def test_lifecycle_calls_on_another_stores_post_are_404(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    post_id = scheduled(api, store)
    _, other_api = other_store_client()
    for path in ("retry", "unpublish"):
        assert other_api.post(f"{URL}/{post_id}/{path}", format="json").status_code == 404


def test_unpublish_answers_not_supported_when_the_connection_may_not_delete(
    api: APIClient, store: Store, sandbox: SandboxServer
) -> None:
    from publishing.sandbox.threads import sandbox_token as threads_token

    # Connected without Threads' delete permission: Threads itself refuses the delete.
    granted = ["threads_basic", "threads_content_publish"]
    SocialAccountFactory.create(
        store=store, platform="threads", handle="souq", token=threads_token("souq", granted)
    )
    answer = publish(api, store, wait=False, platforms=["threads"])
    target_publish(target_id=PostTarget.objects.get(post_id=answer["post_id"]).pk)
    assert PostTarget.objects.get().status == TargetStatus.PUBLISHED

    response = api.post(f"{URL}/{answer['post_id']}/unpublish", format="json")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["platform"] == "threads"
    assert result["status"] == "not_supported"
    assert result["error"]["code"] == "not_supported"
    assert "reconnect Threads" in result["error"]["message"]
    assert result["error"]["platform_message"] == (
        "Application does not have permission for this action"
    )
    assert PostTarget.objects.get().status == TargetStatus.PUBLISHED  # still live, truthfully
    assert len(sandbox.state.posts("threads")) == 1
