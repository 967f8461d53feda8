"""The webhook sweep's one beat entry, in the database so staff see and tune it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations

from webhooks.beat_entry import NAME, sweep_entry_ensure


def create_entry(apps: Any, schema_editor: Any) -> None:
    sweep_entry_ensure(
        interval_model=apps.get_model("django_celery_beat", "IntervalSchedule"),
        task_model=apps.get_model("django_celery_beat", "PeriodicTask"),
        every_seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS,
    )


def remove_entry(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_entry, remove_entry)]
