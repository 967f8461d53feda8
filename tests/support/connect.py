"""Connecting accounts from tests the way a browser does: over HTTP, through the sandbox's
consent page (its one form, no JavaScript) and our callback, to the store's redirect_url."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from rest_framework.test import APIClient

from accounts.models import Store

CONNECT_URL = "/functions/v1/social-connect"
SHOP_ORIGIN = "https://shop.example"
REDIRECT_URL = f"{SHOP_ORIGIN}/admin/social/callback?tab=accounts"


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "script":
            self.scripts += 1
        elif tag == "form":
            self.forms.append(Form(attr.get("action", ""), attr.get("method", "get").lower()))
        elif tag == "input" and self.forms and attr.get("name"):
            self.forms[-1].fields[attr["name"]] = attr.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append(
                (attr.get("type", "submit"), attr.get("name", ""), attr.get("value", ""))
            )


def consent_form(html: str) -> Form:
    """The consent page's one form, checked to have the approve and deny buttons."""
    parser = _FormParser()
    parser.feed(html)
    assert parser.scripts == 0, "the consent page must work without JavaScript"
    assert len(parser.forms) == 1, parser.forms
    form = parser.forms[0]
    assert ("submit", "decision", "approve") in form.buttons
    assert ("submit", "decision", "deny") in form.buttons
    return form


def chooser_form(html: str) -> Form:
    """Our account chooser's one form (its secret and the first account offered)."""
    parser = _FormParser()
    parser.feed(html)
    assert len(parser.forms) == 1, parser.forms
    return parser.forms[0]


def start_connect(
    api: APIClient, store: Store, platform: str, redirect_url: str = REDIRECT_URL
) -> dict[str, Any]:
    response = api.post(
        CONNECT_URL,
        {"platform": platform, "store_id": str(store.pk), "redirect_url": redirect_url},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def follow(session: requests.Session, response: requests.Response, stop_origin: str) -> str:
    """Follow redirects until one leads to ``stop_origin`` (not fetched); its URL."""
    for _ in range(10):
        location = response.headers.get("location")
        assert response.status_code in (301, 302, 303, 307), (response.status_code, response.text)
        assert location, response.headers
        target = urljoin(response.url, location)
        if target.startswith(stop_origin):
            return target
        response = session.get(target, allow_redirects=False, timeout=30)
    raise AssertionError("too many redirects")


def browser(cookies: dict[str, str] | None = None) -> requests.Session:
    """A browser: a requests session holding ``cookies`` (a dashboard session's, say)."""
    session = requests.Session()
    for name, value in (cookies or {}).items():
        session.cookies.set(name, value)
    return session


def authorize(
    auth_url: str,
    *,
    decision: str = "approve",
    username: str = "merchant",
    stop_origin: str = SHOP_ORIGIN,
    cookies: dict[str, str] | None = None,
) -> str:
    """Open auth_url as the merchant's browser (with ``cookies``), press the button, follow
    the redirects; the store's URL the browser lands on."""
    session = browser(cookies)
    page = session.get(auth_url, timeout=30)
    assert page.status_code == 200, page.text
    form = consent_form(page.text)
    data = {**form.fields, "username": username, "decision": decision}
    assert form.method == "post"
    answer = session.post(
        urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=30
    )
    return follow(session, answer, stop_origin)


def outcome(url: str) -> dict[str, str]:
    """The outcome in the query of the URL the browser landed on."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def code_redirect(
    auth_url: str,
    *,
    username: str = "merchant",
    session: requests.Session | None = None,
    **fields: str,
) -> str:
    """Approve on the consent page (in ``session``'s browser, the form filled with
    ``fields`` too) but stop before our callback: the callback URL with the code, for tests
    that tamper with it, replay it or open it in another browser."""
    session = session or requests.Session()
    page = session.get(auth_url, timeout=30)
    form = consent_form(page.text)
    data = {**form.fields, **fields, "username": username, "decision": "approve"}
    answer = session.post(
        urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 302, answer.text
    return str(answer.headers["location"])
