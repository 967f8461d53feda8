"""Secrets out of text that is about to be logged: OAuth and platform credentials in URL
query strings (Meta's clients send ``access_token`` as a parameter; the OAuth redirects
carry ``code`` and ``state``) and in Authorization headers.

Used at the sources that would otherwise write them: the sandbox's access log and urllib3's
request lines (through ``RedactSecretsFilter`` in ``LOGGING``). Standard library only, like
the platform clients: the sandbox imports it without Django settings."""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Parameters whose value authenticates someone. ``state`` is in: an API-started flow's
# auth_url is a bearer secret until it is used.
SECRET_PARAMS = (
    "access_token",
    "refresh_token",
    "input_token",
    "fb_exchange_token",
    "token",
    "client_secret",
    "code",
    "code_verifier",
    "state",
)

_PARAM_RE = re.compile(
    r"(?P<key>(?:^|[?&;\s])(?:" + "|".join(SECRET_PARAMS) + r")=)(?P<value>[^&;#\s\"']+)",
    re.IGNORECASE,
)
_AUTH_RE = re.compile(
    r"(?P<key>\bauthorization[\"']?\s*[:=]\s*[\"']?(?:bearer|oauth|basic)\s+)(?P<value>[^\s\"',]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every secret parameter's value and Authorization credential replaced."""
    text = _PARAM_RE.sub(lambda m: m["key"] + REDACTED, text)
    return _AUTH_RE.sub(lambda m: m["key"] + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts a record's message in place (set on a logger, it
    applies before any handler, pytest's capture included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
