"""The sandbox's view of HTTP: parsed requests, responses, and body parsing (stdlib only)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def rfc3339(moment: datetime | None = None) -> str:
    """UTC timestamp with milliseconds and ``Z``, the form X uses (``2026-01-02T03:04:05.678Z``)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- Requests and responses -----------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request. ``path`` is relative to the platform prefix (``/2/tweets``)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lowercased names
    body: bytes = b""
    platform: str = ""
    json_body: Any = None  # None when absent or not valid JSON
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lowercased (``multipart/form-data``)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lowercased names
    # A large body sent piece by piece after ``body`` (see :meth:`streamed`).
    stream: Iterable[bytes] = ()
    stream_length: int = 0

    @property
    def length(self) -> int:
        return len(self.body) + self.stream_length

    @classmethod
    def streamed(
        cls, status: int, chunks: Iterable[bytes], length: int, headers: dict[str, str]
    ) -> Response:
        """A body of ``length`` bytes produced while it is written, never held whole."""
        return cls(status, b"", headers, chunks, length)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        # ensure_ascii=False: the platforms answer in UTF-8, and so must we to catch decoding bugs.
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, {"content-type": JSON_TYPE, **(headers or {})})

    @classmethod
    def html(cls, status: int, markup: str) -> Response:
        return cls(status, markup.encode(), {"content-type": HTML_TYPE})


def parse_request(
    method: str, target: str, headers: dict[str, str], body: bytes, *, platform: str = ""
) -> Request:
    """Build a :class:`Request` from raw parts; ``target`` is the path (and query) to route on."""
    split = urlsplit(target)
    headers = {name.lower(): value for name, value in headers.items()}
    json_body, form, files = _parse_body(headers.get("content-type", ""), body)
    return Request(
        method=method.upper(),
        path=split.path or "/",
        query=parse_qs(split.query, keep_blank_values=True),
        headers=headers,
        body=body,
        platform=platform,
        json_body=json_body,
        form=form,
        files=files,
    )


def _parse_body(
    content_type: str, body: bytes
) -> tuple[Any, dict[str, str], dict[str, UploadedFile]]:
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        return None, {}, {}
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return json.loads(body), {}, {}
        except ValueError:
            return None, {}, {}
    if media_type == "multipart/form-data":
        return (None, *_parse_multipart(content_type, body))
    if media_type == "application/x-www-form-urlencoded":
        pairs = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return None, {name: values[-1] for name, values in pairs.items()}, {}
    return None, {}, {}


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    # The email parser understands MIME multipart natively (the cgi module is gone in 3.13);
    # it only needs the Content-Type header, boundary included, in front of the body.
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    parser = BytesParser(EmailMessage, policy=policy.HTTP)
    message = cast(EmailMessage, parser.parsebytes(head + body))
    form: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form[name] = data.decode("utf-8", "replace")
        else:
            files[name] = UploadedFile(filename, part.get_content_type(), data)
    return form, files
