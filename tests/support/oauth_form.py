"""Fill and submit a sandbox consent page the way a browser without JavaScript does."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.decisions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action, self.method = found.get("action", ""), found.get("method", "get")
        elif tag == "input" and "name" in found:
            self.fields[found["name"]] = found.get("value", "")
        elif tag == "button" and found.get("type") == "submit" and found.get("name") == "decision":
            self.decisions.append(found.get("value", ""))


def consent_form(page: requests.Response) -> _FormParser:
    parser = _FormParser()
    parser.feed(page.text)
    assert parser.action is not None, page.text
    return parser


def submit_consent(
    session: requests.Session,
    page: requests.Response,
    decision: str,
    *,
    fields: dict[str, str] | None = None,
    allow_redirects: bool = False,
) -> requests.Response:
    """Post the page's one form with ``decision`` (approve/deny) and ``fields`` filled in."""
    form = consent_form(page)
    assert form.method.lower() == "post" and decision in form.decisions
    data = {**form.fields, **(fields or {}), "decision": decision}
    return session.post(
        urljoin(page.url, form.action), data=data, allow_redirects=allow_redirects, timeout=10
    )
