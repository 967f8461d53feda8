"""The publish request's per-platform options: text overrides and formats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SocialAccount, Store
from publishing.models import Post, PostTarget
from publishing.sandbox.core import SandboxServer
from publishing.services.pipeline import target_publish
from tests.factories import SocialAccountFactory
from tests.support.api import PUBLISH_URL, publish


def test_a_platforms_own_text_replaces_the_shared_text_there_only(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    SocialAccountFactory.create(store=store, platform="threads")
    long_text = "تفاصيل المنتج " * 30  # over X's 280, within Threads' 500
    answer = publish(
        api,
        store,
        wait=False,
        platforms=["x", "threads"],
        content={"text": long_text.strip(), "media": [], "link": None},
        options={"x": {"text": "فستان صيفي جديد"}},
    )
    for target in PostTarget.objects.filter(post_id=answer["post_id"]):
        target_publish(target_id=target.pk)
    [tweet] = sandbox.state.posts("x")
    [thread] = sandbox.state.posts("threads")
    assert tweet["text"] == "فستان صيفي جديد"
    assert thread["text"] == long_text.strip()


def test_the_override_is_what_the_platforms_rules_check(
    api: APIClient, store: Store, x_account: SocialAccount
) -> None:
    response = api.post(
        PUBLISH_URL,
        {
            "store_id": str(store.pk),
            "platforms": ["x"],
            "content": {"text": "short"},
            "options": {"x": {"text": "a" * 281}},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "platform_rules"
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ("x", ["options"]),
        ({"x": "text"}, ["options", "x"]),
        ({"x": {"txt": "hi"}}, ["options", "x", "txt"]),
        ({"x": {"text": 5}}, ["options", "x", "text"]),
        ({"x": {"format": "reel"}}, ["options", "x", "format"]),
        ({"myspace": {}}, ["options", "myspace"]),
        ({"threads": {"text": "hi"}}, ["options", "threads"]),  # not in platforms
        ({"instagram": {"format": "album"}}, ["options"]),
    ],
)
def test_bad_options_are_400_naming_the_field(
    api: APIClient, store: Store, x_account: SocialAccount, options: Any, where: list[str]
) -> None:
    platforms = ["x", "instagram"] if "instagram" in options else ["x"]
    response = api.post(
        PUBLISH_URL,
        {
            "store_id": str(store.pk),
            "platforms": platforms,
            "content": {"text": "hi"},
            "options": options,
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    details: Any = response.json()["error"]["details"]
    for key in where:
        details = details[key]
    assert details
    assert Post.objects.count() == 0


def test_edit_changes_a_platforms_options(
    api: APIClient, store: Store, x_account: SocialAccount, sandbox: SandboxServer
) -> None:
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    answer = publish(api, store, schedule_at=at)
    url = f"{PUBLISH_URL}/{answer['post_id']}"
    stray = api.patch(url, {"options": {"threads": {"text": "x"}}}, format="json")
    assert stray.status_code == 400  # threads is not one of the post's platforms
    assert stray.json()["error"]["details"] == {
        "options": {"threads": ["Not a platform of this post."]}
    }
    response = api.patch(
        url, {"options": {"x": {"text": "نسخة X"}}, "schedule_at": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Post.objects.get().options == {"x": {"text": "نسخة X"}}
    target_publish(target_id=PostTarget.objects.get().pk)
    assert sandbox.state.posts("x")[0]["text"] == "نسخة X"
