"""Uploading from a phone: a 50 MB video picked in the composer's file input, in Arabic at
390 by 844, goes up in chunks (resuming after a dropped connection), is attached to the post
and listed in the media library."""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from playwright.sync_api import Browser, Route, ViewportSize, expect

from accounts.models import Membership, Store
from publishing.library.storage import asset_url
from publishing.models import MediaAsset
from publishing.sandbox._media import sample_mp4

# As in test_dashboard_browser.py: Playwright's sync API keeps an event loop in this thread,
# and every ORM call here is plainly synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]

PHONE: ViewportSize = {"width": 390, "height": 844}
SIZE = 50 * 1024 * 1024


def fifty_mb_video(path: Path) -> Path:
    """A real, playable 12-second MP4, padded to 50 MB with a trailing `free` box, which
    MP4 readers skip: the probe reads it as the video it is, the upload carries 50 MB."""
    video = sample_mp4(12.0, 320, 240)
    pad = SIZE - len(video)
    with path.open("wb") as file:
        file.write(video)
        file.write(struct.pack(">I4s", pad, b"free"))
        left = pad - 8
        block = bytes(1024 * 1024)
        while left:
            file.write(block[: min(left, len(block))])
            left -= min(left, len(block))
    return path


@pytest.fixture
def merchant(store: Store) -> User:
    user = User.objects.create_user("huda", password="a-long-pass-9")
    Membership.objects.create(store=store, user=user, role="owner")
    return user


def test_a_50_mb_video_from_a_phone_is_attached_and_listed_in_the_library(
    browser: Browser,
    live_server: Any,
    merchant: User,
    store: Store,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_PUBLIC_BASE_URL = live_server.url  # thumbnails load from the live server
    video = fifty_mb_video(tmp_path / "فستان-الصيف.mp4")
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.fill("#id_username", "huda")
    page.fill("#id_password", "a-long-pass-9")
    page.locator("form[action='/login/'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.goto(f"{live_server.url}/stores/{store.pk}/compose/")
    file_input = page.locator("input[type=file]")
    expect(file_input).to_have_attribute("accept", "image/*,video/*")
    # The connection drops during the third chunk: the page asks the server where the upload
    # stands and goes on from there.
    puts: list[str] = []

    def drop_third_chunk(route: Route) -> None:
        if route.request.method == "PUT":
            puts.append(route.request.headers["content-range"])
            if len(puts) == 3:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(re.compile(r"/media/uploads/[0-9a-f-]+$"), drop_third_chunk)
    file_input.set_input_files(video)
    row = page.locator(".uploads li")
    expect(row).to_contain_text("أُضيف إلى المنشور.", timeout=120_000)
    expect(row.locator("progress")).to_have_attribute("value", "100")

    asset = MediaAsset.objects.get()
    assert (asset.kind, asset.size_bytes, asset.filename) == ("video", SIZE, video.name)
    assert asset.info["duration_seconds"] == pytest.approx(12.0, abs=0.1)
    assert default_storage.size(asset.storage_name) == SIZE
    url = asset_url(asset)
    expect(page.locator("#id_media_urls")).to_have_value(re.compile(re.escape(url)))
    # 50 MB in the server's chunk size; the dropped chunk sent again from its own start.
    chunk = settings.MEDIA_UPLOAD_CHUNK_BYTES
    assert puts[2] == puts[3] == f"bytes {2 * chunk}-{3 * chunk - 1}/{SIZE}"
    assert len(puts) == -(-SIZE // chunk) + 1

    page.goto(f"{live_server.url}/stores/{store.pk}/media/")
    item = page.locator(".media-item[data-kind=video]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("0:12")
    expect(item).to_contain_text(video.name)
    thumb = item.locator("img")
    expect(thumb).to_have_attribute("alt", re.compile("^فيديو، 0:12"))
    # The poster frame, served from the library: loaded, at the thumbnail's width.
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=thumb.element_handle())
    assert thumb.evaluate("img => img.naturalWidth") == 320
    context.close()
