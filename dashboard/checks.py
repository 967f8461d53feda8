"""Start-up checks for the dashboard's mail: team invitations carry a single-use join link,
which must reach the invitee's mailbox and never the service's logs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# Backends that write the whole message, link included, where operators and log
# collectors read it.
_LOGGING_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


def mail_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.EMBEDDED:
        return []
    if settings.EMAIL_BACKEND == SMTP_BACKEND and not settings.EMAIL_HOST:
        return [
            Error(
                "EMAIL_HOST is not set: team invitations cannot be mailed.",
                hint="Set EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                "EMAIL_USE_TLS and DEFAULT_FROM_EMAIL in the environment (see .env.example).",
                id="dashboard.E001",
            )
        ]
    if settings.EMAIL_BACKEND in _LOGGING_BACKENDS:
        return [
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: invitation links, which let "
                "anyone join a store, will be written where the logs are read.",
                hint="Use the SMTP backend (the default outside the embedded setup).",
                id="dashboard.W001",
            )
        ]
    return []
