"""The media relay against the sandbox's media over real HTTP: what fits is handed on as it
is, what does not is converted, stored and served by our view, and old files are cleaned."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from django_celery_beat.models import PeriodicTask
from PIL import Image

from publishing.beat_entry import RELAY_CLEAN
from publishing.media import MediaFetchError
from publishing.media.relay import BY, relay_clean, relay_image, relay_prefix
from publishing.platforms.media_relay import ImageNeeds
from publishing.sandbox.core import SandboxServer

MB = 1024 * 1024
INSTAGRAM = ImageNeeds("Instagram", ("JPEG",), 1440, None, 8 * MB)


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_PUBLIC_BASE_URL = "https://media.shop.test"
    yield tmp_path


def sample(sandbox: SandboxServer, name: str) -> str:
    return f"{sandbox.base_url}/_sandbox/media/{name}"


def served(url: str) -> tuple[int, dict[str, str], bytes]:
    path = url.removeprefix("https://media.shop.test")
    response = Client().get(path)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""  # type: ignore[attr-defined]
    return response.status_code, dict(response.headers), body


def test_a_jpeg_that_fits_is_handed_on_as_it_is(sandbox: SandboxServer, media_root: Path) -> None:
    url = sample(sandbox, "shoe.jpg")
    assert relay_image(url, INSTAGRAM).url == url
    assert not (media_root / "relay").exists()


def test_a_png_is_converted_stored_and_served(sandbox: SandboxServer) -> None:
    answer = relay_image(sample(sandbox, "shoe.png"), INSTAGRAM)
    assert answer.url.startswith(relay_prefix()) and answer.url.endswith(".jpg")
    assert answer.notices == ("The PNG image was converted to JPEG, which Instagram requires.",)
    status, headers, body = served(answer.url)
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Length"] == str(len(body))
    assert Image.open(io.BytesIO(body)).format == "JPEG"


def test_a_large_image_is_scaled_down_with_a_notice(sandbox: SandboxServer) -> None:
    tiktok = ImageNeeds("TikTok", ("JPEG", "WEBP"), 1080, 1920, 20 * MB, (relay_prefix(),))
    answer = relay_image(sample(sandbox, "wide.webp?w=4000&h=3000"), tiktok)
    assert answer.notices == (f"The 4000{BY}3000 image was scaled down to 1080{BY}810 for TikTok.",)
    _, _, body = served(answer.url)
    assert Image.open(io.BytesIO(body)).size == (1080, 810)


def test_an_image_from_an_unverified_prefix_is_copied_unchanged(sandbox: SandboxServer) -> None:
    tiktok = ImageNeeds("TikTok", ("JPEG", "WEBP"), 1080, 1920, 20 * MB, (relay_prefix(),))
    original = sample(sandbox, "photo.webp")
    answer = relay_image(original, tiktok)
    assert answer.url.endswith(".webp") and answer.notices == ()
    status, headers, body = served(answer.url)
    assert (status, headers["Content-Type"]) == (200, "image/webp")
    assert body == requests.get(original, timeout=5).content


def test_what_is_not_an_image_is_refused(sandbox: SandboxServer) -> None:
    with pytest.raises(MediaFetchError, match="not accepted"):
        relay_image(sample(sandbox, "clip.mp4?bytes=100"), INSTAGRAM)


@pytest.mark.parametrize(
    "name",
    ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.jpg", "..%2Fsecret.jpg", "", "x.png"],
)
def test_unknown_names_and_paths_answer_404(db: Any, name: str) -> None:
    assert Client().get(f"/media/relay/{name}").status_code == 404


def test_the_relay_directory_is_not_listed(db: Any, sandbox: SandboxServer) -> None:
    relay_image(sample(sandbox, "a.png"), INSTAGRAM)
    assert Client().get("/media/relay/").status_code == 404


def test_old_files_expire_and_are_cleaned(
    sandbox: SandboxServer, media_root: Path, settings: Any
) -> None:
    settings.MEDIA_RELAY_KEEP_HOURS = 1
    old = relay_image(sample(sandbox, "old.png"), INSTAGRAM).url
    new = relay_image(sample(sandbox, "new.png"), INSTAGRAM).url
    stale = media_root / "relay" / old.rsplit("/", 1)[1]
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    assert served(old)[0] == 404  # expired already, before the cleaner runs
    assert relay_clean() == 1
    assert not stale.exists()
    assert served(new)[0] == 200
    assert relay_clean() == 0


def test_the_cleaner_has_a_beat_entry(db: Any, settings: Any) -> None:
    entry = PeriodicTask.objects.get(name=RELAY_CLEAN.name)
    assert entry.task == "publishing.relay_clean" and entry.enabled
    assert entry.interval is not None
    assert entry.interval.every == round(settings.MEDIA_RELAY_CLEAN_INTERVAL_SECONDS)
