"""The smaller surfaces: /healthz, the OpenAPI schema and docs, the admin."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import SocialAccount, Store
from publishing.beat_entry import DISPATCH
from publishing.heartbeats import BEAT, WORKER, heartbeat_record
from publishing.models import ServiceHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_heartbeats(client: Client) -> None:
    heartbeat_record(name=WORKER)
    ServiceHeartbeat.objects.create(name=BEAT, last_seen=timezone.now() - timedelta(hours=1))
    body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True}
    assert body["worker"]["ok"] is True
    assert body["beat"]["ok"] is False  # an hour without beat: scheduled posts are stuck
    assert body["beat"]["last_seen"] is not None


def test_healthz_without_heartbeats(client: Client) -> None:
    body = client.get("/healthz").json()
    assert body["worker"] == {"last_seen": None, "ok": False}
    assert body["beat"] == {"last_seen": None, "ok": False}


def test_healthz_reports_a_broker_that_is_down(client: Client) -> None:
    from tests.support.broker import broker_unreachable

    with broker_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_openapi_schema_documents_the_contract(client: Client) -> None:
    # No Accept header: the .json path answers JSON whatever the client asks.
    response = client.get("/functions/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/functions/v1/social-publish",
        "/functions/v1/social-publish/{post_id}",
    }
    assert set(schema["paths"]["/functions/v1/social-publish/{post_id}"]) >= {"get", "delete"}
    assert client.get("/docs/").status_code == 200


class _Assets(HTMLParser):
    """Every URL a page loads: script sources, stylesheets and preconnects."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "script" and attr.get("src"):
            self.urls.append(str(attr["src"]))
        elif tag == "link" and attr.get("href"):
            self.urls.append(str(attr["href"]))


def test_docs_page_loads_redoc_from_our_static_files_only(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    page = client.get("/docs/")
    assets = _Assets()
    assets.feed(page.content.decode())

    redoc = f"/static/vendor/redoc-{settings.REDOC_VERSION}/bundles/redoc.standalone.js"
    assert assets.urls == [redoc]

    # Served the way production serves it: collected, then by whitenoise (not the finders).
    settings.STATIC_ROOT = tmp_path
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", "--noinput", verbosity=0)
    served = Client().get(redoc)
    assert served.status_code == 200
    assert served["Content-Type"].startswith("text/javascript")
    vendored = finders.find(redoc.removeprefix("/static/"))
    assert served.getvalue() == Path(str(vendored)).read_bytes()


@pytest.fixture
def staff(client: Client) -> Client:
    User.objects.create_superuser("support", "support@example.com", "pw")
    client.login(username="support", password="pw")
    return client


def test_admin_pages_load_and_never_show_tokens(
    staff: Client, store: Store, x_account: SocialAccount
) -> None:
    token = x_account.access_token
    for url in [
        "/admin/",
        "/admin/accounts/store/",
        f"/admin/accounts/store/{store.pk}/change/",
        "/admin/accounts/socialaccount/",
        f"/admin/accounts/socialaccount/{x_account.pk}/change/",
        "/admin/accounts/apikey/",
        "/admin/publishing/post/",
        "/admin/publishing/posttarget/",
        "/admin/publishing/publishattempt/",
        "/admin/django_celery_beat/periodictask/",
    ]:
        response = staff.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert token not in page
        assert x_account.access_token_encrypted not in page


def test_dispatcher_entry_is_visible_in_the_admin(staff: Client) -> None:
    # Made by a migration; a transactional test's flush may have emptied the table since.
    DISPATCH.ensure(interval_model=IntervalSchedule, task_model=PeriodicTask, every_seconds=5)
    page = staff.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "Dispatch due posts" in page


def test_admin_finds_posts_by_store_and_status(
    staff: Client, store: Store, x_account: SocialAccount
) -> None:
    from publishing.models import Post, PostTarget

    post = Post.objects.create(store=store, text="بحث", status="failed")
    PostTarget.objects.create(post=post, platform="x", account=x_account, status="failed")
    page = staff.get(f"/admin/publishing/post/?q={store.name}&status=failed").content.decode()
    assert str(post.pk) in page
    detail = staff.get(f"/admin/publishing/post/{post.pk}/change/").content.decode()
    assert "بحث" in detail
