"""What the sandbox remembers (posts, media, requests, faults), thread-safe and in memory."""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from publishing.sandbox._oauth import OAuthStore
from publishing.sandbox._wire import Request, rfc3339

# Benchmarks publish thousands of posts; keep the newest requests rather than grow forever.
MAX_RECORDED_REQUESTS = 10_000
# Epoch of X's snowflake ids (2010-11-04): ids come out 19 digits long and sort by time.
_SNOWFLAKE_EPOCH_MS = 1288834974657

FAULT_KINDS = frozenset(
    {"rate_limit", "server_error", "timeout", "expired_token", "no_credits", "latency"}
)
# Kinds answered by the platform's own error body instead of the route's handler.
ERROR_FAULT_KINDS = frozenset({"rate_limit", "server_error", "expired_token", "no_credits"})
_DEFAULT_DELAY_S = {"timeout": 30.0, "latency": 1.0}


@dataclass
class Fault:
    """An injected failure for the next ``times`` matching requests (0 = until cleared).

    With ``probability`` below 1 each matching request is hit only by that chance; a request
    it spares does not count against ``times`` and may meet the next matching fault.

    ``path`` is matched against the path after the platform prefix, either exactly or as a
    regular expression that must match the whole path; ``platform``/``method`` ``"*"`` match any.
    """

    kind: str
    platform: str = "*"
    method: str = "*"
    path: str = "*"
    times: int = 1
    delay_s: float = 0.0
    retry_after: float = 2.0
    after_effect: bool = False
    probability: float = 1.0

    def matches(self, platform: str, method: str, path: str) -> bool:
        if self.platform not in ("*", platform) or self.method not in ("*", method):
            return False
        if self.path in ("*", path):
            return True
        try:
            return re.fullmatch(self.path, path) is not None
        except re.error:
            return False

    @classmethod
    def from_json(cls, payload: Any, platforms: Collection[str]) -> Fault:
        """Validate a control-API fault; raise ``ValueError`` with a message fit for the caller."""
        if not isinstance(payload, dict):
            raise ValueError("body must be a JSON object")
        known = {
            "platform", "method", "path", "kind", "times", "delay_s", "retry_after", "after_effect",
            "probability",
        }  # fmt: skip
        if unknown := sorted(set(payload) - known):
            raise ValueError(f"unknown fields: {', '.join(unknown)}")
        kind = payload.get("kind")
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(sorted(FAULT_KINDS))}")
        platform = payload.get("platform", "*")
        if platform != "*" and platform not in platforms:
            raise ValueError(f"unknown platform {platform!r}")
        method, path = payload.get("method", "*"), payload.get("path", "*")
        if not isinstance(method, str) or not isinstance(path, str):
            raise ValueError("method and path must be strings")
        times = payload.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            raise ValueError("times must be an integer >= 0 (0 = until cleared)")
        delay_s = _non_negative(payload, "delay_s", _DEFAULT_DELAY_S.get(kind, 0.0))
        retry_after = _non_negative(payload, "retry_after", 2.0)
        after_effect = payload.get("after_effect", False)
        if not isinstance(after_effect, bool) or (after_effect and kind != "timeout"):
            raise ValueError("after_effect must be a boolean and only applies to kind timeout")
        probability = payload.get("probability", 1.0)
        if (
            not isinstance(probability, int | float)
            or isinstance(probability, bool)
            or not 0 < probability <= 1
        ):
            raise ValueError("probability must be a number in (0, 1]")
        return cls(
            kind=kind,
            platform=platform,
            method=method.upper(),
            path=path,
            times=times,
            delay_s=delay_s,
            retry_after=retry_after,
            after_effect=after_effect,
            probability=float(probability),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "platform": self.platform,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "delay_s": self.delay_s,
            "retry_after": self.retry_after,
            "after_effect": self.after_effect,
            "probability": self.probability,
        }


def _non_negative(payload: dict[str, Any], name: str, default: float) -> float:
    value = payload.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number >= 0")
    return float(value)


# The service's relay on its default settings (PUBLIC_BASE_URL http://127.0.0.1:8000).
DEFAULT_MEDIA_RELAY_PREFIX = "http://127.0.0.1:8000/media/relay/"


