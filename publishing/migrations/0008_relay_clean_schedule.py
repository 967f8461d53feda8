"""The media relay's cleaner as a beat entry, in the database so staff see and tune it."""

from __future__ import annotations

from django.db import migrations

from publishing.beat_entry import RELAY_CLEAN


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0007_target_notices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [RELAY_CLEAN.migration("MEDIA_RELAY_CLEAN_INTERVAL_SECONDS")]
