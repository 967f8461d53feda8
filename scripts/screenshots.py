"""Take the README's screenshots of the dashboard: the composer (Arabic) and the calendar.

Run it beside a running service (`make run` in another terminal), then commit the PNGs:

    make screenshots            # or: .venv/bin/python scripts/screenshots.py --base-url URL

It makes a demo store with sandbox accounts and an owner (manage.py create_store), schedules
a few posts through the public API so the calendar has something to show, then drives the
machine's Chromium with Playwright.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

STORE = "متجر الأناقة"
ZONE = ZoneInfo("Asia/Riyadh")
# Scheduled in next month (day, hour), which the calendar screenshot shows whole.
POSTS = [
    (3, 10, "تشكيلة الشتاء وصلت ❄️ معاطف صوف بألوان دافئة"),
    (8, 19, "خصم ٢٠٪ على الفساتين الصيفية لنهاية الأسبوع"),
    (8, 21, "بث مباشر الليلة: تنسيقات العيد"),
    (14, 13, "نصائح تنسيق: كيف تختارين الحقيبة المناسبة"),
    (22, 20, "الجمعة البيضاء: عروض حتى منتصف الليل"),
]
COMPOSER_TEXT = "وصل حديثاً: فستان صيفي قطني بألوان الربيع 🌸 خصم ٢٠٪ لفترة محدودة #موضة #فساتين"


def _create_store() -> dict[str, object]:
    owner = f"demo-{secrets.token_hex(3)}"
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "create_store",
            STORE,
            "--sandbox-accounts",
            "--owner",
            owner,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return data


def _next_month() -> datetime:
    today = datetime.now(ZONE).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=32)).replace(day=1)


def _schedule_posts(base_url: str, store: dict[str, object]) -> None:
    for day, hour, text in POSTS:
        when = _next_month().replace(day=day, hour=hour)
        response = requests.post(
            f"{base_url}/functions/v1/social-publish",
            headers={"Authorization": f"Bearer {store['api_key']}"},
            json={
                "store_id": store["store_id"],
                "platforms": ["x", "threads"],
                "content": {"text": text, "media": [], "link": None},
                "schedule_at": when.isoformat(),
            },
            timeout=30,
        )
        response.raise_for_status()


def _log_in(page: Page, base_url: str, owner: dict[str, str]) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", owner["username"])
    page.fill("#id_password", owner["password"])
    page.locator("form[action='/login/'] button[type=submit]").click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    store = _create_store()
    _schedule_posts(args.base_url, store)
    owner = store["owner"]
    assert isinstance(owner, dict)
    store_url = f"{args.base_url}/stores/{store['store_id']}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ar-SA", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _log_in(page, args.base_url, owner)

        page.goto(f"{store_url}/compose/")
        for name in ("إكس", "ثريدز", "إنستغرام"):
            page.get_by_role("checkbox", name=name, exact=True).check()
        page.fill("#id_text", COMPOSER_TEXT)
        page.fill("#id_link", "https://shop.example/p/123")
        page.locator(".preview[data-platform=x]").wait_for()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=out / "composer-ar.png", full_page=True)

        page.goto(f"{store_url}/calendar/?month={_next_month():%Y-%m}")
        page.screenshot(path=out / "calendar-ar.png", full_page=True)
        browser.close()
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