class SandboxState:
    """Everything the sandbox remembers, in memory, behind one lock (handlers run in threads).

    Posts and media are plain dicts keyed by platform then id, so every platform module can
    store what its API needs. Getters return copies: callers never hold live references.
    """

    def __init__(
        self,
        *,
        latency_ms: float = 0.0,
        token_ttl_s: float = 7200.0,
        media_relay_prefix: str = DEFAULT_MEDIA_RELAY_PREFIX,
    ) -> None:
        self._lock = threading.Lock()
        # Where the service hands platforms its converted images (publishing.media.relay):
        # the URL prefix TikTok takes as verified unless told otherwise. Kept across reset().
        self.media_relay_prefix = media_relay_prefix
        # Apps, codes and tokens of the OAuth endpoints; kept across reset(), like the
        # platforms' apps and the merchants' grants.
        self.oauth = OAuthStore(token_ttl_s=token_ttl_s)
        self._initial_latency_ms = latency_ms
        self.latency_ms = latency_ms
        self._posts: dict[str, dict[str, dict[str, Any]]] = {}
        self._media: dict[str, dict[str, dict[str, Any]]] = {}
        self._requests: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDED_REQUESTS)
        self._faults: list[Fault] = []
        self._random = random.Random()
        self._revoked: set[str] = set()
        self._last_id = 0  # survives reset() so ids never repeat within a process

    def new_id(self) -> str:
        """A unique numeric id, snowflake-like: 19 digits, increasing with time."""
        with self._lock:
            candidate = (int(time.time() * 1000) - _SNOWFLAKE_EPOCH_MS) << 22
            self._last_id = max(candidate, self._last_id + 1)
            return str(self._last_id)

    # Posts

    def add_post(
        self,
        platform: str,
        post: dict[str, Any],
        *,
        reject_if: Callable[[dict[str, Any]], bool] | None = None,
    ) -> bool:
        """Store ``post`` unless a live post satisfies ``reject_if`` (checked atomically)."""
        with self._lock:
            posts = self._posts.setdefault(platform, {})
            if reject_if is not None and any(reject_if(p) for p in posts.values()):
                return False
            posts[post["id"]] = copy.deepcopy(post)
            return True

    def get_post(self, platform: str, post_id: str) -> dict[str, Any] | None:
        with self._lock:
            post = self._posts.get(platform, {}).get(post_id)
            return copy.deepcopy(post) if post is not None else None

    def remove_post(
        self,
        platform: str,
        post_id: str,
        *,
        only_if: Callable[[dict[str, Any]], bool] | None = None,
    ) -> bool:
        with self._lock:
            posts = self._posts.get(platform, {})
            post = posts.get(post_id)
            if post is None or (only_if is not None and not only_if(post)):
                return False
            del posts[post_id]
            return True

    def posts(self, platform: str) -> list[dict[str, Any]]:
        """Live posts of one platform, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self._posts.get(platform, {}).values()))

    # Media

    def add_media(self, platform: str, media: dict[str, Any]) -> None:
        with self._lock:
            self._media.setdefault(platform, {})[media["id"]] = copy.deepcopy(media)

    def get_media(self, platform: str, media_id: str) -> dict[str, Any] | None:
        with self._lock:
            media = self._media.get(platform, {}).get(media_id)
            return copy.deepcopy(media) if media is not None else None

    # Recorded requests

    def record(self, request: Request) -> None:
        entry = {
            "platform": request.platform,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "content_type": request.content_type,
            "json": request.json_body,
            "form": request.form,
            # Sizes only: tests assert what was sent, and bytes would bloat memory.
            "files": {
                name: {"filename": f.filename, "content_type": f.content_type, "size": len(f.data)}
                for name, f in request.files.items()
            },
            "at": rfc3339(),
        }
        with self._lock:
            self._requests.append(entry)

    def requests(self, platform: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(
                [r for r in self._requests if platform is None or r["platform"] == platform]
            )

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # Faults

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def faults(self) -> list[Fault]:
        with self._lock:
            return copy.deepcopy(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, platform: str, method: str, path: str) -> Fault | None:
        """The first fault matching this request, consuming one of its ``times``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(platform, method, path):
                    if fault.probability < 1 and self._random.random() >= fault.probability:
                        continue  # spared by chance: not consumed
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return copy.copy(fault)
            return None

    # Revoked tokens

    def revoke_token(self, token: str) -> bool:
        """Refuse ``token`` from now on; False when it was already revoked."""
        with self._lock:
            if token in self._revoked:
                return False
            self._revoked.add(token)
            return True

    def is_revoked(self, token: str) -> bool:
        with self._lock:
            return token in self._revoked

    def reset(self) -> None:
        """Forget posts, media, requests, faults and revocations; latency goes back to its
        start value."""
        with self._lock:
            self._revoked.clear()
            self._posts.clear()
            self._media.clear()
            self._requests.clear()
            self._faults.clear()
            self.latency_ms = self._initial_latency_ms
