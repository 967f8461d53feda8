"""A social-core strategy for connecting accounts, not for logging anyone in.

social-core keeps a flow's state and PKCE verifier in the browser's session; our browsers
carry no session (the storefront's server starts the flow), so the "session" here is a
dict that lives for one request, filled from and read back into the ConnectState row.
Settings come from each backend (``ConnectBackend.connect_settings``), not from global
SOCIAL_AUTH_* names; nothing here touches users, storage or the login pipeline.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from social_core.strategy import BaseStrategy


class ConnectStrategy(BaseStrategy[Any]):
    def __init__(self, request_data: dict[str, Any] | None = None) -> None:
        super().__init__(storage=None)
        self._data = dict(request_data or {})
        self.session: dict[str, Any] = {}

    def get_setting(self, name: str) -> Any:
        raise KeyError(name)  # every setting a backend needs comes from connect_settings

    def request_data(self, merge: bool = True) -> dict[str, Any]:
        return self._data

    def request_host(self) -> str:
        return settings.PUBLIC_BASE_URL.split("://", 1)[-1]

    def build_absolute_uri(self, path: str | None = None) -> str:
        path = path or ""
        if path.startswith(("http://", "https://")):
            return path
        return settings.PUBLIC_BASE_URL + path

    def absolute_uri(self, path: str | None = None) -> str:
        return self.build_absolute_uri(path)

    def session_get(self, name: str, default: Any = None) -> Any:
        return self.session.get(name, default)

    def session_set(self, name: str, value: Any) -> None:
        self.session[name] = value

    def session_pop(self, name: str) -> Any:
        return self.session.pop(name, None)

    def redirect(self, url: str) -> Any:
        raise NotImplementedError("connect flows answer their own redirects")

    def html(self, content: str) -> Any:
        raise NotImplementedError("connect flows render their own pages")

    def render_html(
        self, tpl: str | None = None, html: str | None = None, context: Any = None
    ) -> str:
        raise NotImplementedError("connect flows render their own pages")

    def authenticate(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("connecting an account never logs anyone in")
