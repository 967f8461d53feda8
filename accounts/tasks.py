from __future__ import annotations

from celery import shared_task

from accounts.oauth.refresh import refresh_expiring


@shared_task(name="accounts.refresh_expiring_tokens", ignore_result=True)
def refresh_expiring_tokens_task() -> None:
    refresh_expiring()
