"""The webhook sweep's one beat entry, in the database so staff see and tune it."""

from __future__ import annotations

from django.db import migrations

from webhooks.beat_entry import SWEEP


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [SWEEP.migration("WEBHOOK_SWEEP_INTERVAL_SECONDS")]
