"""Celery tasks: thin; ids in, one service call. They run on the `default` queue (the
app's default): sending a webhook is one short HTTP call, no platform's queue.

The delivery rows, not the broker, hold the truth: a lost message is re-sent by the
sweep, a duplicated one finds the delivery already claimed."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import deliveries_due, delivery_attempt


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook_task(delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.deliver_due", ignore_result=True)
def deliver_due_webhooks_task() -> None:
    deliveries_due()
